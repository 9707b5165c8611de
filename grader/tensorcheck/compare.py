"""A student's answer against the oracle's, for tensors of any rank and for exact integers.

The order is fixed: the kind of value, then the named wrong variants (the answer equals what mistake X
would give, whatever its shape), then the shape, then the values, then the mistakes any tensor answer can
make (the sign, a constant factor).  Every comparison uses ``grader.tolerance``, as the reports' ✗ marks do.
A variant is ``(code, explanation, candidate)``, the candidate computed by the check on the same inputs
(``None`` where that mistake is not possible there).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from grader.checks import Mismatch
from grader.sandbox.wire import Opaque
from grader.tolerance import tolerance

Variant = tuple[str, str, Any]


def describe(**tensors: Any) -> str:
    """``(for X of shape (2, 3, 3), K of shape (2, 2))``: the inputs a message names."""
    parts = [f"{name} of shape {tuple(t.shape)}" if isinstance(t, torch.Tensor) else f"{name}={t!r}"
             for name, t in tensors.items()]
    return "(for " + ", ".join(parts) + ")"


def returned_tensor(value: Any, what: str) -> torch.Tensor:
    """The student's value as a float64 tensor, or a Mismatch saying what it was instead."""
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise Mismatch(f"{what} returned a {value.dtype} tensor; it should hold real numbers",
                           got=value, diagnosis="wrong_type", key="returned_non_real",
                           args={"what": what, "dtype": str(value.dtype).replace("torch.", "")})
        return value.double()
    if isinstance(value, Opaque):
        raise Mismatch(f"{what} returned {value.type} ({value.repr}), not a tensor", got=value,
                       diagnosis="wrong_type", key="returned_non_tensor", args={"what": what, "type": value.type})
    raise Mismatch(f"{what} returned {type(value).__name__} {str(value)[:60]}, not a tensor", got=value,
                   diagnosis="wrong_type", key="returned_non_tensor", args={"what": what, "type": type(value).__name__})


def as_tensor(value: Any, what: str) -> torch.Tensor:
    """A value that may also be given as nested lists of numbers (a kernel written out by hand), as float64."""
    if isinstance(value, (list, tuple)):
        try:
            return torch.tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise Mismatch(f"{what} returned a list that is not a rectangular grid of numbers", got=value,
                           diagnosis="wrong_type", key="kernel_not_grid", args={"what": what}) from None
    return returned_tensor(value, what)


def is_close(got: torch.Tensor, expected: torch.Tensor, scale: float) -> bool:
    """Equal within the tolerance, shape included; NaN and infinity are never close."""
    if tuple(got.shape) != tuple(expected.shape) or not bool(torch.isfinite(got).all()):
        return False
    return bool(((got - expected).abs() <= tolerance(expected, scale)).all())


def matching_variant(got: torch.Tensor, expected: torch.Tensor, scale: float,
                     variants: Iterable[Variant]) -> tuple[str, str] | None:
    """The first named mistake whose result ``got`` equals (and the right answer does not)."""
    for code, explanation, candidate in variants:
        if candidate is None:
            continue
        candidate = candidate.double()
        if tuple(candidate.shape) != tuple(got.shape):
            continue
        # A mistake may give infinities (a window of padding only): equal ones agree.
        same = got == candidate
        g, c = torch.where(same, 0.0, got), torch.where(same, 0.0, candidate)
        if is_close(g, c, scale) and not is_close(candidate, expected, scale):
            return code, explanation
    return None


def shape_diagnosis(got_shape: tuple, expected_shape: tuple) -> str:
    """What a wrong shape alone says: swapped axes, one too many or few on some axis, or just wrong."""
    if len(got_shape) == len(expected_shape) and got_shape != expected_shape:
        if sorted(got_shape) == sorted(expected_shape):
            return "axes_transposed"
        if all(abs(g - e) <= 1 for g, e in zip(got_shape, expected_shape)):
            return "off_by_one_shape"
    return "wrong_shape"


