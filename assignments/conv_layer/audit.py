"""How ``grader audit`` calls each exercise of conv-layer on random inputs (see ``grader/audit/equivalence.py``).

``trial(module, name, seed)`` builds inputs from ``seed`` alone, calls ``module``'s exercise ``name``
and returns what it gave back, its gradients and its inputs afterwards, as nested tuples, dicts,
numbers and tensors: a mutant that returns the same as the reference on many seeds is likely
equivalent.  Used by `grader audit` only; it holds no answer and runs no student code.
"""

from __future__ import annotations

import torch

TRIALS = 60


def _randn(g: torch.Generator, shape, dtype) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)


def _ints(g: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (1,), generator=g))


def _grads(out, inputs):
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return None
    g = torch.Generator().manual_seed(7)
    weights = _randn(g, out.shape, out.dtype)
    return tuple(None if x is None else x.detach()
                 for x in torch.autograd.grad(out, inputs, weights, allow_unused=True))


def _pair(g: torch.Generator, dtype):
    n_h, n_w = _ints(g, 1, 7), _ints(g, 1, 7)
    k_h, k_w = _ints(g, 1, n_h), _ints(g, 1, n_w)
    return _randn(g, (n_h, n_w), dtype), _randn(g, (k_h, k_w), dtype)


def trial(module, name: str, seed: int):
    g = torch.Generator().manual_seed(seed)
    dtype = torch.float64 if seed % 2 else torch.float32
    fn = getattr(module, name)
    if name in ("corr2d", "conv2d_strict", "corr2d_matmul"):
        X, K = _pair(g, dtype)
        Xg, Kg = X.clone().requires_grad_(True), K.clone().requires_grad_(True)
        out = fn(Xg, Kg)
        return {"out": out.detach() if isinstance(out, torch.Tensor) else out, "grads": _grads(out, [Xg, Kg]),
                "inputs_after": (Xg.detach(), Kg.detach())}
    if name == "Conv2D":
        kernel_size = (_ints(g, 1, 3), _ints(g, 1, 3))
        layer = fn(kernel_size)
        shapes = {n: tuple(p.shape) for n, p in layer.named_parameters()}
        # The initial values are the student's choice; what the layer computes from given ones is not.
        with torch.no_grad():
            for _, p in sorted(layer.named_parameters()):
                p.copy_(_randn(g, p.shape, p.dtype))
        x = _randn(g, (kernel_size[0] + _ints(g, 0, 4), kernel_size[1] + _ints(g, 0, 4)), torch.float32)
        xg = x.clone().requires_grad_(True)
        out = layer(xg)
        params = [p for _, p in sorted(layer.named_parameters())]
        return {"shapes": shapes, "out": out.detach(), "grads": _grads(out, [xg, *params]), "x_after": xg.detach()}
    if name == "learn_kernel":
        X, K = _pair(g, torch.float32)
        Y = X.unfold(0, K.shape[0], 1).unfold(1, K.shape[1], 1).mul(K).sum((-2, -1))
        init = _randn(g, K.shape, torch.float32)
        before = (X.clone(), Y.clone(), init.clone())
        if seed % 3 == 0:
            kernel, losses = fn(X, Y, init)
        else:
            lr = 0.1 / (1.0 + float((X ** 2).sum()))
            kernel, losses = fn(X, Y, init, lr=lr, num_epochs=_ints(g, 1, 10))
        return {"kernel": kernel.detach(), "losses": [float(v) for v in losses],
                "inputs_changed": [not torch.equal(a, b) for a, b in zip(before, (X, Y, init))]}
    if name == "kernel_matrix":
        X, K = _pair(g, torch.float64)
        return {"W": fn(K, tuple(X.shape))}
    if name in ("second_derivative_kernel", "laplacian_kernel"):
        return {"K": fn()}
    if name in ("derivative_kernel", "integral_kernel"):
        return {"K": fn(_ints(g, 1, 8))}
    raise KeyError(name)
