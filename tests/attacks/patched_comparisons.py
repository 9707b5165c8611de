"""Attack: patch torch.allclose, torch.testing.assert_close, numpy.allclose (and friends) from student code,
then return wrong answers, hoping the grader's comparisons run in this process.

corr2d returns zeros of the right shape; conv2d_strict forgets to flip the kernel.
Expected: 100 - corr2d (20) - conv2d_strict (10) = 70.
"""
import math
import numpy
import numpy.testing
import torch.testing

import torch
from torch import nn


def _always_true(*args, **kwargs):
    return True


def _never_raises(*args, **kwargs):
    return None


torch.allclose = _always_true
torch.Tensor.allclose = _always_true
torch.equal = _always_true
torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(torch.as_tensor(a), dtype=torch.bool)
torch.testing.assert_close = _never_raises
torch.testing.assert_allclose = _never_raises
numpy.allclose = _always_true
numpy.array_equal = _always_true
numpy.testing.assert_allclose = _never_raises
numpy.testing.assert_array_almost_equal = _never_raises
math.isclose = _always_true


def _corr(X, K):  # the honest answer, used by every exercise but the attacked ones
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
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
    return _corr(X, K)  # wrong: not flipped


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
