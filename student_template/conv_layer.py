# %%
"""# 图像卷积（《动手学深度学习》6.2 节） · 练习 / Image convolution (d2l 6.2) · Exercises

实现下面每个代码单元中的函数或类，删除 `raise NotImplementedError`。提交后由自动评分器评分（共 100 分）。
Implement the function or class in each code cell below and remove its `raise NotImplementedError`. The autograder scores the submission out of 100 points.

| 名称 / name | 分数 / points |
|---|---|
| `corr2d(X, K)` | 20 |
| `Conv2D(kernel_size)` | 15 |
| `learn_kernel(X, Y, init, lr=3e-2, num_epochs=10)` | 10 |
| `conv2d_strict(X, K)` | 10 |
| `corr2d_matmul(X, K)` | 10 |
| `kernel_matrix(K, input_shape)` | 10 |
| `second_derivative_kernel()` | 5 |
| `laplacian_kernel()` | 5 |
| `derivative_kernel(d)` | 10 |
| `integral_kernel(n)` | 5 |

规则 / Rules:
- `corr2d`、`Conv2D`、`conv2d_strict`、`corr2d_matmul`、`kernel_matrix` 不得使用内置卷积（`F.conv2d`、`torch.conv2d`、`nn.Conv2d` 等）；切片、`Tensor.unfold`、`F.unfold`、`F.pad`、`einsum`、矩阵乘法都可以。`learn_kernel` 可以像本节一样使用 `nn.Conv2d`。
  `corr2d`, `Conv2D`, `conv2d_strict`, `corr2d_matmul` and `kernel_matrix` must not use a built-in convolution (`F.conv2d`, `torch.conv2d`, `nn.Conv2d`, ...); slicing, `Tensor.unfold`, `F.unfold`, `F.pad`, `einsum` and matrix products are fine. `learn_kernel` may use `nn.Conv2d` as the chapter does.
- 可以使用 `torch`、`numpy` 和 Python 标准库。
  You may use `torch`, `numpy` and the standard library.
- 卷积核最好以张量返回。
  Kernels are preferably returned as tensors.
"""
import math

import torch
from torch import nn


def corr2d(X, K):
    """计算二维互相关运算，输出形状为 (n_h-k_h+1, n_w-k_w+1)。
    2-D cross-correlation ("valid" mode) of X (n_h, n_w) with K (k_h, k_w); must support autograd and not modify X or K.
    """
    raise NotImplementedError


# %%
class Conv2D(nn.Module):
    """二维卷积层：将 weight 和 bias 声明为模型参数，前向传播调用 corr2d 并添加偏置。
    2-D conv layer: `weight` nn.Parameter of shape kernel_size, `bias` nn.Parameter of shape (1,);
    forward(x) = corr2d(x, weight) + bias.
    """

    def __init__(self, kernel_size):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


# %%
def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    """学习由 X 生成 Y 的卷积核：从 init 开始（无偏置），每次迭代计算平方误差并按梯度更新卷积核。
    Learn the kernel from (X, Y): start from `init` (no bias); each epoch Y_hat = corr2d(X, W),
    loss = ((Y_hat - Y)**2).sum(), then W -= lr * grad. Return (kernel, losses): the final kernel
    (shape of init) and the num_epochs losses (Python floats, each computed before its step). Do not modify init.
    """
    raise NotImplementedError


# %%
def conv2d_strict(X, K):
    """严格卷积运算：水平和垂直翻转卷积核，然后对输入张量执行互相关运算。
    Strict (flipped-kernel) convolution in "valid" mode: corr2d(X, K flipped on both axes).
    """
    raise NotImplementedError


# %%
def corr2d_matmul(X, K):
    """将互相关运算表示为一次矩阵乘法：把输入切成卷积核大小的块并打平，再乘以打平的卷积核。
    Cross-correlation as ONE matrix multiplication: (out_h*out_w, k_h*k_w) matrix of flattened
    patches @ flattened kernel, reshaped to (out_h, out_w).
    """
    raise NotImplementedError


# %%
def kernel_matrix(K, input_shape):
    """通过改变卷积核张量，将互相关运算表示为矩阵乘法：返回矩阵 W。
    Return W of shape (out_h*out_w, n_h*n_w) such that W @ X.reshape(-1) == corr2d(X, K).reshape(-1)
    for every X of shape input_shape (a tuple (n_h, n_w)).
    """
    raise NotImplementedError


# %%
def second_derivative_kernel():
    """二阶导数的核：形状 (1, 3)，与单位间隔的采样值做互相关得到 f''。
    Second-derivative kernel of shape (1, 3): cross-correlating it with unit-spaced samples of f gives f''.
    """
    raise NotImplementedError


# %%
def laplacian_kernel():
    """二维情况下计算图像二阶导数（拉普拉斯算子）的 3x3 卷积核。
    (3, 3) kernel giving the Laplacian d2f/dx2 + d2f/dy2 on a unit grid (exact on polynomials of degree <= 2).
    """
    raise NotImplementedError


# %%
def derivative_kernel(d):
    """得到 d 次导数的最小核，形状 (1, d+1)。
    Smallest kernel, shape (1, d+1), whose cross-correlation with unit-spaced samples gives the d-th
    derivative (exact on polynomials of degree <= d); d is an integer >= 1.
    """
    raise NotImplementedError


# %%
def integral_kernel(n):
    """积分的核：形状 (1, n)，与采样值做互相关得到 n 个相邻采样值之和。
    Integral kernel of shape (1, n): its cross-correlation sums n consecutive samples.
    """
    raise NotImplementedError
