"""What the public and hidden checks of conv-layer share: inputs, oracles, comparisons, diagnoses.

The oracles here use torch's own operators (``F.conv2d`` computes what
``corr2d`` must) and mathematics, so shipping this file to students reveals
no answer beyond what the chapter and torch already do.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from grader.checks import Mismatch
from grader.sandbox.wire import Opaque, meta
from grader.tolerance import tolerance

DTYPES = (torch.float32, torch.float64)

# ----------------------------------------------------------------- inputs

# Multiples of 1/4 in [-10, 10]: they shrink to small integers (readable counterexamples), include
# fractions, and are exact in float32 and float64, so any dtype sees the same values.
_ELEMENTS = st.integers(-40, 40).map(lambda v: v / 4)


def matrices(h: int, w: int, dtype: torch.dtype, elements=_ELEMENTS) -> st.SearchStrategy[torch.Tensor]:
    return st.lists(elements, min_size=h * w, max_size=h * w).map(
        lambda values: torch.tensor(values, dtype=dtype).reshape(h, w))


@st.composite
def corr_inputs(draw, max_n: int = 8, dtypes=DTYPES) -> dict:
    """X (n_h, n_w) and K (k_h, k_w) with k <= n, in one of ``dtypes``."""
    dtype = draw(st.sampled_from(dtypes))
    n_h, n_w = draw(st.integers(1, max_n)), draw(st.integers(1, max_n))
    k_h, k_w = draw(st.integers(1, n_h)), draw(st.integers(1, n_w))
    return {"X": draw(matrices(n_h, n_w, dtype)), "K": draw(matrices(k_h, k_w, dtype))}


@st.composite
def corr_grad_inputs(draw, max_n: int = 8, dtypes=DTYPES) -> dict:
    case = draw(corr_inputs(max_n, dtypes))
    out = out_shape(case["X"].shape, case["K"].shape)
    grad = st.integers(-8, 8).map(lambda v: v / 4)
    case["grad_output"] = draw(matrices(*out, torch.float64, grad)).to(case["X"].dtype)
    return case


def chapter_example() -> dict:
    return {"X": torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]),
            "K": torch.tensor([[0.0, 1.0], [2.0, 3.0]])}


def degenerate_examples() -> list[dict]:
    """A 1x1 kernel, a kernel as large as the input, a single row, float64."""
    x = torch.arange(12.0).reshape(3, 4) - 5
    return [
        {"X": x, "K": torch.tensor([[2.0]])},
        {"X": x, "K": torch.tensor([[1.0, -1.0, 2.0, 0.5], [0.0, 3.0, -2.0, 1.0], [1.0, 1.0, 1.0, -1.0]])},
        {"X": torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]], dtype=torch.float64),
         "K": torch.tensor([[1.0, -1.0]], dtype=torch.float64)},
    ]


def out_shape(x_shape, k_shape) -> tuple[int, int]:
    return (x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1)


# ---------------------------------------------------------------- oracles


def corr(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Valid-mode cross-correlation in float64, by torch's own convolution."""
    return F.conv2d(X.double()[None, None], K.double()[None, None])[0, 0]


def corr_grads(X, K, grad_output):
    # A copy: .double() of a float64 tensor is the tensor itself, and the inputs must stay as drawn.
    Xg = X.detach().to(torch.float64, copy=True).requires_grad_(True)
    Kg = K.detach().to(torch.float64, copy=True).requires_grad_(True)
    gx, gk = torch.autograd.grad(corr(Xg, Kg), [Xg, Kg], grad_output.double())
    return gx, gk


def corr_scale(X, K) -> float:
    """The largest magnitude an output of corr(X, K) can have: tolerances scale with it."""
    return K.numel() * float(X.detach().abs().max()) * float(K.detach().abs().max())


# ------------------------------------------------------------ comparisons


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


def as_kernel(value: Any, what: str) -> torch.Tensor:
    """A kernel may be a tensor, an ndarray or nested lists of numbers."""
    if isinstance(value, (list, tuple)):
        try:
            return torch.tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise Mismatch(f"{what} returned a list that is not a rectangular grid of numbers", got=value,
                           diagnosis="wrong_type", key="kernel_not_grid", args={"what": what}) from None
    return returned_tensor(value, what)


