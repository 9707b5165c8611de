"""Attack: allocate memory until something breaks, hoping to take the grader or the machine down.

The first call of corr2d fills one 256 MiB block, then maps 256 MiB blocks until the address-space limit
stops it (mapping is what the limit counts; not touching every page keeps the test quick on a busy
machine), then asks torch for a terabyte; every call returns zeros. Expected: 100 - corr2d (20) = 80.
"""
import math
import mmap

import torch
from torch import nn


BOMBED = []


def _bomb():
    hoard = [b"\1" * (256 << 20)]
    try:
        while True:
            # An anonymous mapping: counted by the limit, never touched (a bytearray zeroes every page, which
            # took over 0.5 s per block here and ran the call past its time limit).
            hoard.append(mmap.mmap(-1, 256 << 20))
    except (MemoryError, OSError):
        BOMBED.append(len(hoard))
    del hoard
    try:
        torch.empty(1 << 40, dtype=torch.uint8).fill_(1)
    except (RuntimeError, MemoryError) as exc:
        BOMBED.append(type(exc).__name__)
    print("bombed:", BOMBED, flush=True)


def _corr(X, K):  # the honest answer, used by every exercise but the attacked ones
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
    if not BOMBED:
        _bomb()
    return torch.zeros(X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return _corr(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    W = init.detach().clone().requires_grad_(True)
    losses = []
    for _ in range(num_epochs):
        loss = ((_corr(X, W) - Y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
            W.grad.zero_()
    return W.detach(), losses


def conv2d_strict(X, K):
    return _corr(X, torch.flip(K, (0, 1)))


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
