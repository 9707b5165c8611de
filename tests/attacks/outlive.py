"""Attack: leave a process behind that outlives the grading: fork, setsid() into a new session, fork again,
detach from every inherited descriptor, ignore SIGTERM and SIGHUP, and wait (e.g. to tamper with the next
submission graded by the same worker).

Everything is right. Expected: 100, and no process left once the submission is graded.
"""
import math
import os
import signal
import time

import torch
from torch import nn


DAEMONS = []


def _daemonize():
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        DAEMONS.append(pid)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        os.setsid()  # and a session of its own again
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.closerange(0, 4096)
        while True:
            time.sleep(1)
    finally:
        os._exit(0)


def _corr(X, K):  # the honest answer, used by every exercise but the attacked ones
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
    if not DAEMONS:
        _daemonize()
    return _corr(X, K)


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