def is_close(got: torch.Tensor, expected: torch.Tensor, scale: float) -> bool:
    """Equal at float32 precision, relative to the scale of the computation."""
    if got.shape != expected.shape or not bool(torch.isfinite(got).all()):
        return False
    return bool(((got - expected).abs() <= tolerance(expected, scale)).all())


def shape_diagnosis(got_shape, expected_shape, what: str, inputs_text: str) -> tuple[str, str]:
    got_shape, expected_shape = tuple(got_shape), tuple(expected_shape)
    if len(got_shape) == 2 and got_shape == expected_shape[::-1]:
        return "axes_transposed", (
            f"{what} has shape {got_shape} but should have {expected_shape}: height and width are swapped. "
            "Check which dimension of X and K is the height (dim 0) and which the width (dim 1).")
    if len(got_shape) == len(expected_shape) and all(abs(g - e) <= 1 for g, e in zip(got_shape, expected_shape)):
        return "off_by_one_shape", (
            f"{what} has shape {got_shape} but should have {expected_shape} {inputs_text}: the valid output "
            "is (n_h - k_h + 1) x (n_w - k_w + 1). Look at the +1 in your ranges or sizes.")
    return "wrong_shape", f"{what} has shape {got_shape} but should have {expected_shape} {inputs_text}."


def require_shape(got: torch.Tensor, expected_shape, what: str, inputs_text: str = "") -> None:
    if tuple(got.shape) != tuple(expected_shape):
        code, message = shape_diagnosis(got.shape, expected_shape, what, inputs_text)
        raise Mismatch(message, expected=f"shape {tuple(expected_shape)}", got=f"shape {tuple(got.shape)}",
                       diagnosis=code, key="shape", tentative=True,
                       args={"what": what, "got": str(tuple(got.shape)), "expected": str(tuple(expected_shape))})


# How a wrong cross-correlation usually goes wrong: (code, explanation, transformation of (X, K)).
CORR_VARIANTS = (
    ("kernel_flipped", "it matches a convolution (the kernel flipped on both axes), not a cross-correlation: "
                       "multiply each window by K as it is, without flipping it",
     lambda X, K: corr(X, K.flip(0, 1))),
    ("kernel_flipped_one_axis", "it matches the kernel flipped along one axis only",
     lambda X, K: corr(X, K.flip(0))),
    ("kernel_flipped_one_axis", "it matches the kernel flipped along one axis only",
     lambda X, K: corr(X, K.flip(1))),
    ("axes_transposed", "it matches the result for the transposed kernel: height and width of K are swapped",
     lambda X, K: corr(X, K.t()) if K.shape[0] <= X.shape[0] and K.shape[1] <= X.shape[1] and
     K.shape[0] <= X.shape[1] and K.shape[1] <= X.shape[0] else None),
    ("axes_transposed", "it is the transpose of the right answer: the row and column indices are swapped",
     lambda X, K: corr(X, K).t()),
)


def diagnose_values(got: torch.Tensor, expected: torch.Tensor, scale: float, variants: tuple = (),
                    X=None, K=None) -> tuple[str | None, str]:
    """Name the usual mistake that explains ``got`` (None when none does)."""
    if is_close(got, -expected, scale) and not is_close(expected, torch.zeros_like(expected), scale):
        return "sign_flipped", "it is exactly the negative of the right answer: the sign is flipped"
    for code, explanation, transform in variants:
        candidate = transform(X, K)
        if candidate is not None and candidate.shape == got.shape and is_close(got, candidate, scale) \
                and not is_close(candidate, expected, scale):
            return code, explanation
    nonzero = expected.abs() > 1e-9
    if bool(nonzero.any()):
        ratios = got[nonzero] / expected[nonzero]
        ratio = float(ratios.median())
        if abs(ratio - 1) > 1e-3 and ratio != 0 and is_close(got, ratio * expected, scale):
            return "scale_error", f"it is the right answer times {ratio:.4g}: a scale factor is wrong"
    if got.dim() == 2 and got.shape[0] > 1 and is_close(got[:1], expected[:1], scale) \
            and not is_close(expected[:1], torch.zeros_like(expected[:1]), scale) \
            and bool((~_close_mask(got[1:], expected[1:], scale)).any(dim=1).all()):
        return "first_row_only", "only the first row is right: does a return or a break sit inside the row loop?"
    return None, ""


