# %%
"""Reference solution for the `conv-channels` assignment (D2L 6.3 padding and stride, 6.4 multiple
input and output channels, 6.5 pooling).

Each `# %%` block is one notebook cell / one exercise.  Every size, padding and stride is a pair
(h, w); padding adds that many rows/columns of zeros on EACH side, as PyTorch's layers do.  The tensor
functions are built from F.pad, Tensor.unfold, einsum and matrix products only (the built-in
convolutions and poolings are forbidden), keep the input dtype, let gradients flow to every tensor
argument and never modify their inputs.
"""
import torch
from torch.nn import functional as F


# %%
def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    """Output (h, w) of a cross-correlation: floor((n + 2p - k) / s) + 1 per axis, as Python ints.

    p is added on both sides (so the padded size is n + 2p); floor because a window that would
    stick out past the padded input yields no output.
    """
    # BEGIN SOLUTION
    return tuple(
        (int(n) + 2 * int(p) - int(k)) // int(s) + 1
        for n, k, p, s in zip(input_shape, kernel_size, padding, stride)
    )
    # END SOLUTION


# %%
def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    """2-D cross-correlation of X (n_h, n_w) with K (k_h, k_w), zero padding on each side and a stride.

    F.pad's pair list starts at the LAST axis: (left, right, top, bottom).  The stride is the step
    between windows, i.e. it subsamples the output positions, never the input.
    """
    # BEGIN SOLUTION
    p_h, p_w = padding
    padded = F.pad(X, (p_w, p_w, p_h, p_h))
    (k_h, k_w), (s_h, s_w) = K.shape, stride
    # (out_h, out_w, k_h, k_w) view; unfold(dim, size, step) yields floor((n - size) / step) + 1 windows
    windows = padded.unfold(0, k_h, s_h).unfold(1, k_w, s_w)
    return (windows * K).sum(dim=(-2, -1))
    # END SOLUTION


# %%
def corr2d_multi_in(X, K):
    """Multi-input-channel cross-correlation: sum over c of corr2d(X[c], K[c]).

    X (c_i, n_h, n_w), K (c_i, k_h, k_w) -> (n_h - k_h + 1, n_w - k_w + 1); one einsum contracts the
    channel and both window axes at once.
    """
    # BEGIN SOLUTION
    k_h, k_w = K.shape[-2:]
    windows = X.unfold(1, k_h, 1).unfold(2, k_w, 1)  # (c_i, out_h, out_w, k_h, k_w)
    return torch.einsum("chwij,cij->hw", windows, K)
    # END SOLUTION


# %%
def corr2d_multi_in_out(X, K):
    """Multi-input, multi-output: output channel o is corr2d_multi_in(X, K[o]).

    X (c_i, n_h, n_w), K (c_o, c_i, k_h, k_w) -> (c_o, out_h, out_w).
    """
    # BEGIN SOLUTION
    k_h, k_w = K.shape[-2:]
    windows = X.unfold(1, k_h, 1).unfold(2, k_w, 1)  # (c_i, out_h, out_w, k_h, k_w)
    return torch.einsum("chwij,ocij->ohw", windows, K)
    # END SOLUTION


# %%
def corr2d_multi_in_out_1x1(X, K):
    """1x1 convolution as ONE matrix product: (c_o, c_i) @ (c_i, n_h * n_w).

    A 1x1 kernel mixes channels pixel by pixel, so every pixel is one column of X's channel matrix.
    """
    # BEGIN SOLUTION
    c_i, n_h, n_w = X.shape
    c_o = K.shape[0]
    return (K.reshape(c_o, c_i) @ X.reshape(c_i, n_h * n_w)).reshape(c_o, n_h, n_w)
    # END SOLUTION


