"""Wrong corr2d: reaches the built-in torch.conv2d by a name the source never spells out.

Only the run-time policy sees it (the aten operators the call runs); Conv2D calls corr2d so it is
forbidden too.
"""
import math

import torch
from torch import nn


# Correct correlation used by the other exercises, so that only corr2d and Conv2D are wrong.
def _corr2d_ok(X, K):
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
    # MISTAKE: the built-in convolution, under a name built at run time
    builtin = getattr(torch, "con" + "v2d")
    return builtin(X[None, None], K[None, None])[0, 0]


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
        loss = ((_corr2d_ok(X, W) - Y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
        W.grad.zero_()
    return W.detach(), losses


def conv2d_strict(X, K):
    return _corr2d_ok(X, torch.flip(K, (0, 1)))


def corr2d_matmul(X, K):
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    patches = X.unfold(0, h, 1).unfold(1, w, 1).reshape(out_h * out_w, h * w)
    return (patches @ K.reshape(-1)).reshape(out_h, out_w)


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    rows = []
    for i in range(n_h - h + 1):
        for j in range(n_w - w + 1):
            img = torch.zeros(input_shape, dtype=K.dtype)
            img[i:i + h, j:j + w] = K
            rows.append(img.reshape(-1))
    return torch.stack(rows)


def second_derivative_kernel():
    return torch.tensor([[1.0, -2.0, 1.0]])


def laplacian_kernel():
    return torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def derivative_kernel(d):
    return torch.tensor([[(-1.0) ** (d - i) * math.comb(d, i) for i in range(d + 1)]])


def integral_kernel(n):
    return torch.ones((1, n))