def describe_inputs(**tensors: torch.Tensor) -> str:
    parts = [f"{name} of shape {tuple(t.shape)}" for name, t in tensors.items()]
    return "(for " + ", ".join(parts) + ")"


def check_values(got_value: Any, expected: torch.Tensor, scale: float, what: str, inputs_text: str,
                 variants: tuple = (), X=None, K=None) -> None:
    """Raise a Mismatch that names the mistake unless ``got_value`` equals ``expected``."""
    got = returned_tensor(got_value, what)
    shown = got_value if isinstance(got_value, torch.Tensor) else got  # the counterexample keeps the student's dtype
    require_shape(got, expected.shape, what, inputs_text)
    if not bool(torch.isfinite(got).all()):
        raise Mismatch(f"{what} contains NaN or infinity {inputs_text}", expected=expected, got=shown,
                       diagnosis="not_finite", key="not_finite", args={"what": what})
    if is_close(got, expected, scale):
        return
    code, explanation = diagnose_values(got, expected, scale, variants, X, K)
    wrong = int((~_close_mask(got, expected, scale)).sum())
    message = f"{what} is wrong in {wrong} of {got.numel()} entries {inputs_text}"
    raise Mismatch(f"{message}: {explanation}" if code else message, expected=expected, got=shown, diagnosis=code,
                   key="values_wrong", args={"what": what, "wrong": wrong, "total": got.numel()})


def _close_mask(got, expected, scale):
    return (got - expected).abs() <= tolerance(expected, scale)


def require_unchanged(changed: tuple[bool, ...], names: tuple[str, ...], what: str) -> None:
    modified = [n for n, c in zip(names, changed) if c]
    if modified:
        raise Mismatch(
            f"{what} changed its input {', '.join(modified)} in place; a function must leave its arguments as they "
            "were (use out-of-place operations, or work on a clone)", diagnosis="input_modified",
            key="input_modified", args={"what": what, "names": modified})


def is_float(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(float(value))
    return isinstance(value, torch.Tensor) and value.dim() == 0 and meta(value) is not None \
        and meta(value).kind == "tensor"


# ------------------------------------------------------------ simplifying


def _fit(grad: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """``grad`` cropped to ``shape``, extended with ones where it is too small."""
    out = torch.ones(shape, dtype=grad.dtype)
    h, w = min(shape[0], grad.shape[0]), min(shape[1], grad.shape[1])
    out[:h, :w] = grad[:h, :w]
    return out


def simplify_grids(inputs: dict, x: str = "X", k: str = "K") -> Iterator[dict]:
    """Simpler variants of a failing (input, kernel) pair: smaller grids first, then rounder values."""
    X, K = inputs[x], inputs[k]

    def variant(X2: torch.Tensor, K2: torch.Tensor) -> dict:
        new = dict(inputs, **{x: X2, k: K2})
        if "grad_output" in inputs:
            new["grad_output"] = _fit(inputs["grad_output"], out_shape(X2.shape, K2.shape))
        return new

    for dim in (0, 1):
        for start in (0, 1):
            if K.shape[dim] > 1:
                yield variant(X, K.narrow(dim, start, K.shape[dim] - 1))
            if X.shape[dim] > K.shape[dim]:
                yield variant(X.narrow(dim, start, X.shape[dim] - 1), K)
            elif X.shape[dim] > 1:  # kernel as large as the input: shrink both
                yield variant(X.narrow(dim, start, X.shape[dim] - 1), K.narrow(dim, start, K.shape[dim] - 1))
    for name in (x, k):
        T = inputs[name]
        flat = T.reshape(-1)
        for i in range(flat.numel()):
            value = float(flat[i])
            for simpler in (0.0, float(round(value)), math.copysign(1.0, value)):
                if simpler == value or (simpler != 0.0 and abs(simpler) >= abs(value) and simpler != round(value)):
                    continue
                changed = flat.clone()
                changed[i] = simpler
                yield variant(changed.reshape(T.shape), K) if name == x else variant(X, changed.reshape(T.shape))
    if X.dtype == torch.float64:
        yield variant(X.float(), K.float())


def simplify_layer(inputs: dict) -> Iterator[dict]:
    if float(inputs["bias"].abs().sum()) != 0:
        yield dict(inputs, bias=torch.zeros_like(inputs["bias"]))
    yield from simplify_grids(inputs, "x", "weight")
