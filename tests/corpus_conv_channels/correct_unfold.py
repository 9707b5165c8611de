"""Correct: F.unfold (im2col) patch matrices and matrix products; pooling reduces the patch columns."""
import math

import torch
from torch.nn import functional as F


def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    n_h, n_w = input_shape
    k_h, k_w = kernel_size
    p_h, p_w = padding
    s_h, s_w = stride
    return (n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1


def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    out = conv_output_shape(X.shape, K.shape, padding, stride)
    cols = F.unfold(X[None, None], K.shape, padding=padding, stride=stride)[0]  # (k_h*k_w, L)
    return (K.reshape(1, -1) @ cols).reshape(out)


def corr2d_multi_in(X, K):
    out = conv_output_shape(X.shape[1:], K.shape[1:])
    cols = F.unfold(X[None], K.shape[1:])[0]  # (c_i*k_h*k_w, L)
    return (K.reshape(-1) @ cols).reshape(out)


def corr2d_multi_in_out(X, K):
    out = conv_output_shape(X.shape[1:], K.shape[2:])
    cols = F.unfold(X[None], K.shape[2:])[0]
    return (K.flatten(1) @ cols).reshape(K.shape[0], *out)


def corr2d_multi_in_out_1x1(X, K):
    return torch.mm(K.flatten(1), X.flatten(1)).unflatten(1, X.shape[1:])


def corr2d_multi_matmul(X, K):
    c_o = K.shape[0]
    out = conv_output_shape(X.shape[1:], K.shape[2:])
    patches = F.unfold(X.unsqueeze(0), kernel_size=K.shape[2:]).squeeze(0)
    return torch.matmul(K.view(c_o, -1), patches).view(c_o, *out)


def compose_kernels(K1, K2):
    a, b = K2.shape
    cols = F.unfold(K1[None, None], (a, b), padding=(a - 1, b - 1))[0]
    out = (K1.shape[0] + a - 1, K1.shape[1] + b - 1)
    return (torch.flip(K2, (0, 1)).reshape(1, -1) @ cols).reshape(out)


def pool2d(X, pool_size, mode='max'):
    out = conv_output_shape(X.shape, pool_size)
    cols = F.unfold(X[None, None], pool_size)[0]
    if mode == 'max':
        return cols.amax(dim=0).reshape(out)
    return cols.mean(dim=0).reshape(out)


def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    stride = pool_size if stride is None else stride
    out = conv_output_shape(X.shape[1:], pool_size, padding, stride)
    if mode == 'max':
        X = F.pad(X, (padding[1], padding[1], padding[0], padding[0]), value=-math.inf)
        cols = F.unfold(X[:, None], pool_size, stride=stride)  # (c, p_h*p_w, L)
        return cols.amax(dim=1).reshape(-1, *out)
    cols = F.unfold(X[:, None], pool_size, padding=padding, stride=stride)
    return cols.mean(dim=1).reshape(-1, *out)


def avg_pool_kernel(pool_size):
    return torch.full(pool_size, 1 / (pool_size[0] * pool_size[1]))


def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    return math.prod((c_o, c_i, k_h, k_w) + conv_output_shape((h, w), (k_h, k_w), padding, stride))