# %%
def corr2d_multi_matmul(X, K):
    """Any-window multi-channel cross-correlation as ONE matrix product (exercise 6.4.6, im2col).

    The patch matrix has one row per (c, a, b) of the kernel, ordered as K.reshape(c_o, -1) flattens
    it, and one column per output position: (c_o, c_i*k_h*k_w) @ (c_i*k_h*k_w, out_h*out_w).
    """
    # BEGIN SOLUTION
    c_o, c_i, k_h, k_w = K.shape
    windows = X.unfold(1, k_h, 1).unfold(2, k_w, 1)  # (c_i, out_h, out_w, k_h, k_w)
    out_h, out_w = windows.shape[1:3]
    patches = windows.permute(0, 3, 4, 1, 2).reshape(c_i * k_h * k_w, out_h * out_w)
    return (K.reshape(c_o, c_i * k_h * k_w) @ patches).reshape(c_o, out_h, out_w)
    # END SOLUTION


# %%
def compose_kernels(K1, K2):
    """The single kernel K with corr2d(corr2d(X, K1), K2) == corr2d(X, K) (exercise 6.4.1).

    Y[i, j] = sum_{a,b} K2[a, b] sum_{c,d} K1[c, d] X[i+a+c, j+b+d], so K[u, v] is the sum of
    K2[a, b] * K1[u-a, v-b]: the full 2-D convolution of K1 and K2, shape (k1 + k2 - 1) per axis.
    It is computed as K1 zero-padded by k2 - 1 on each side, cross-correlated with K2 flipped.
    """
    # BEGIN SOLUTION
    k2_h, k2_w = K2.shape
    padded = F.pad(K1, (k2_w - 1, k2_w - 1, k2_h - 1, k2_h - 1))
    windows = padded.unfold(0, k2_h, 1).unfold(1, k2_w, 1)
    return (windows * torch.flip(K2, dims=(0, 1))).sum(dim=(-2, -1))
    # END SOLUTION


# %%
def pool2d(X, pool_size, mode='max'):
    """The section's pooling: X (n_h, n_w), window pool_size, stride 1, no padding.

    'max' picks each window's first maximal element (argmax + gather, as F.max_pool2d does), so the
    gradient goes to that one element; 'avg' is the window mean.
    """
    # BEGIN SOLUTION
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)  # (out_h, out_w, p_h, p_w)
    if mode == 'max':
        flat = windows.flatten(-2)
        return flat.gather(-1, flat.argmax(dim=-1, keepdim=True)).squeeze(-1)
    if mode == 'avg':
        return windows.mean(dim=(-2, -1))
    raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    # END SOLUTION


# %%
def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    """Pool every channel of X (c, n_h, n_w) on its own, with PyTorch's pooling semantics.

    The stride defaults to the window; padding on each side is -inf for max (padding never wins) and
    zeros that count in the average for avg (count_include_pad=True); floor mode.
    """
    # BEGIN SOLUTION
    (k_h, k_w), (p_h, p_w) = pool_size, padding
    s_h, s_w = pool_size if stride is None else stride
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    fill = float('-inf') if mode == 'max' else 0.0
    padded = F.pad(X, (p_w, p_w, p_h, p_h), value=fill)
    # (c, out_h, out_w, k_h, k_w): floor mode, as unfold drops a window that sticks out
    windows = padded.unfold(1, k_h, s_h).unfold(2, k_w, s_w)
    if mode == 'avg':
        return windows.mean(dim=(-2, -1))
    flat = windows.flatten(-2)
    return flat.gather(-1, flat.argmax(dim=-1, keepdim=True)).squeeze(-1)
    # END SOLUTION


# %%
def avg_pool_kernel(pool_size):
    """The kernel of average pooling as a convolution (exercise 6.5.1): all entries 1 / (p_h * p_w)."""
    # BEGIN SOLUTION
    p_h, p_w = pool_size
    return torch.full((p_h, p_w), 1.0 / (p_h * p_w))
    # END SOLUTION


# %%
def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    """Multiplications in the forward pass (no bias), exercise 6.4.2: c_o*c_i*k_h*k_w per output pixel.

    Every output position of every output channel multiplies a whole (c_i, k_h, k_w) window; the
    number of positions comes from the padded input with the stride (the conv_output_shape formula).
    """
    # BEGIN SOLUTION
    (p_h, p_w), (s_h, s_w) = padding, stride
    out_h = (h + 2 * p_h - k_h) // s_h + 1
    out_w = (w + 2 * p_w - k_w) // s_w + 1
    return int(c_o * c_i * k_h * k_w * out_h * out_w)
    # END SOLUTION
