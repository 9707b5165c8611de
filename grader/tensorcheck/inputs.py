"""Tensors of any shape, in float32 or float64, for Hypothesis: each draw a seed, so shapes grow cheaply.

Kinds of values: ``quarters`` (multiples of 1/4 in [-10, 10]: exact in both dtypes, readable when shrunk),
``distinct`` (no two equal: max pooling's gradient is then unique), ``negative`` (all below zero: a zero
padding would win a max) and ``ties`` (few levels: several maxima in a window).
"""

from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

DTYPES = (torch.float32, torch.float64)


def values(shape, dtype: torch.dtype, kind: str, seed: int) -> torch.Tensor:
    """A tensor of ``shape`` whose values are of ``kind``, reproducible from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    shape, n = tuple(shape), math.prod(shape)
    if kind == "quarters":
        t = torch.randint(-40, 41, shape, generator=g) / 4
    elif kind == "distinct":
        t = (torch.randperm(n, generator=g).reshape(shape) - n // 2) / 4
    elif kind == "negative":
        t = -torch.randint(1, 41, shape, generator=g) / 4
    elif kind == "ties":
        t = torch.randint(-1, 2, shape, generator=g).double()
    else:
        raise ValueError(f"unknown kind of values {kind!r}")
    return t.to(dtype)


@st.composite
def tensors(draw, shape, dtype: torch.dtype, kinds=("quarters",)) -> torch.Tensor:
    """A tensor of ``shape`` and ``dtype`` with values of one of ``kinds``."""
    kind = draw(st.sampled_from(kinds))
    return values(shape, dtype, kind, draw(st.integers(0, 2**31 - 1)))


def upstream(shape, dtype: torch.dtype, seed: int = 1, positive: bool = False) -> torch.Tensor:
    """A gradient for a function's output: multiples of 1/4, positive when asked (the mass a max passes on
    is then the sum of the upstream gradient, whichever tied element gets it)."""
    g = torch.Generator().manual_seed(seed)
    low = 1 if positive else -8
    return (torch.randint(low, 9, tuple(shape), generator=g) / 4).to(dtype)


def lively(shape, dtype: torch.dtype = torch.float64, start: float = 1.0, step: float = 1.0) -> torch.Tensor:
    """Distinct non-zero values start, start + step, ...: an input no coincidence hides a pattern in."""
    n = math.prod(shape)
    return (start + step * torch.arange(n, dtype=torch.float64)).reshape(tuple(shape)).to(dtype)
