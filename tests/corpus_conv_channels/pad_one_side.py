"""Wrong corr2d_pad_stride: pads only the top and the left."""
import math

import torch
import torch.nn.functional as F


def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    return tuple(math.floor((n + 2 * p - k) / s) + 1
                 for n, k, p, s in zip(input_shape, kernel_size, padding, stride))


def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    X = F.pad(X, (padding[1], 0, padding[0], 0))
    windows = X.unfold(0, K.shape[0], stride[0]).unfold(1, K.shape[1], stride[1])
    return torch.einsum('hwij,ij->hw', windows, K)


def corr2d_multi_in(X, K):
    windows = X.unfold(1, K.shape[1], 1).unfold(2, K.shape[2], 1)
    return torch.einsum('chwij,cij->hw', windows, K)


def corr2d_multi_in_out(X, K):
    windows = X.unfold(1, K.shape[2], 1).unfold(2, K.shape[3], 1)
    return torch.einsum('chwij,ocij->ohw', windows, K)


def corr2d_multi_in_out_1x1(X, K):
    return torch.einsum('oc,chw->ohw', K[:, :, 0, 0], X)


def corr2d_multi_matmul(X, K):
    c_o, c_i, k_h, k_w = K.shape
    windows = X.unfold(1, k_h, 1).unfold(2, k_w, 1)  # (c_i, h, w, k_h, k_w)
    h, w = windows.shape[1], windows.shape[2]
    patches = windows.permute(0, 3, 4, 1, 2).reshape(c_i * k_h * k_w, h * w)
    return torch.matmul(K.reshape(c_o, -1), patches).reshape(c_o, h, w)


def compose_kernels(K1, K2):
    a, b = K2.shape
    padded = F.pad(K1, (b - 1, b - 1, a - 1, a - 1))
    return torch.einsum('uvij,ij->uv', padded.unfold(0, a, 1).unfold(1, b, 1), K2.flip(0).flip(1))


def pool2d(X, pool_size, mode='max'):
    windows = X.unfold(0, pool_size[0], 1).unfold(1, pool_size[1], 1).flatten(2)
    if mode == 'max':
        return windows.max(dim=2).values
    return windows.mean(dim=2)


def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    if stride is None:
        stride = pool_size
    fill = -math.inf if mode == 'max' else 0.0
    X = F.pad(X, (padding[1], padding[1], padding[0], padding[0]), value=fill)
    windows = X.unfold(1, pool_size[0], stride[0]).unfold(2, pool_size[1], stride[1]).flatten(3)
    if mode == 'max':
        return windows.max(dim=3).values
    return windows.mean(dim=3)


def avg_pool_kernel(pool_size):
    return torch.ones(pool_size) / math.prod(pool_size)


def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    out_h = (h + 2 * padding[0] - k_h) // stride[0] + 1
    out_w = (w + 2 * padding[1] - k_w) // stride[1] + 1
    return c_o * c_i * k_h * k_w * out_h * out_w
