# %%
"""# 填充和步幅、多输入多输出通道、汇聚层（《动手学深度学习》6.3–6.5 节） · 练习 / Padding, stride, channels and pooling (d2l 6.3–6.5) · Exercises

实现下面每个代码单元中的函数或类，删除 `raise NotImplementedError`。提交后由自动评分器评分（共 100 分）。
Implement the function or class in each code cell below and remove its `raise NotImplementedError`. The autograder scores the submission out of 100 points.

| 名称 / name | 分数 / points |
|---|---|
| `conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1))` | 5 |
| `corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1))` | 15 |
| `corr2d_multi_in(X, K)` | 10 |
| `corr2d_multi_in_out(X, K)` | 10 |
| `corr2d_multi_in_out_1x1(X, K)` | 10 |
| `corr2d_multi_matmul(X, K)` | 10 |
| `compose_kernels(K1, K2)` | 10 |
| `pool2d(X, pool_size, mode='max')` | 10 |
| `pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max')` | 10 |
| `avg_pool_kernel(pool_size)` | 5 |
| `conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride)` | 5 |

规则 / Rules:
- 张量函数不得使用内置的卷积或汇聚（`F.conv2d`、`F.max_pool2d`、`F.avg_pool2d`、`nn.Conv2d`、`nn.MaxPool2d` 等）；`F.pad`、`Tensor.unfold`、`F.unfold`、切片、`einsum`、矩阵乘法都可以。
  The tensor functions must not use a built-in convolution or pooling (`F.conv2d`, `F.max_pool2d`, `F.avg_pool2d`, `nn.Conv2d`, `nn.MaxPool2d`, ...); `F.pad`, `Tensor.unfold`, `F.unfold`, slicing, `einsum` and matrix products are fine.
- 尺寸、填充和步幅都是 (h, w) 二元组；填充加在每一侧。
  Sizes, paddings and strides are pairs (h, w); padding is added on each side.
- 可以使用 `torch`、`numpy` 和 Python 标准库。
  You may use `torch`, `numpy` and the standard library.
"""
import torch
from torch.nn import functional as F


# %%
def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    """计算输出形状 (h, w)：padding 为每一侧填充的行数和列数，返回由 Python 整数组成的元组。
    Output (h, w) of a cross-correlation of an input of size input_shape with a kernel of size
    kernel_size, padding rows/columns of zeros added on EACH side and the given stride, as a tuple of
    Python ints.
    """
    raise NotImplementedError


# %%
def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    """带填充（每一侧）和步幅的二维互相关运算。
    2-D cross-correlation of X (n_h, n_w) with K (k_h, k_w), padding zeros on each side and the given
    stride; equal to a one-channel F.conv2d. Must support autograd and not modify X or K.
    """
    raise NotImplementedError


# %%
def corr2d_multi_in(X, K):
    """多输入通道的互相关运算：对每个通道做互相关，再把结果加起来。
    X (c_i, n_h, n_w), K (c_i, k_h, k_w): the sum over the channels of their cross-correlations.
    """
    raise NotImplementedError


# %%
def corr2d_multi_in_out(X, K):
    """多输入多输出通道的互相关运算，输出形状为 (c_o, out_h, out_w)。
    X (c_i, n_h, n_w), K (c_o, c_i, k_h, k_w): output (c_o, out_h, out_w).
    """
    raise NotImplementedError


# %%
def corr2d_multi_in_out_1x1(X, K):
    """1×1 卷积：用一次矩阵乘法计算。
    K (c_o, c_i, 1, 1): the 1 x 1 convolution, computed as ONE matrix multiplication.
    """
    raise NotImplementedError


# %%
def corr2d_multi_matmul(X, K):
    """与 corr2d_multi_in_out 相同（任意窗口大小），用卷积核与 (c_i*k_h*k_w) 行的输入块矩阵的一次矩阵乘法计算。
    As corr2d_multi_in_out for a kernel of any window, computed as ONE matrix multiplication of the
    kernels with the (c_i*k_h*k_w)-row matrix of the input's patches.
    """
    raise NotImplementedError


# %%
def compose_kernels(K1, K2):
    """求一个卷积核 K，使得对足够大的任意 X，都有 corr2d(corr2d(X, K1), K2) == corr2d(X, K)。
    The one kernel K, shape (k1_h + k2_h - 1, k1_w + k2_w - 1), with
    corr2d(corr2d(X, K1), K2) == corr2d(X, K) for every X large enough.
    """
    raise NotImplementedError


# %%
def pool2d(X, pool_size, mode='max'):
    """二维汇聚：窗口 pool_size，步幅 1，无填充；mode 为 'max' 或 'avg'。梯度需要能传回 X。
    Pooling of X (n_h, n_w) with window pool_size, stride 1, no padding; mode 'max' or 'avg'.
    Gradients must flow (for max, to the maximum).
    """
    raise NotImplementedError


# %%
def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    """对 X 的每个通道分别汇聚；步幅默认等于窗口大小；每一侧的填充与 PyTorch 的汇聚层一致。
    Pool every channel of X (c, n_h, n_w) on its own; stride defaults to the window; padding on each
    side as PyTorch's pooling layers do (-inf for max, zeros that count in the average for avg).
    """
    raise NotImplementedError


# %%
def avg_pool_kernel(pool_size):
    """求卷积核 K，使 corr2d(X, K) 等于窗口为 pool_size、步幅为 1 的平均汇聚。
    The kernel K with which corr2d(X, K) equals average pooling with window pool_size and stride 1.
    """
    raise NotImplementedError


# %%
def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    """卷积层（无偏置）前向传播中的乘法次数，返回 int。
    The number of multiplications in the forward pass of a convolutional layer (no bias) with c_i
    input channels of size (h, w), c_o output channels, a (k_h, k_w) kernel, padding and stride: an int.
    """
    raise NotImplementedError
