"""Correct: corr2d as a sum of shifted slices; the hand-designed kernels are
returned as nested Python lists or numpy arrays instead of tensors."""
from math import comb

import numpy as np
import torch
from torch import nn


def corr2d(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    # Y = sum over kernel entries of K[a, b] times X shifted by (a, b)
    return sum(K[a, b] * X[a:a + out_h, b:b + out_w] for a in range(h) for b in range(w))


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    K = init.detach().clone().requires_grad_()
    losses = []
    for _ in range(num_epochs):
        loss = (corr2d(X, K) - Y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            K.sub_(lr * K.grad)
        K.grad = None
    return K.detach(), losses


def conv2d_strict(X, K):
    return corr2d(X, K[range(K.shape[0] - 1, -1, -1)][:, range(K.shape[1] - 1, -1, -1)])


def corr2d_matmul(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    patches = torch.stack([X[i:i + h, j:j + w].flatten()
                           for i in range(out_h) for j in range(out_w)])
    return (patches @ K.flatten()).reshape(out_h, out_w)


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    rows = []
    for i in range(n_h - h + 1):
        for j in range(n_w - w + 1):
            img = torch.zeros(input_shape, dtype=K.dtype)
            img[i:i + h, j:j + w] = K
            rows.append(img.flatten())
    return torch.stack(rows)


def second_derivative_kernel():
    return [[1, -2, 1]]


def laplacian_kernel():
    return np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def derivative_kernel(d):
    return [[(-1) ** (d - i) * comb(d, i) for i in range(d + 1)]]


def integral_kernel(n):
    return np.ones((1, n))
