"""Wrong corr2d_multi_in: the book's sum(d2l.corr2d(x, k) for ...) with d2l.stack in place of sum, so the
channels' cross-correlations are stacked, (c_i, h, w), not added up (correct_d2l_corr2d.py otherwise)."""
import torch
from d2l import torch as d2l
from torch.nn import functional as F


def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    # the section's formula, with p_h + p_w counting both sides: floor((n - k + p + s) / s)
    return tuple((n - k + 2 * p + s) // s for n, k, p, s in zip(input_shape, kernel_size, padding, stride))


def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    P = F.pad(X, (padding[1], padding[1], padding[0], padding[0]))
    return d2l.corr2d(P, K)[::stride[0], ::stride[1]]


def corr2d_multi_in(X, K):
    return d2l.stack([d2l.corr2d(x, k) for x, k in zip(X, K)])


def corr2d_multi_in_out(X, K):
    return d2l.stack([sum(d2l.corr2d(x, k) for x, k in zip(X, K_o)) for K_o in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.matmul(K.reshape((c_o, c_i)), X.reshape((c_i, h * w)))
    return Y.reshape((c_o, h, w))


def corr2d_multi_matmul(X, K):
    c_o, c_i, k_h, k_w = K.shape
    rows = []
    for x in X:
        for a in range(k_h):
            for b in range(k_w):
                E = torch.zeros((k_h, k_w))
                E[a, b] = 1.0
                rows.append(d2l.corr2d(x, E).reshape(-1))  # X[c, i + a, j + b] for every (i, j)
    h, w = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    patches = torch.stack(rows).to(K.dtype)  # corr2d builds float32 rows
    return torch.matmul(K.reshape(c_o, -1), patches).reshape(c_o, h, w)


def compose_kernels(K1, K2):
    a, b = K2.shape
    return d2l.corr2d(F.pad(K1, (b - 1, b - 1, a - 1, a - 1)), torch.flip(K2, (0, 1)))


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    s_h, s_w = stride if stride is not None else pool_size
    value = float('-inf') if mode == 'max' else 0.0
    P = F.pad(X, (padding[1], padding[1], padding[0], padding[0]), value=value)
    return torch.stack([pool2d(p, pool_size, mode)[::s_h, ::s_w] for p in P])


def avg_pool_kernel(pool_size):
    return torch.ones(pool_size) / (pool_size[0] * pool_size[1])


def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    out_h, out_w = conv_output_shape((h, w), (k_h, k_w), padding, stride)
    return c_i * k_h * k_w * c_o * out_h * out_w
