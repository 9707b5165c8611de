"""Correct: the chapter's style, explicit loops over output positions; d2l's corr2d reused for channels.

The loops build their outputs in torch.zeros (float32 whatever the input dtype), as the book does.
"""
import torch


def corr2d(X, K):  #@save (d2l.corr2d)
    """计算二维互相关运算"""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def conv_output_shape(input_shape, kernel_size, padding=(0, 0), stride=(1, 1)):
    shape = []
    for n, k, p, s in zip(input_shape, kernel_size, padding, stride):
        count, start = 0, 0
        while start + k <= n + 2 * p:  # one output per window start that fits
            count += 1
            start += s
        shape.append(count)
    return tuple(shape)


def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
    p_h, p_w = padding
    s_h, s_w = stride
    k_h, k_w = K.shape
    P = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w), dtype=X.dtype)
    P[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    Y = torch.zeros(((P.shape[0] - k_h) // s_h + 1, (P.shape[1] - k_w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (P[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    # 先遍历“X”和“K”的第0个维度（通道维度），再把它们加在一起
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    # 迭代“K”的第0个维度，每次都对输入“X”执行互相关运算。
    # 最后将所有结果都叠加在一起
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    # 全连接层中的矩阵乘法
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


def corr2d_multi_matmul(X, K):
    c_o, c_i, k_h, k_w = K.shape
    out_h, out_w = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    columns = []
    for i in range(out_h):
        for j in range(out_w):
            columns.append(X[:, i:i + k_h, j:j + k_w].reshape(-1))
    patches = torch.stack(columns, dim=1)
    return (K.reshape(c_o, -1) @ patches).reshape(c_o, out_h, out_w)


def compose_kernels(K1, K2):
    (a1, b1), (a2, b2) = K1.shape, K2.shape
    K = torch.zeros((a1 + a2 - 1, b1 + b2 - 1), dtype=K1.dtype)
    for a in range(a2):
        for b in range(b2):
            K[a:a + a1, b:b + b1] += K2[a, b] * K1
    return K


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
    if stride is None:
        stride = pool_size
    (k_h, k_w), (p_h, p_w), (s_h, s_w) = pool_size, padding, stride
    c, n_h, n_w = X.shape
    P = torch.full((c, n_h + 2 * p_h, n_w + 2 * p_w), float('-inf') if mode == 'max' else 0.0, dtype=X.dtype)
    P[:, p_h:p_h + n_h, p_w:p_w + n_w] = X
    Y = torch.zeros((c, (P.shape[1] - k_h) // s_h + 1, (P.shape[2] - k_w) // s_w + 1), dtype=X.dtype)
    for ch in range(c):
        for i in range(Y.shape[1]):
            for j in range(Y.shape[2]):
                window = P[ch, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
                Y[ch, i, j] = window.max() if mode == 'max' else window.mean()
    return Y


def avg_pool_kernel(pool_size):
    p_h, p_w = pool_size
    return torch.ones((p_h, p_w)) / (p_h * p_w)


def conv2d_cost(c_i, h, w, c_o, k_h, k_w, padding, stride):
    out_h, out_w = conv_output_shape((h, w), (k_h, k_w), padding, stride)
    count = 0
    for _ in range(c_o):
        count += out_h * out_w * c_i * k_h * k_w  # one product per kernel element per window
    return count
