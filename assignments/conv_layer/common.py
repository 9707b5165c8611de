"""What the public and hidden checks of conv-layer share: its inputs, its oracles, its named mistakes.

The comparisons, gradients and simplification come from ``grader.tensorcheck``.  The oracles here use
torch's own operators (``F.conv2d`` computes what ``corr2d`` must) and mathematics, so shipping this file
to students reveals no answer beyond what the chapter and torch already do.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from grader.tensorcheck import compare, gradients
from grader.tensorcheck.inputs import DTYPES
from grader.tensorcheck.simplify import Layout

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


# A counterexample's input and kernel, simplified together: the kernel stays within the input, and an upstream
# gradient keeps the output's shape.
GRIDS = Layout(axes={"X": ("n_h", "n_w"), "K": ("k_h", "k_w")}, at_most=(("k_h", "n_h"), ("k_w", "n_w")),
               follows={"grad_output": lambda i: out_shape(i["X"].shape, i["K"].shape)})
LAYER = Layout(axes={"bias": ("one",), "x": ("n_h", "n_w"), "weight": ("k_h", "k_w")}, at_most=GRIDS.at_most,
               follows={"grad_output": lambda i: out_shape(i["x"].shape, i["weight"].shape)})


# ---------------------------------------------------------------- oracles


def corr(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Valid-mode cross-correlation in float64, by torch's own convolution."""
    return F.conv2d(X.double()[None, None], K.double()[None, None])[0, 0]


def corr_grads(X, K, grad_output):
    return gradients.oracle_grads(corr, (X, K), (0, 1), grad_output)


def corr_scale(X, K) -> float:
    """The largest magnitude an output of corr(X, K) can have: tolerances scale with it."""
    return K.numel() * float(X.detach().abs().max()) * float(K.detach().abs().max())


# ------------------------------------------------------------ named mistakes

# What a wrong output shape means here (the valid cross-correlation's size).
SHAPE_EXPLANATIONS = {
    "axes_transposed": "height and width are swapped. Check which dimension of X and K is the height (dim 0) "
                       "and which the width (dim 1).",
    "off_by_one_shape": "the valid output is (n_h - k_h + 1) x (n_w - k_w + 1). Look at the +1 in your ranges "
                        "or sizes.",
}


def corr_variants(X: torch.Tensor, K: torch.Tensor, plus: torch.Tensor | float = 0.0) -> list:
    """How a wrong cross-correlation usually goes wrong: (code, explanation, its result on X and K), each result
    plus ``plus`` (a layer's bias)."""
    transposable = K.shape[0] <= X.shape[0] and K.shape[1] <= X.shape[1] and \
        K.shape[0] <= X.shape[1] and K.shape[1] <= X.shape[0]
    return [
        ("kernel_flipped", "it matches a convolution (the kernel flipped on both axes), not a cross-correlation: "
                           "multiply each window by K as it is, without flipping it", corr(X, K.flip(0, 1)) + plus),
        *flipped_one_axis(X, K, plus),
        ("axes_transposed", "it matches the result for the transposed kernel: height and width of K are swapped",
         corr(X, K.t()) + plus if transposable else None),
        ("axes_transposed", "it is the transpose of the right answer: the row and column indices are swapped",
         corr(X, K).t() + plus),
    ]


def flipped_one_axis(X, K, plus=0.0) -> list:
    explanation = "it matches the kernel flipped along one axis only"
    return [("kernel_flipped_one_axis", explanation, corr(X, K.flip(0)) + plus),
            ("kernel_flipped_one_axis", explanation, corr(X, K.flip(1)) + plus)]


def check_output(value, expected: torch.Tensor, scale: float, what, inputs_text: str, variants=()) -> None:
    """An answer of conv-layer: its shape first (explained), then the sign, then ``variants``, then the values."""
    compare.check_tensor(value, expected, scale, what, inputs_text, [compare.sign_flipped(expected), *variants],
                         shape_first=True, shape_explanations=SHAPE_EXPLANATIONS)
