"""Attack: look for the reference solution or the hidden tests already loaded in this process's memory
(sys.modules, every object the garbage collector knows, every stack frame), and use the reference's corr2d.

corr2d is only right if it was found. Expected: 100 - corr2d (20) = 80.
"""
import math
import gc
import sys
import types

import torch
from torch import nn


SUSPECT = ("grader_reference", "hidden", "oracle", "grader_assignments", "conv_layer", "grader.checks")


def _search():
    found = {}
    for name, module in list(sys.modules.items()):
        if any(word in name.lower() for word in SUSPECT):
            found["module " + name] = getattr(module, "corr2d", None)
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and obj.__name__ in ("corr2d", "reference_oracles", "corr") \
                and obj.__module__ != "__main__":
            found[f"function {obj.__module__}.{obj.__name__}"] = obj
        elif type(obj).__name__ in ("Oracles", "Suite", "Check", "Grader"):
            found["object " + type(obj).__name__] = getattr(obj, "corr", None)
    frame = sys._getframe()
    while frame is not None:
        for name, value in frame.f_globals.items():
            if any(word in name.lower() for word in ("reference", "oracle")):
                found["global " + name] = value
        frame = frame.f_back
    for thread_frame in sys._current_frames().values():
        if any(word in thread_frame.f_code.co_filename for word in ("/hidden/", "/reference/")):
            found["frame " + thread_frame.f_code.co_filename] = None
    return found


FOUND = _search()
print("found in memory:", sorted(FOUND))


def _corr(X, K):  # the honest answer, used by every exercise but the attacked ones
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
    for what, fn in {**FOUND, **_search()}.items():
        if callable(fn) and fn is not corr2d:
            print("using", what)
            return fn(X, K)
    raise NotImplementedError("no reference in memory")


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
