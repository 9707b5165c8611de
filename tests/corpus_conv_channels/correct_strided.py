"""Correct: windows as torch.as_strided views (the stride of the output scales the view's strides)."""
import torch
import torch.nn.functional as F


def _windows(X, size, step=(1, 1)):
    """(..., out_h, out_w, k_h, k_w) view of X's windows over its last two axes."""
    *lead, n_h, n_w = X.shape
    *lead_strides, r, c = X.stride()
    out = ((n_h - size[0]) // step[0] + 1, (n_w - size[1]) // step[1] + 1)
    return X.as_strided((*lead, *out, *size), (*lead_strides, r * step[0], c * step[1], r, c),
                        X.storage_offset())


def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    return tuple(len(range(0, n + 2 * p - k + 1, s))
                 for n, k, p, s in zip(input_shape, kernel_size, padding, stride))


def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    P = F.pad(X, [padding[1]] * 2 + [padding[0]] * 2)
    return (_windows(P, K.shape, stride) * K).sum((2, 3))


def corr2d_multi_in(X, K):
    return (_windows(X, K.shape[1:]) * K[:, None, None]).sum((0, 3, 4))


def corr2d_multi_in_out(X, K):
    W = _windows(X, K.shape[2:])  # (c_i, h, w, k_h, k_w)
    return (W[None] * K[:, :, None, None]).sum((1, 4, 5))


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    return (K.reshape(K.shape[0], c_i) @ X.reshape(c_i, h * w)).reshape(-1, h, w)


def corr2d_multi_matmul(X, K):
    c_o, c_i, k_h, k_w = K.shape
    W = _windows(X, (k_h, k_w))
    h, w = W.shape[1:3]
    patches = W.permute(0, 3, 4, 1, 2).reshape(c_i * k_h * k_w, h * w)
    return (K.reshape(c_o, -1) @ patches).reshape(c_o, h, w)


def compose_kernels(K1, K2):
    a, b = K2.shape
    P = F.pad(K1, (b - 1, b - 1, a - 1, a - 1))
    return (_windows(P, (a, b)) * K2.flip((0, 1))).sum((2, 3))


def pool2d(X, pool_size, mode='max'):
    W = _windows(X, pool_size)
    if mode == 'max':
        return W.amax((2, 3))
    return W.mean((2, 3))


def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    pad = [padding[1]] * 2 + [padding[0]] * 2
    P = F.pad(X, pad, value=float('-inf')) if mode == 'max' else F.pad(X, pad)
    W = _windows(P, pool_size, stride or pool_size)
    if mode == 'max':
        return W.amax((-2, -1))
    return W.mean((-2, -1))


def avg_pool_kernel(pool_size):
    K = torch.ones(pool_size)
    return K / K.numel()


def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    out_h, out_w = conv_output_shape((h, w), (k_h, k_w), padding, stride)
    per_output = c_i * k_h * k_w
    return c_o * out_h * out_w * per_output
