"""Correct: 9-point Laplacian stencil (also exact on quadratics); corr2d by
accumulating shifted slices into a zero tensor of the input's dtype."""
import math

import torch
from torch import nn


def corr2d(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    Y = torch.zeros((out_h, out_w), dtype=X.dtype)
    for a in range(h):
        for b in range(w):
            Y = Y + K[a, b] * X[a:a + out_h, b:b + out_w]  # out of place keeps autograd simple
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    W = init.detach().clone().requires_grad_(True)
    losses = []
    for _ in range(num_epochs):
        loss = ((corr2d(X, W) - Y) ** 2).sum()
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            W -= lr * W.grad
        W.grad.zero_()
    return W.detach(), losses


def conv2d_strict(X, K):
    return corr2d(X, K.flip(0, 1))


def corr2d_matmul(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    patches = X.unfold(0, h, 1).unfold(1, w, 1).reshape(-1, h * w)
    return (patches @ K.reshape(-1, 1)).reshape(out_h, out_w)


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    out_h, out_w = n_h - h + 1, n_w - w + 1
    W = torch.zeros(out_h * out_w, n_h * n_w, dtype=K.dtype)
    for a in range(h):
        for b in range(w):
            for i in range(out_h):
                for j in range(out_w):
                    W[i * out_w + j, (i + a) * n_w + j + b] = K[a, b]
    return W


def second_derivative_kernel():
    return torch.tensor([[1.0, -2.0, 1.0]])


def laplacian_kernel():
    return torch.tensor([[1.0, 4.0, 1.0], [4.0, -20.0, 4.0], [1.0, 4.0, 1.0]]) / 6


def derivative_kernel(d):
    return torch.tensor([[math.comb(d, i) * (-1) ** (d - i) for i in range(d + 1)]], dtype=torch.float64)


def integral_kernel(n):
    return torch.ones((1, n))
