"""Correct: learn_kernel uses the built-in nn.Conv2d exactly like the chapter
(allowed there); corr2d is built from a list of per-window sums."""
import math

import torch
from torch import nn


def corr2d(X, K):
    h, w = K.shape
    return torch.stack([
        torch.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
        for i in range(X.shape[0] - h + 1)
    ])


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    h, w = init.shape
    # 构造一个二维卷积层，它具有1个输出通道和形状为init.shape的卷积核
    conv2d = nn.Conv2d(1, 1, kernel_size=(h, w), bias=False).to(X.dtype)
    conv2d.weight.data[:] = init.reshape((1, 1, h, w))
    # 这个二维卷积层使用四维输入和输出格式（批量大小、通道、高度、宽度）
    X = X.reshape((1, 1) + tuple(X.shape))
    Y = Y.reshape((1, 1) + tuple(Y.shape))
    losses = []
    for i in range(num_epochs):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        # 迭代卷积核
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        losses.append(l.sum().item())
    return conv2d.weight.data.reshape((h, w)).clone(), losses


def conv2d_strict(X, K):
    return corr2d(X, torch.flip(K, (0, 1)))


def corr2d_matmul(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    P = torch.stack([X[i:i + h, j:j + w].reshape(-1) for i in range(out_h) for j in range(out_w)])
    return torch.matmul(P, K.reshape(-1, 1)).reshape(out_h, out_w)


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    W = K.new_zeros((n_h - h + 1, n_w - w + 1, n_h, n_w))
    for i in range(n_h - h + 1):
        for j in range(n_w - w + 1):
            W[i, j, i:i + h, j:j + w] = K
    return W.reshape(-1, n_h * n_w)


def second_derivative_kernel():
    return torch.tensor([[1.0, -2.0, 1.0]])


def laplacian_kernel():
    return torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def derivative_kernel(d):
    return torch.tensor([[(-1) ** (d - i) * math.comb(d, i) for i in range(d + 1)]], dtype=torch.float32)


def integral_kernel(n):
    return torch.ones((1, n))
