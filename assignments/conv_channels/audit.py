"""How ``grader audit`` calls each exercise of conv-channels on random inputs (see ``grader/audit/equivalence.py``).

``trial(module, name, seed)`` builds inputs from ``seed`` alone, calls ``module``'s exercise ``name``
and returns what it gave back, its gradients and its inputs afterwards: a mutant that returns the same
as the reference on many seeds is likely equivalent.  Max pooling gets distinct values (a tie may
rightly route the gradient elsewhere).  Used by `grader audit` only; it holds no answer and runs no student code.
"""

from __future__ import annotations

import torch

TRIALS = 60


def _ints(g: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (1,), generator=g))


def _pair(g: torch.Generator, low: int, high: int) -> tuple[int, int]:
    return (_ints(g, low, high), _ints(g, low, high))


def _randn(g: torch.Generator, shape, dtype) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)


def _distinct(g: torch.Generator, shape, dtype) -> torch.Tensor:
    n = 1
    for d in shape:
        n *= d
    return ((torch.randperm(n, generator=g) - n // 2) / 4).reshape(shape).to(dtype)


def _run(fn, tensors: list, *rest):
    inputs = [t.clone().requires_grad_(True) for t in tensors]
    out = fn(*inputs, *rest)
    grads = None
    if isinstance(out, torch.Tensor) and out.requires_grad:
        weights = _randn(torch.Generator().manual_seed(7), out.shape, out.dtype)
        grads = tuple(None if x is None else x.detach()
                      for x in torch.autograd.grad(out, inputs, weights, allow_unused=True))
    return {"out": out.detach() if isinstance(out, torch.Tensor) else out, "grads": grads,
            "inputs_after": tuple(t.detach() for t in inputs)}


def trial(module, name: str, seed: int):
    g = torch.Generator().manual_seed(seed)
    dtype = torch.float64 if seed % 2 else torch.float32
    fn = getattr(module, name)
    k, p, s = _pair(g, 1, 4), _pair(g, 0, 3), _pair(g, 1, 4)
    n = (max(1, k[0] - 2 * p[0]) + _ints(g, 0, 5), max(1, k[1] - 2 * p[1]) + _ints(g, 0, 5))
    if name == "conv_output_shape":
        return {"out": fn(n, k, p, s), "defaults": fn((k[0] + 2, k[1] + 3), k)}
    if name == "conv2d_cost":
        c_i, c_o = _ints(g, 1, 5), _ints(g, 1, 5)
        return {"out": fn(c_i, n[0], n[1], c_o, k[0], k[1], p, s)}
    if name == "corr2d_pad_stride":
        return _run(fn, [_randn(g, n, dtype), _randn(g, k, dtype)], p, s)
    c_i, c_o = _ints(g, 1, 4), _ints(g, 1, 4)
    size = (k[0] + _ints(g, 0, 4), k[1] + _ints(g, 0, 4))
    if name == "corr2d_multi_in":
        return _run(fn, [_randn(g, (c_i, *size), dtype), _randn(g, (c_i, *k), dtype)])
    if name in ("corr2d_multi_in_out", "corr2d_multi_matmul"):
        return _run(fn, [_randn(g, (c_i, *size), dtype), _randn(g, (c_o, c_i, *k), dtype)])
    if name == "corr2d_multi_in_out_1x1":
        return _run(fn, [_randn(g, (c_i, *size), dtype), _randn(g, (c_o, c_i, 1, 1), dtype)])
    if name == "compose_kernels":
        return _run(fn, [_randn(g, k, dtype), _randn(g, _pair(g, 1, 4), dtype)])
    if name == "pool2d":
        mode = ("max", "avg")[seed % 4 // 2]
        return _run(fn, [_distinct(g, size, dtype)], k, mode)
    if name == "pool2d_multi":
        mode = ("max", "avg")[seed % 4 // 2]
        padding = (_ints(g, 0, k[0] // 2), _ints(g, 0, k[1] // 2))
        stride = None if seed % 3 == 0 else s
        return _run(fn, [_distinct(g, (c_i, *size), dtype)], k, padding, stride, mode)
    if name == "avg_pool_kernel":
        return {"K": fn(k)}
    raise KeyError(name)
