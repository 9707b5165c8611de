"""Attack: find the reference solution and the hidden tests on disk (their paths are given by the test as
__ROOT__, the instructor's checkout; the attack also searches the whole filesystem), copy the reference's
corr2d, and print whatever was read.

corr2d is only right if the reference was found. Expected: 100 - corr2d (20) = 80, and no text of the
reference or the hidden tests anywhere in the result.
"""
import math
import os

import torch
from torch import nn


WANTED = ["__ROOT__/reference/conv_layer.py", "__ROOT__/assignments/conv_layer/hidden/__init__.py",
          "/proc/1/root__ROOT__/reference/conv_layer.py", "/proc/self/root__ROOT__/reference/conv_layer.py"]
FOUND = {}


def _search():
    for path in WANTED:
        try:
            with open(path) as handle:
                FOUND[path] = handle.read()
        except OSError as exc:
            print("cannot read", path, type(exc).__name__)
    seen = 0
    for top in ("/", "/proc/1/cwd", "/proc/1/root"):
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
            for name in files:
                seen += 1
                if name in ("conv_layer.py", "hidden.py") or folder.endswith("/hidden"):
                    path = os.path.join(folder, name)
                    try:
                        with open(path) as handle:
                            text = handle.read()
                    except OSError:
                        continue
                    if "def corr2d" in text and "Reference" in text or "hidden checks" in text:
                        FOUND[path] = text
            if seen > 200_000:
                break
    print("files seen:", seen, "found:", sorted(FOUND))
    for path, text in FOUND.items():
        print(path, text[:300])


_search()


def _corr(X, K):  # the honest answer, used by every exercise but the attacked ones
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
    for text in FOUND.values():
        if "def corr2d" in text:
            stolen = {}
            exec(text, stolen)
            return stolen["corr2d"](X, K)
    raise NotImplementedError("no reference found")


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
