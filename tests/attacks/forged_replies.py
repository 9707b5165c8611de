"""Attack: the harness that answers the grader runs in this process, so forge its messages: a fake load report
with junk entries, and replies the grader must not trust: a tensor whose data is not base64 (corr2d), JSON
nested 200,000 levels deep (conv2d_strict), an integer of 400 digits (corr2d_matmul), a dtype that is a list
(laplacian_kernel).

Expected: those four lose their points and nothing else: 100 - 20 - 10 - 10 - 5 = 55; no check of the grader
breaks ("internal grader error").
"""
import math
import gc
import json
import socket
import struct

from grader.sandbox import harness

import torch
from torch import nn


def _session_socket():
    return next(o for o in gc.get_objects() if isinstance(o, socket.socket) and o.fileno() >= 0)


def _send_raw(payload: bytes):
    _session_socket().sendall(struct.pack(">I", len(payload)) + payload)


NAMES = ["corr2d", "Conv2D", "learn_kernel", "conv2d_strict", "corr2d_matmul", "kernel_matrix",
         "second_derivative_kernel", "laplacian_kernel", "derivative_kernel", "integral_kernel"]
_send_raw(json.dumps({"loaded": True, "units": [1, "x", None, {"status": 5, "error": [1]}, {"label": {"a": 1}}],
                      "names": {name: "function" for name in NAMES}}).encode())

_honest_call = harness.HANDLERS["call"]


def _forged_call(namespace, request):
    target = request["target"]
    if target == "corr2d":
        return {"ok": True, "value": {"tensor": {"dtype": "float32", "shape": [2, 2], "data": "!!not base64!!"}}}
    if target == "conv2d_strict":
        depth = 200_000
        _send_raw(b'{"id": %d, "ok": true, "value": ' % request["id"] + b"[" * depth + b"]" * depth + b"}")
    if target == "corr2d_matmul":
        _send_raw(b'{"id": %d, "ok": true, "value": {"float": 1%s}}' % (request["id"], b"0" * 400))
    return _honest_call(namespace, request)


harness.HANDLERS["call"] = _forged_call


def _corr(X, K):  # the honest answer, used by every exercise but the attacked ones
    h, w = K.shape
    return (X.unfold(0, h, 1).unfold(1, w, 1) * K).sum(dim=(-2, -1))


def corr2d(X, K):
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


_plain_laplacian = laplacian_kernel


def laplacian_kernel():
    _send_raw(b'{"id": %d, "ok": true, "value": {"tensor": {"dtype": ["float32"], "shape": [3, 3], "data": ""}}}'
              % _current_id())
    return _plain_laplacian()


def _current_id():
    frame = __import__("sys")._getframe()
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and "id" in request:
            return request["id"]
        frame = frame.f_back
    return 0