def require_shape(got: torch.Tensor, expected_shape, what: str, inputs_text: str = "",
                  explanations: dict[str, str] | None = None) -> None:
    """A Mismatch unless ``got`` has ``expected_shape``; ``explanations`` (diagnosis -> sentence) say what a
    shape mistake means for this exercise (the formula a wrong size breaks)."""
    got_shape, expected_shape = tuple(got.shape), tuple(expected_shape)
    if got_shape != expected_shape:
        code = shape_diagnosis(got_shape, expected_shape)
        message = f"{what} has shape {got_shape} but should have {expected_shape} {inputs_text}".rstrip()
        explanation = (explanations or {}).get(code)
        raise Mismatch(f"{message}: {explanation}" if explanation else message,
                       expected=f"shape {expected_shape}", got=f"shape {got_shape}",
                       diagnosis=code, key="shape", tentative=True,
                       args={"what": what, "got": str(got_shape), "expected": str(expected_shape)})


def sign_flipped(expected: torch.Tensor) -> Variant:
    """The mistake "the sign is flipped" as a variant: where a check names it before its own variants."""
    return "sign_flipped", "it is exactly the negative of the right answer: the sign is flipped", -expected


def general_diagnosis(got: torch.Tensor, expected: torch.Tensor, scale: float) -> tuple[str, str] | None:
    """Mistakes any tensor answer can make: the sign flipped, the right answer times a constant, only the
    first row right (a return inside the loop over rows)."""
    zero = torch.zeros_like(expected)
    if is_close(got, -expected, scale) and not is_close(expected, zero, scale):
        return sign_flipped(expected)[:2]
    nonzero = expected.abs() > 1e-9
    if bool(nonzero.any()):
        ratio = float((got[nonzero] / expected[nonzero]).median())
        if abs(ratio - 1) > 1e-3 and ratio != 0 and is_close(got, ratio * expected, scale):
            return "scale_error", f"it is the right answer times {ratio:.4g}: a scale factor is wrong"
    if _first_row_only(got, expected, scale):
        return "first_row_only", "only the first row is right: does a return or a break sit inside the row loop?"
    return None


def _first_row_only(got: torch.Tensor, expected: torch.Tensor, scale: float) -> bool:
    """Right on the first row (of every matrix in the result, rows being the next-to-last axis), not all zero,
    and wrong somewhere on every later row."""
    if got.dim() < 2 or got.shape[-2] < 2:
        return False
    first, rest = (slice(None, 1), slice(1, None))
    zero = torch.zeros_like(expected[..., first, :])
    if not is_close(got[..., first, :], expected[..., first, :], scale) or \
            is_close(expected[..., first, :], zero, scale):
        return False
    wrong = ~close_mask(got[..., rest, :], expected[..., rest, :], scale)
    return bool(wrong.any(dim=-1).all())


def close_mask(got: torch.Tensor, expected: torch.Tensor, scale: float) -> torch.Tensor:
    """Which entries are equal within the tolerance (the reports' ✗ marks are its complement)."""
    return (got - expected).abs() <= tolerance(expected, scale)


def diagnose(got: torch.Tensor, expected: torch.Tensor, scale: float,
             variants: Iterable[Variant] = ()) -> tuple[str, str] | None:
    """What explains a wrong ``got`` of the right shape: a named variant first, then the general mistakes."""
    return matching_variant(got, expected, scale, variants) or general_diagnosis(got, expected, scale)


def check_tensor(value: Any, expected: torch.Tensor, scale: float, what: str, inputs_text: str = "",
                 variants: Iterable[Variant] = (), *, shape_first: bool = False,
                 shape_explanations: dict[str, str] | None = None) -> None:
    """Raise a Mismatch that names the mistake unless ``value`` equals ``expected`` within the tolerance.

    ``shape_first``: a wrong shape is named by the shape alone (``shape_explanations``), before any variant
    (an exercise whose variants all have the right answer's shape, or whose shape mistakes have their own
    explanation).
    """
    got = returned_tensor(value, what)
    if shape_first:
        require_shape(got, expected.shape, what, inputs_text, shape_explanations)
    shown = value if isinstance(value, torch.Tensor) else got  # the counterexample keeps the student's dtype
    expected = expected.double()
    if is_close(got, expected, scale):
        return
    named = matching_variant(got, expected, scale, variants)
    if named and tuple(got.shape) != tuple(expected.shape):
        code, explanation = named
        raise Mismatch(f"{what} has shape {tuple(got.shape)} but should have {tuple(expected.shape)} "
                       f"{inputs_text}: {explanation}", expected=expected, got=shown, diagnosis=code, key="shape",
                       args={"what": what, "got": str(tuple(got.shape)), "expected": str(tuple(expected.shape))})
    require_shape(got, expected.shape, what, inputs_text, shape_explanations)
    if not bool(torch.isfinite(got).all()):
        raise Mismatch(f"{what} contains NaN or infinity {inputs_text}", expected=expected, got=shown,
                       diagnosis="not_finite", key="not_finite", args={"what": what})
    named = named or general_diagnosis(got, expected, scale)
    wrong = int((~close_mask(got, expected, scale)).sum())
    message = f"{what} is wrong in {wrong} of {got.numel()} entries {inputs_text}".rstrip()
    raise Mismatch(f"{message}: {named[1]}" if named else message, expected=expected, got=shown,
                   diagnosis=named[0] if named else None, key="values_wrong",
                   args={"what": what, "wrong": wrong, "total": got.numel()})


