"""Simpler variants of a failing input, for tensors of any rank: rounder values, then a lower precision.

The runner keeps a variant when the check fails on it the same way (``grader.runner``), greedily; shapes
are the check's to shrink (they are tied together by the exercise: a kernel must fit its input).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch


def rounder_values(inputs: dict, names: tuple[str, ...] | None = None) -> Iterator[dict]:
    """Each tensor in ``inputs`` (or those ``names``) with one entry made 0, an integer or +-1."""
    names = names or tuple(k for k, v in inputs.items() if isinstance(v, torch.Tensor))
    for name in names:
        T = inputs[name]
        flat = T.reshape(-1)
        for i in range(flat.numel()):
            value = float(flat[i])
            for simpler in (0.0, float(round(value)), math.copysign(1.0, value)):
                if simpler == value or (simpler != 0.0 and abs(simpler) >= abs(value) and simpler != round(value)):
                    continue
                changed = flat.clone()
                changed[i] = simpler
                yield dict(inputs, **{name: changed.reshape(T.shape)})


def single_precision(inputs: dict) -> Iterator[dict]:
    """All float64 tensors as float32: what most students test with."""
    if any(isinstance(v, torch.Tensor) and v.dtype == torch.float64 for v in inputs.values()):
        yield {k: v.float() if isinstance(v, torch.Tensor) and v.dtype == torch.float64 else v
               for k, v in inputs.items()}
