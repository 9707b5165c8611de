"""Correct: the chapter's double loops everywhere.

corr2d allocates its output with torch.zeros, so it is float32 even for
float64 input, exactly like the chapter; that is accepted.
"""
import math

import torch
from torch import nn


def corr2d(X, K):
    """计算二维互相关运算"""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    K = init.detach().clone().requires_grad_(True)
    losses = []
    for i in range(num_epochs):
        Y_hat = corr2d(X, K)
        l = (Y_hat - Y) ** 2
        l.sum().backward()
        K.data[:] -= lr * K.grad
        K.grad.zero_()
        losses.append(l.sum().item())
    return K.detach(), losses


def conv2d_strict(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            # flipping the kernel on both axes turns correlation into convolution
            Y[i, j] = (X[i:i + h, j:j + w] * K.flip(0).flip(1)).sum()
    return Y


def corr2d_matmul(X, K):
    h, w = K.shape
    outh = X.shape[0] - h + 1
    outw = X.shape[1] - w + 1
    K = K.reshape(-1, 1)
    Y = []
    for i in range(outh):
        for j in range(outw):
            Y.append(X[i:i + h, j:j + w].reshape(-1))
    # the matrix product happens once, after *all* patches are collected
    Y = torch.stack(Y, 0)
    return torch.matmul(Y, K).reshape(outh, outw)


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    outh, outw = n_h - h + 1, n_w - w + 1
    W = torch.zeros((outh * outw, n_h * n_w), dtype=K.dtype)
    for i in range(outh):
        for j in range(outw):
            for a in range(h):
                for b in range(w):
                    W[i * outw + j, (i + a) * n_w + (j + b)] = K[a, b]
    return W


def second_derivative_kernel():
    return torch.tensor([[1.0, -2.0, 1.0]])


def laplacian_kernel():
    return torch.tensor([[0.0, 1.0, 0.0],
                         [1.0, -4.0, 1.0],
                         [0.0, 1.0, 0.0]])


def derivative_kernel(d):
    k = torch.zeros((1, d + 1))
    for i in range(d + 1):
        k[0, i] = (-1) ** (d - i) * math.comb(d, i)
    return k


def integral_kernel(n):
    return torch.ones((1, n))