def _is_int(value: Any) -> bool:
    return type(value) is int


def _as_number(value: Any) -> float | None:
    """A number the student may have returned in another type (a 0-d tensor, a float): its value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        return float(value.reshape(()))
    return None


def check_ints(value: Any, expected: tuple[int, ...] | int, what: str, inputs_text: str = "",
               variants: Iterable[tuple[str, str, Any]] = ()) -> None:
    """Exact Python ints: ``expected`` is an int or a tuple of ints, ``value`` must be the same, type included.

    A variant's candidate is what mistake X returns (an int or a tuple): matched before anything else, so
    that a wrong formula is named whatever type it returns in.
    """
    single = not isinstance(expected, tuple)
    items = [value] if single else (list(value) if isinstance(value, (tuple, list)) else None)
    numbers = None if items is None or len(items) != (1 if single else len(expected)) else \
        [_as_number(v) for v in items]
    wanted = [expected] if single else list(expected)
    if numbers is not None and None not in numbers and numbers != [float(e) for e in wanted]:
        for code, explanation, candidate in variants:
            candidate = [candidate] if single else list(candidate or ())
            if numbers == [float(c) for c in candidate] and candidate != wanted:
                raise Mismatch(f"{what} is {_text(value)} but should be {_text(expected)} {inputs_text}: "
                               f"{explanation}", expected=expected, got=_text(value), diagnosis=code,
                               key="int_wrong", args={"what": what, "got": _text(value), "expected": _text(expected)})
    kind = "an int" if single else f"a tuple of {len(expected)} ints"
    if numbers is None or None in numbers:
        raise Mismatch(f"{what} returned {_text(value)}; it should be {kind}", expected=expected, got=_text(value),
                       diagnosis="wrong_type", key="not_ints", args={"what": what, "got": _text(value), "kind": kind})
    if numbers != [float(e) for e in wanted]:
        raise Mismatch(f"{what} is {_text(value)} but should be {_text(expected)} {inputs_text}".rstrip(),
                       expected=expected, got=_text(value), key="int_wrong",
                       args={"what": what, "got": _text(value), "expected": _text(expected)})
    if not all(_is_int(v) for v in items) or (not single and not isinstance(value, tuple)):
        raise Mismatch(f"{what} has the right numbers but returned {_text(value)}; it should be {kind} "
                       "(Python ints: int(...), not tensors or floats)", expected=expected, got=_text(value),
                       diagnosis="not_python_int", key="not_python_int",
                       args={"what": what, "got": _text(value), "kind": kind})


def _text(value: Any) -> str:
    """How a returned value reads in a message: its type shows (``tensor(3)`` is not ``3``)."""
    if isinstance(value, torch.Tensor):
        return f"tensor({value.tolist()})" if value.numel() <= 8 else f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_text(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, Opaque):
        return value.repr
    return repr(value)[:80]


def require_unchanged(changed: tuple[bool, ...], names: tuple[str, ...], what: str) -> None:
    """The student's call left its tensor arguments as they were (the harness compares them after the call)."""
    modified = [n for n, c in zip(names, changed) if c]
    if modified:
        raise Mismatch(f"{what} changed its input {', '.join(modified)} in place; a function must leave its "
                       "arguments as they were (use out-of-place operations, or work on a clone)",
                       diagnosis="input_modified", key="input_modified", args={"what": what, "names": modified})
