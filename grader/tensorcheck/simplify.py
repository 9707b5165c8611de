"""Simpler counterexamples for tensor checks: narrower axes, then rounder values, then float32.

The runner re-runs a failing check's body on each candidate a check's ``simplify(inputs)`` yields and
keeps the first that fails the same way (``grader.runner``).  A candidate must be a valid input, or the
oracle would raise on it: a ``Layout`` says which axes are tied across arguments, by name, and what else
must hold::

    Layout(axes={"X": ("c_i", "h", "w"), "K": ("c_o", "c_i", "k_h", "k_w")},
           at_most=(("k_h", "h"), ("k_w", "w")))

Narrowing ``c_i`` narrows X and K together; narrowing ``h`` to below ``k_h`` narrows ``k_h`` with it.
An argument whose shape follows the others (an upstream gradient follows the output) is cropped, or
extended with ones, to ``follows[name](candidate)``.  Arguments the layout does not name are left as
they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass(frozen=True)
class Layout:
    """The axes of a check's tensor arguments, named: one name, one size, whichever arguments it is in."""
    axes: Mapping[str, tuple[str, ...]]
    # (small, large): the size of axis ``small`` never exceeds that of ``large`` (a kernel within its input)
    at_most: tuple[tuple[str, str], ...] = ()
    # argument -> the shape it must have for the candidate's other arguments (cropped, or extended with ones);
    # a check whose inputs do not have it is simplified all the same
    follows: Mapping[str, Callable[[dict], tuple[int, ...]]] = field(default_factory=dict)
    # what else a candidate must satisfy (sizes against integer arguments such as padding)
    valid: Callable[[dict], bool] | None = None
    # False where the values were drawn for a reason (distinct, to keep a maximum unique): only shapes shrink
    values: bool = True

    def sizes(self, inputs: dict) -> dict[str, int]:
        """Each axis name's size in ``inputs``; a ValueError when tied axes disagree."""
        sizes: dict[str, int] = {}
        for arg, names in self.axes.items():
            shape = tuple(inputs[arg].shape)
            if len(shape) != len(names):
                raise ValueError(f"{arg} has shape {shape}, but the layout names {len(names)} axes")
            for name, size in zip(names, shape):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"axis {name!r} is {sizes[name]} in one argument and {size} in {arg}")
        return sizes

    def satisfied(self, inputs: dict) -> bool:
        """Whether ``inputs`` are consistent: tied axes agree, every size >= 1, the constraints hold."""
        try:
            sizes = self.sizes(inputs)
        except ValueError:
            return False
        if any(size < 1 for size in sizes.values()):
            return False
        if any(sizes[small] > sizes[large] for small, large in self.at_most):
            return False
        if any(tuple(inputs[arg].shape) != tuple(shape(inputs)) for arg, shape in self.follows.items()
               if arg in inputs):
            return False
        return self.valid is None or bool(self.valid(inputs))

    def simplify(self, inputs: dict) -> Iterator[dict]:
        """Candidates simpler than ``inputs``, each consistent: every axis narrowed by one (at either end),
        then each entry made 0, rounded or ±1, then float64 made float32."""
        sizes = self.sizes(inputs)
        for name in sizes:
            for start in (0, 1):  # drop the last entry, or the first
                cut = {name}
                cut |= {small for small, large in self.at_most if large == name and sizes[small] == sizes[large]}
                if any(sizes[n] <= 1 for n in cut):
                    continue
                candidate = self._finish(inputs, {arg: _narrow(inputs[arg], names, cut, start)
                                                  for arg, names in self.axes.items()})
                if candidate is not None:
                    yield candidate
        if self.values:
            for arg in self.axes:
                tensor = inputs[arg]
                flat = tensor.reshape(-1)
                for i in range(flat.numel()):
                    for simpler in _simpler_values(float(flat[i])):
                        changed = flat.clone()
                        changed[i] = simpler
                        candidate = self._finish(inputs, {arg: changed.reshape(tensor.shape)})
                        if candidate is not None:
                            yield candidate
        doubles = {arg: t.float() for arg, t in inputs.items()
                   if isinstance(t, torch.Tensor) and t.dtype == torch.float64}
        if doubles:
            candidate = self._finish(inputs, doubles)
            if candidate is not None:
                yield candidate

    def keeping(self, examples) -> Callable[[dict], Iterator[dict]]:
        """``simplify``, except for ``examples``: inputs chosen so that every named mistake gives a different
        answer, which a narrower input may no longer tell apart (two explanations of one code agreeing)."""
        kept = list(examples)

        def simplify(inputs: dict) -> Iterator[dict]:
            if not any(_same_inputs(inputs, e) for e in kept):
                yield from self.simplify(inputs)

        return simplify

    def _finish(self, inputs: dict, changed: dict) -> dict | None:
        candidate = dict(inputs, **changed)
        for arg, shape in self.follows.items():
            if arg in candidate:
                candidate[arg] = _fit(candidate[arg], tuple(shape(candidate)))
        return candidate if self.satisfied(candidate) else None


def _same_inputs(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.dtype == y.dtype
                    and x.shape == y.shape and torch.equal(x, y)):
                return False
        elif x != y:
            return False
    return True


def _narrow(tensor: torch.Tensor, names: tuple[str, ...], cut: set[str], start: int) -> torch.Tensor:
    for dim, name in enumerate(names):
        if name in cut:
            tensor = tensor.narrow(dim, start, tensor.shape[dim] - 1)
    return tensor


def _simpler_values(value: float) -> list[float]:
    """0, the value rounded, its sign: those that are simpler than ``value`` (smaller, or an integer)."""
    found = []
    for simpler in (0.0, float(round(value)), math.copysign(1.0, value)):
        if simpler == value or simpler in found:
            continue
        if simpler != 0.0 and abs(simpler) >= abs(value) and simpler != round(value):
            continue
        found.append(simpler)
    return found


def _fit(tensor: Any, shape: tuple[int, ...]) -> Any:
    """``tensor`` cropped to ``shape``, extended with ones where it is too small."""
    if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) == shape or tensor.dim() != len(shape):
        return tensor
    out = torch.ones(shape, dtype=tensor.dtype)
    common = tuple(slice(0, min(a, b)) for a, b in zip(shape, tensor.shape))
    out[common] = tensor[common]
    return out
