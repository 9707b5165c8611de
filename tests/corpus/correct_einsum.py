"""Correct: windows from Tensor.unfold, contractions with torch.einsum."""
import math

import torch
from torch import nn


def _windows(X, h, w):
    return X.unfold(0, h, 1).unfold(1, w, 1)  # (out_h, out_w, h, w)


def corr2d(X, K):
    return torch.einsum("ijab,ab->ij", _windows(X, *K.shape), K)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    W = init.detach().clone()
    losses = []
    for _ in range(num_epochs):
        W.requires_grad_(True)
        loss = ((corr2d(X, W) - Y) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, W)
        losses.append(loss.item())
        W = (W - lr * grad).detach()
    return W, losses


def conv2d_strict(X, K):
    return torch.einsum("ijab,ab->ij", _windows(X, *K.shape), torch.flip(K, [0, 1]))


def corr2d_matmul(X, K):
    h, w = K.shape
    win = _windows(X, h, w)
    P = win.reshape(win.shape[0] * win.shape[1], h * w)
    return torch.mv(P, K.reshape(-1)).reshape(win.shape[0], win.shape[1])


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    # R[i, a, r] = 1 iff r == i + a (rows), C[j, b, c] = 1 iff c == j + b (columns)
    R = torch.stack([torch.eye(n_h, dtype=K.dtype)[i:i + h] for i in range(n_h - h + 1)])
    C = torch.stack([torch.eye(n_w, dtype=K.dtype)[j:j + w] for j in range(n_w - w + 1)])
    W = torch.einsum("iar,jbc,ab->ijrc", R, C, K)
    return W.reshape(R.shape[0] * C.shape[0], n_h * n_w)


def second_derivative_kernel():
    return torch.tensor([[1.0, -2.0, 1.0]])


def laplacian_kernel():
    d2 = torch.tensor([1.0, -2.0, 1.0])
    e = torch.tensor([0.0, 1.0, 0.0])
    # d2/dx2 + d2/dy2 as a sum of two outer products
    return torch.einsum("a,b->ab", d2, e) + torch.einsum("a,b->ab", e, d2)


def derivative_kernel(d):
    return torch.tensor([[(-1.0) ** (d - i) * math.comb(d, i) for i in range(d + 1)]])


def integral_kernel(n):
    return torch.ones((1, n))
