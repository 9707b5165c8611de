"""When a computed number counts as right: the one tolerance the checks and the reports' ✗ marks share.

Float32 precision: a value may differ from the expected one by a little in absolute terms, a little
relative to itself, and a little relative to ``scale``, the size of the computation that produced it
(a sum of many products loses digits to its largest terms, not to its result).  ``expected`` may be a
number or a tensor: ``abs`` and the arithmetic work on both, so this module needs no torch.
"""

from __future__ import annotations

from typing import Any

ABSOLUTE = 1e-6
RELATIVE = 1e-4  # of the expected value
OF_SCALE = 2e-5  # of the computation's scale


def tolerance(expected: Any, scale: float) -> Any:
    """How far from ``expected`` an answer may be and still count as right (a tensor for a tensor)."""
    return ABSOLUTE + RELATIVE * abs(expected) + OF_SCALE * scale


def close(got: float, expected: float, scale: float) -> bool:
    """One number against another; a NaN or an infinity is never close."""
    return abs(got - expected) <= tolerance(expected, scale)
