"""Correct: no window views at all; sums of shifted (strided) slices weighted by kernel entries,
channels summed with .sum(0), max pooling as torch.maximum over the shifted slices."""
import torch
import torch.nn.functional as F


def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    out = []
    for n, k, p, s in zip(input_shape, kernel_size, padding, stride):
        q, _ = divmod(n + 2 * p - k, s)
        out.append(q + 1)
    return out[0], out[1]


def _shifted(X, a, b, out, step=(1, 1)):
    """X[..., a + step*i, b + step*j] for every output position (i, j)."""
    return X[..., a:a + step[0] * (out[0] - 1) + 1:step[0], b:b + step[1] * (out[1] - 1) + 1:step[1]]


def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    out = conv_output_shape(X.shape, K.shape, padding, stride)
    P = F.pad(X, (padding[1], padding[1], padding[0], padding[0]))
    return sum(K[a, b] * _shifted(P, a, b, out, stride)
               for a in range(K.shape[0]) for b in range(K.shape[1]))


def corr2d_multi_in(X, K):
    out = conv_output_shape(X.shape[1:], K.shape[1:])
    Y = sum(K[:, a, b, None, None] * _shifted(X, a, b, out)
            for a in range(K.shape[1]) for b in range(K.shape[2]))
    return Y.sum(0)


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, K[o]) for o in range(K.shape[0])])


def corr2d_multi_in_out_1x1(X, K):
    return torch.tensordot(K[:, :, 0, 0], X, dims=1)


def corr2d_multi_matmul(X, K):
    c_o, c_i, k_h, k_w = K.shape
    out = conv_output_shape(X.shape[1:], (k_h, k_w))
    shifts = torch.stack([_shifted(X, a, b, out) for a in range(k_h) for b in range(k_w)], 1)
    patches = shifts.reshape(c_i * k_h * k_w, out[0] * out[1])  # rows (c, a, b) as K flattens
    return (K.reshape(c_o, -1) @ patches).reshape(c_o, *out)


def compose_kernels(K1, K2):
    a2, b2 = K2.shape
    return sum(F.pad(K2[a, b] * K1, (b, b2 - 1 - b, a, a2 - 1 - a))
               for a in range(a2) for b in range(b2))


def _pool(P, pool_size, out, step, mode):
    slices = [_shifted(P, a, b, out, step) for a in range(pool_size[0]) for b in range(pool_size[1])]
    if mode == 'max':
        Y = slices[0]
        for s in slices[1:]:
            Y = torch.maximum(Y, s)
        return Y
    return sum(slices) / len(slices)


def pool2d(X, pool_size, mode='max'):
    return _pool(X, pool_size, conv_output_shape(X.shape, pool_size), (1, 1), mode)


def pool2d_multi(X, pool_size, padding=(0, 0), stride=None, mode='max'):
    stride = stride or pool_size
    out = conv_output_shape(X.shape[1:], pool_size, padding, stride)
    P = F.pad(X, (padding[1], padding[1], padding[0], padding[0]),
              value=-float('inf') if mode == 'max' else 0.0)
    return _pool(P, pool_size, out, stride, mode)


def avg_pool_kernel(pool_size):
    n = pool_size[0] * pool_size[1]
    return torch.tensor([[1.0 / n] * pool_size[1]] * pool_size[0])


def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    out_h, out_w = conv_output_shape((h, w), (k_h, k_w), padding, stride)
    return (out_h * out_w) * (c_o * c_i) * (k_h * k_w)
