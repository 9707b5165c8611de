"""The properties of conv-layer, written once against an ``Oracles`` interface.

``public.py`` registers them with oracles built from torch's own operators
and mathematics; ``hidden/`` registers them again, with other seeds and
larger inputs, against the reference solution.  Check bodies never see the
student's objects: ``student.call`` returns validated plain data.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import torch
from hypothesis import strategies as st

from grader.checks import Mismatch, Phrase, Suite
from grader.replay import recorded
from grader.sandbox.wire import meta
from grader.tensorcheck import compare, gradients, operators
from grader.tensorcheck.diagnoses import answer, either, modifies_inputs
from grader.tensorcheck.inputs import lively

from . import common as c
from .common import corr_grad_inputs, corr_inputs


@dataclass(frozen=True)
class Oracles:
    corr: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    corr_grads: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    strict: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    kernel_matrix: Callable[[torch.Tensor, tuple[int, int]], torch.Tensor]
    learn: Callable[..., tuple[torch.Tensor, list[float]]]


def torch_oracles() -> Oracles:
    """Oracles from torch and mathematics alone: safe to ship to students."""

    def kernel_matrix(K, shape):
        # Column j is the cross-correlation of the j-th basis image: one batched convolution.
        n = shape[0] * shape[1]
        basis = torch.eye(n, dtype=torch.float64).reshape(n, 1, *shape)
        return torch.nn.functional.conv2d(basis, K.double()[None, None]).reshape(n, -1).t()

    def learn(X, Y, init, lr=3e-2, num_epochs=10):
        W = init.detach().double().clone().requires_grad_(True)
        losses = []
        for _ in range(num_epochs):
            loss = ((c.corr(X, W) - Y.double()) ** 2).sum()
            (grad,) = torch.autograd.grad(loss, [W])
            losses.append(float(loss.detach()))
            with torch.no_grad():
                W -= lr * grad
        return W.detach(), losses

    return Oracles(c.corr, c.corr_grads, lambda X, K: c.corr(X, K.flip(0, 1)), kernel_matrix, learn)


# ------------------------------------------------------------ diagnoses
#
# A diagnosis runs after the minimal counterexample is found, only when the comparison could not name the
# mistake for sure.  It calls the student again on inputs of its own choosing: distinct, non-zero values, so
# that a coincidence (an all-zero input after shrinking) cannot hide the pattern.


def _same_answer(answers: list) -> bool:
    first = answers[0]  # empty answers are equal whatever the kernel: they prove nothing
    return first is not None and first.numel() > 0 and all(
        a is not None and a.shape == first.shape and a.dtype == first.dtype and torch.equal(a, first)
        for a in answers[1:])


def _distinct(expected: list[torch.Tensor]) -> bool:
    first = expected[0]
    return any(e.shape != first.shape or not torch.allclose(e, first) for e in expected[1:])


def _kernels(k_shape, dtype) -> list[torch.Tensor]:
    return [lively(k_shape, dtype), lively(k_shape, dtype, start=-2.5, step=-0.5)]


def _ignores_kernel(name: str, oracle: Callable = c.corr) -> Callable:
    """Other kernels, same input: an unchanged answer means the function reads something else than its argument.

    Strong evidence, so it overrides what the comparison guessed (a global K of another shape looks like a
    wrong output shape).  Tried on an input shaped like the counterexample and on a larger one, since a global
    kernel larger than the counterexample's input makes every call on it fail.
    """

    def diagnose(student, inputs: dict, failure: Exception) -> tuple | None:
        X, K = inputs["X"], inputs["K"]
        for x_shape, kernels in (
            (tuple(X.shape), _kernels(K.shape, X.dtype)),
            ((8, 8), [*_kernels((2, 2), X.dtype), lively((1, 3), X.dtype, start=0.5)]),
        ):
            Xp = lively(x_shape, X.dtype)
            answers = [answer(lambda k=k: student.call(name, Xp, k).value) for k in kernels]
            if _same_answer(answers) and _distinct([c.corr(Xp, k) for k in kernels]):
                expected = oracle(Xp, kernels[0]).to(Xp.dtype)
                shown = {"inputs": {"X": Xp, "K": kernels[0]}, "expected": expected, "got": answers[0]}
                return "global_read", ("its result does not change when K changes: does it read a global variable "
                                       "(such as the chapter's K) instead of its argument?"), shown
        return None

    return diagnose


def _layer_ignores_weight(student, inputs: dict, failure: Exception) -> tuple | None:
    """The layer's output does not follow its weight: forward (or the corr2d it calls) reads a global."""
    x = lively((8, 8), torch.float32)
    weights = [*_kernels((2, 2), torch.float32), lively((1, 3), torch.float32, start=0.5)]
    answers = []
    for w in weights:
        answers.append(answer(lambda w=w: student.probe(
            "conv2d_layer", "Conv2D", kernel_size=tuple(w.shape), weight=w,
            bias=torch.zeros(1), x=x).value.get("value")))
    if _same_answer(answers) and _distinct([c.corr(x, w) for w in weights]):
        shown = {"inputs": {"x": x, "weight": weights[0]}, "expected": c.corr(x, weights[0]).float(), "got": answers[0]}
        return "global_read", ("the layer's output does not change when its weight changes: does forward, or the "
                               "corr2d it calls, read a global variable instead of its argument?"), shown
    return None


def _partial_rows(name: str) -> Callable:
    """Right for an output of one row (or one entry) and wrong beyond it: a return inside a loop."""

    def diagnose(student, inputs: dict, failure: Exception) -> tuple[str, str] | None:
        if getattr(failure, "diagnosis", None) and not getattr(failure, "tentative", False):
            return None  # the comparison already named the mistake
        K = inputs["K"]
        k_h, k_w = K.shape
        Kp = lively((k_h, k_w), K.dtype, start=-1.5)
        Xp = lively((k_h + 2, k_w + 2), K.dtype)

        def right(X: torch.Tensor) -> bool:
            got = answer(lambda: student.call(name, X, Kp).value)
            expected = c.corr(X, Kp)
            return got is not None and got.shape == expected.shape and \
                compare.is_close(got.double(), expected, c.corr_scale(X, Kp))

        if right(Xp):
            return None
        if right(Xp[:k_h]):
            return "first_row_only", ("it is right when the output has one row and wrong with several: "
                                      "does a return sit inside the loop over rows?")
        if right(Xp[:k_h, :k_w]):
            return "first_output_only", ("it is right when the output has a single entry and wrong with several: "
                                         "does a return sit inside the loop over positions?")
        return None

    return diagnose


def _modifies_inputs(name: str) -> Callable:
    # Fresh distinct values: a shrunk all-zero input survives ``X -= X.mean()`` unchanged.
    return modifies_inputs(name, lambda i: (lively(i["X"].shape, i["X"].dtype, start=1.0),
                                            lively(i["K"].shape, i["K"].dtype, start=2.0)), ("X", "K"))


# ----------------------------------------------------------------- register


def register(suite: Suite, o: Oracles, *, max_n: int = 8, examples: int = 20, extra: list[dict] = ()) -> Suite:
    """Add every property of conv-layer to ``suite``, judged by the oracles ``o``."""
    o = recorded(o)  # a replay answers them from its record (grader.replay)
    fixed = [c.chapter_example(), *c.degenerate_examples(), *extra]

    # ---------------------------------------------------------------- corr2d
    @suite.check("corr2d", title="corr2d(X, K) equals the cross-correlation of X and K", weight=4,
                 given=corr_inputs(max_n), examples=fixed, max_examples=examples,
                 diagnose=either(_ignores_kernel("corr2d"), _partial_rows("corr2d")),
                 simplify=c.GRIDS.simplify)
    def corr2d_values(student, X, K):
        reply = student.call("corr2d", X, K)
        c.check_output(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d(X, K)",
                       compare.describe(X=X, K=K), c.corr_variants(X, K))

    @suite.check("corr2d", title="gradients flow through corr2d to X and K and are right", weight=3,
                 given=corr_grad_inputs(max_n), max_examples=max(examples // 2, 5),
                 diagnose=either(_modifies_inputs("corr2d"), _ignores_kernel("corr2d")),
                 simplify=c.GRIDS.simplify)
    def corr2d_gradients(student, X, K, grad_output):
        reply = student.call("corr2d", X, K, grad_wrt=(0, 1), grad_output=grad_output)
        check_gradients(reply, o.corr_grads(X, K, grad_output), X, K, grad_output, "corr2d")

    @suite.check("corr2d", title="corr2d leaves X and K unchanged", weight=1, given=corr_inputs(max_n),
                 max_examples=5, diagnose=either(_ignores_kernel("corr2d")),
                 simplify=c.GRIDS.simplify)
    def corr2d_pure(student, X, K):
        reply = student.call("corr2d", X, K)
        # Only a right answer earns this point: a function that returns nothing also changes nothing.
        c.check_output(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d(X, K)", compare.describe(X=X, K=K))
        compare.require_unchanged(reply.args_changed, ("X", "K"), "corr2d")

    # ---------------------------------------------------------------- Conv2D
    @suite.check("Conv2D", title="Conv2D has weight and bias parameters of the right shapes", weight=2,
                 given=layer_parameters(), examples=[chapter_layer_example()], max_examples=4,
                 diagnose=either(_layer_ignores_weight))
    def conv2d_parameters(student, kernel_size, weight, bias, x):
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=kernel_size).value
        check_layer_structure(report, kernel_size)
        # What the probe says of the layer comes from inside the student process, which can lie: the points
        # need behaviour checked here too.  The parameters, set through the layer, must drive its output.
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=kernel_size, weight=weight, bias=bias,
                               x=x).value
        check_layer_output(o, report, x, weight, bias)

    @suite.check("Conv2D", title="Conv2D.forward computes corr2d(x, weight) + bias", weight=2,
                 given=layer_inputs(max_n), max_examples=max(examples // 2, 5),
                 diagnose=either(_layer_ignores_weight), simplify=c.LAYER.simplify)
    def conv2d_forward(student, x, weight, bias, grad_output):
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=tuple(weight.shape), weight=weight,
                               bias=bias, x=x).value
        check_layer_output(o, report, x, weight, bias)

    @suite.check("Conv2D", title="gradients of Conv2D's weight, bias and input are right", weight=2,
                 given=layer_inputs(max_n), max_examples=max(examples // 2, 5),
                 diagnose=either(_layer_ignores_weight), simplify=c.LAYER.simplify)
    def conv2d_gradients(student, x, weight, bias, grad_output):
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=tuple(weight.shape), weight=weight,
                               bias=bias, x=x, grad_output=grad_output).value
        report = layer_report(report)
        if report.get("cut_off"):
            raise Mismatch("the layer's output is cut off from autograd: weight and bias get no gradient",
                           diagnosis="autograd_cut_off", key="layer_cut_off")
        grads = report.get("grads")
        # The probe asks for the gradients of weight, bias and x, in that order.
        if not isinstance(grads, list) or len(grads) != 3 or grads[0] is None or grads[1] is None:
            raise Mismatch("weight or bias gets no gradient from the layer's output: is it used in forward?",
                           diagnosis="autograd_cut_off", key="layer_no_gradient")
        gx, gw = o.corr_grads(x, weight, grad_output)
        scale = c.corr_scale(x, weight) + 1
        check_tensor(grads[0], gw, Phrase("what.gradient_of", "the gradient of weight", name="weight"), scale)
        check_tensor(grads[1], grad_output.double().sum().reshape(1),
                     Phrase("what.gradient_of", "the gradient of bias", name="bias"),
                     float(grad_output.abs().sum()) + 1, reshape=True)
        # Found by `grader audit`: a forward that detached x (no gradient for the layers below) had full marks.
        if grads[2] is None:
            raise Mismatch("no gradient reaches x through Conv2D: is x detached or replaced?",
                           diagnosis="autograd_cut_off", key="no_gradient_reaches", args={"name": "Conv2D", "label": "x"})
        check_tensor(grads[2], gx, Phrase("what.gradient_of", "the gradient of x", name="x"),
                     c.corr_scale(grad_output, weight) + float(grad_output.abs().max()) * x.numel())

    # ---------------------------------------------------------- learn_kernel
    @suite.check("learn_kernel", title="learn_kernel follows gradient descent on the squared error", weight=3,
                 given=learning_inputs(), max_examples=max(examples // 3, 4),
                 examples=[chapter_learning_example()])
    def learn_trajectory(student, X, Y, init, lr, num_epochs):
        reply = student.call("learn_kernel", X, Y, init, lr=lr, num_epochs=num_epochs)
        check_learning(reply.value, o.learn(X, Y, init, lr=lr, num_epochs=num_epochs), init, num_epochs)

    @suite.check("learn_kernel", title="learn_kernel defaults to lr=3e-2 and 10 epochs", weight=1,
                 examples=[chapter_learning_example()], max_examples=1)
    def learn_defaults(student, X, Y, init, lr, num_epochs):
        reply = student.call("learn_kernel", X, Y, init)
        check_learning(reply.value, o.learn(X, Y, init), init, 10)

    @suite.check("learn_kernel", title="learn_kernel leaves init (and X, Y) unchanged", weight=1,
                 given=learning_inputs(), max_examples=3)
    def learn_pure(student, X, Y, init, lr, num_epochs):
        reply = student.call("learn_kernel", X, Y, init, lr=lr, num_epochs=num_epochs)
        check_learning(reply.value, o.learn(X, Y, init, lr=lr, num_epochs=num_epochs), init, num_epochs)
        compare.require_unchanged(reply.args_changed, ("X", "Y", "init"), "learn_kernel")

    # --------------------------------------------------------- conv2d_strict
    @suite.check("conv2d_strict", title="conv2d_strict(X, K) equals the strict convolution (flipped kernel)",
                 weight=3, given=corr_inputs(max_n), examples=fixed, max_examples=examples,
                 diagnose=either(_ignores_kernel("conv2d_strict", lambda X, K: c.corr(X, K.flip(0, 1)))),
                 simplify=c.GRIDS.simplify)
    def strict_values(student, X, K):
        reply = student.call("conv2d_strict", X, K)
        variants = (
            ("kernel_not_flipped", "it matches the cross-correlation: a strict convolution flips the kernel "
                                   "on both axes before sliding it", c.corr(X, K)),
            *c.flipped_one_axis(X, K),
        )
        c.check_output(reply.value, o.strict(X, K), c.corr_scale(X, K), "conv2d_strict(X, K)",
                       compare.describe(X=X, K=K), variants)

    # Found by `grader audit`: a conv2d_strict under torch.no_grad(), or returning .detach(), had full marks.
    @suite.check("conv2d_strict", title="gradients flow through conv2d_strict to X and K and are right", weight=1,
                 given=corr_grad_inputs(max_n), max_examples=max(examples // 4, 3),
                 diagnose=either(_modifies_inputs("conv2d_strict")), simplify=c.GRIDS.simplify)
    def strict_gradients(student, X, K, grad_output):
        reply = student.call("conv2d_strict", X, K, grad_wrt=(0, 1), grad_output=grad_output)
        # conv2d_strict(X, K) = corr2d(X, flip(K)): the oracle's corr2d gradients, K's flipped back
        gx, gk = o.corr_grads(X, torch.flip(K, dims=(0, 1)), grad_output)
        check_gradients(reply, (gx, torch.flip(gk, dims=(0, 1))), X, K, grad_output, "conv2d_strict")

    @suite.check("conv2d_strict", title="conv2d_strict leaves X and K unchanged", weight=1,
                 given=corr_inputs(max_n), max_examples=5, diagnose=either(_ignores_kernel("conv2d_strict")),
                 simplify=c.GRIDS.simplify)
    def strict_pure(student, X, K):
        reply = student.call("conv2d_strict", X, K)
        c.check_output(reply.value, o.strict(X, K), c.corr_scale(X, K), "conv2d_strict(X, K)",
                       compare.describe(X=X, K=K))
        compare.require_unchanged(reply.args_changed, ("X", "K"), "conv2d_strict")

    # --------------------------------------------------------- corr2d_matmul
    @suite.check("corr2d_matmul", title="corr2d_matmul(X, K) equals the cross-correlation", weight=3,
                 given=corr_inputs(max_n), examples=fixed, max_examples=examples,
                 diagnose=either(_ignores_kernel("corr2d_matmul"), _partial_rows("corr2d_matmul")),
                 simplify=c.GRIDS.simplify)
    def matmul_values(student, X, K):
        reply = student.call("corr2d_matmul", X, K)
        c.check_output(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d_matmul(X, K)",
                       compare.describe(X=X, K=K), c.corr_variants(X, K))

    # Found by `grader audit`: a corr2d_matmul under torch.no_grad(), or returning .detach(), had full marks.
    @suite.check("corr2d_matmul", title="gradients flow through corr2d_matmul to X and K and are right", weight=1,
                 given=corr_grad_inputs(max_n), max_examples=max(examples // 4, 3),
                 diagnose=either(_modifies_inputs("corr2d_matmul")), simplify=c.GRIDS.simplify)
    def matmul_gradients(student, X, K, grad_output):
        reply = student.call("corr2d_matmul", X, K, grad_wrt=(0, 1), grad_output=grad_output)
        check_gradients(reply, o.corr_grads(X, K, grad_output), X, K, grad_output, "corr2d_matmul")

    @suite.check("corr2d_matmul", title="corr2d_matmul computes with a matrix product", weight=1,
                 examples=[c.chapter_example()], max_examples=1, diagnose=either(_partial_rows("corr2d_matmul")))
    def matmul_uses_product(student, X, K):
        reply = student.call("corr2d_matmul", X, K)
        # The operators come from inside the student process: only a right answer earns this point.
        c.check_output(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d_matmul(X, K)",
                       compare.describe(X=X, K=K), c.corr_variants(X, K))
        if not operators.matrix_products(Counter(reply.ops)):
            raise Mismatch("corr2d_matmul ran no matrix product: build the matrix of flattened patches and "
                           "multiply it by the flattened kernel (torch.matmul or @)", diagnosis="no_matmul",
                           key="no_matmul")

    # --------------------------------------------------------- kernel_matrix
    @suite.check("kernel_matrix", title="kernel_matrix(K, shape) @ X.reshape(-1) equals corr2d(X, K).reshape(-1)",
                 weight=3, given=corr_inputs(max_n, (torch.float64,)), examples=fixed[:3],
                 max_examples=examples,
                 simplify=c.GRIDS.simplify)
    def kernel_matrix_values(student, X, K):
        shape = tuple(X.shape)
        reply = student.call("kernel_matrix", K, shape)
        expected = o.kernel_matrix(K, shape)
        out = c.out_shape(shape, K.shape)
        what = f"kernel_matrix(K, {shape})"
        W = compare.returned_tensor(reply.value, what)
        scale = float(K.abs().max()) + 1
        if not compare.is_close(W, expected, scale) and W.dim() == 2 and compare.is_close(W.t(), expected, scale):
            raise Mismatch(f"{what} is the transpose of the right matrix: it should have one row per output "
                           f"({out[0] * out[1]}) and one column per input entry ({shape[0] * shape[1]})",
                           expected=expected, got=W, diagnosis="axes_transposed", key="matrix_transposed",
                           args={"what": what, "rows": out[0] * out[1], "cols": shape[0] * shape[1]})
        c.check_output(W, expected, scale, what, compare.describe(K=K))

    # ------------------------------------------------------------ kernels
    @suite.check("second_derivative_kernel", title="the kernel gives f'' exactly for quadratics",
                 given=polynomials(2), max_examples=10, examples=[{"coefficients": [0.0, 0.0, 1.0], "x0": 0}])
    def second_derivative(student, coefficients, x0):
        kernel = compare.as_tensor(student.call("second_derivative_kernel").value, "second_derivative_kernel()")
        check_derivative_kernel(kernel, 2, coefficients, x0, "second_derivative_kernel()", exact_shape=(1, 3))

    @suite.check("laplacian_kernel", title="the kernel gives the Laplacian exactly for quadratics in x and y",
                 given=polynomials_2d(), max_examples=12,
                 examples=[{"coefficients": {"xx": 1.0, "yy": 0.0, "xy": 0.0, "x": 0.0, "y": 0.0, "c": 0.0}, "x0": 0,
                            "y0": 0}])
    def laplacian(student, coefficients, x0, y0):
        kernel = compare.as_tensor(student.call("laplacian_kernel").value, "laplacian_kernel()")
        check_laplacian(kernel, coefficients, x0, y0)

    @suite.check("derivative_kernel", title="derivative_kernel(d) gives the d-th derivative exactly", weight=2,
                 given=st.integers(1, 6).flatmap(lambda d: polynomials(d).map(lambda p: {**p, "d": d})),
                 max_examples=15, examples=[{"d": 1, "coefficients": [0.0, 1.0], "x0": 0}])
    def derivative_exact(student, d, coefficients, x0):
        kernel = compare.as_tensor(student.call("derivative_kernel", d).value, f"derivative_kernel({d})")
        check_derivative_kernel(kernel, d, coefficients, x0, f"derivative_kernel({d})", exact_shape=None)

    @suite.check("derivative_kernel", title="derivative_kernel(d) is the smallest kernel, shape (1, d+1)",
                 weight=1, given=st.integers(1, 8).map(lambda d: {"d": d}), max_examples=8)
    def derivative_smallest(student, d):
        kernel = compare.as_tensor(student.call("derivative_kernel", d).value, f"derivative_kernel({d})")
        if tuple(kernel.shape) != (1, d + 1):
            code = "not_smallest" if kernel.dim() == 2 and kernel.shape[1] > d + 1 else "wrong_shape"
            raise Mismatch(f"derivative_kernel({d}) has shape {tuple(kernel.shape)}; the smallest kernel for "
                           f"derivative number {d} has shape (1, {d + 1})",
                           expected=f"shape (1, {d + 1})", got=f"shape {tuple(kernel.shape)}",
                           diagnosis=code, key="derivative_size",
                           args={"what": f"derivative_kernel({d})", "got": str(tuple(kernel.shape)),
                                 "expected": str((1, d + 1)), "d": d})

    @suite.check("integral_kernel", title="integral_kernel(n) sums n consecutive samples",
                 given=st.integers(1, 8).flatmap(lambda n: c.matrices(1, 12, torch.float64).map(
                     lambda f: {"n": n, "samples": f})), max_examples=12)
    def integral(student, n, samples):
        what = f"integral_kernel({n})"
        kernel = compare.as_tensor(student.call("integral_kernel", n).value, what)
        compare.require_shape(kernel, (1, n), what)
        expected = torch.stack([samples[0, i:i + n].sum() for i in range(samples.shape[1] - n + 1)])[None]
        c.check_output(c.corr(samples, kernel), expected, n * float(samples.abs().max()),
                       Phrase("what.corr_with", f"the cross-correlation of the samples with {what}", kernel=what),
                       "(on the samples shown)")

    return suite


# ----------------------------------------------------------------- helpers


def check_tensor(value: Any, expected: torch.Tensor, what: str, scale: float, reshape: bool = False) -> None:
    got = compare.returned_tensor(value, what)
    if reshape and got.numel() == expected.numel():
        got = got.reshape(expected.shape)
    compare.require_shape(got, expected.shape, what)
    if not compare.is_close(got, expected, scale):
        found = compare.general_diagnosis(got, expected, scale)
        raise Mismatch(f"{what} is wrong" + (f": {found[1]}" if found else ""), expected=expected, got=got,
                       diagnosis=found[0] if found else None, key="tensor_wrong", args={"what": what})


def check_gradients(reply, expected: tuple, X, K, grad_output, name: str) -> None:
    if isinstance(reply.value, torch.Tensor):
        # A wrong shape first: an empty answer has no grad_fn, and "cut off from autograd" would mislead.
        compare.require_shape(reply.value, c.out_shape(X.shape, K.shape), f"{name}(X, K)",
                              compare.describe(X=X, K=K), c.SHAPE_EXPLANATIONS)
    grads = gradients.require_gradients(reply, name, ("X", "K"))
    for grad, exp, label, scale in (
        (grads[0], expected[0], "X", c.corr_scale(grad_output, K)),
        (grads[1], expected[1], "K", c.corr_scale(grad_output, X) if X.numel() else 1.0),
    ):
        check_tensor(grad, exp, gradients.gradient_phrase(name, label),
                     scale + float(grad_output.abs().max()) * X.numel())


@st.composite
def layer_inputs(draw, max_n: int = 8) -> dict:
    case = draw(corr_grad_inputs(max_n, (torch.float32,)))
    bias = draw(c.matrices(1, 1, torch.float32)).reshape(1)
    return {"x": case["X"], "weight": case["K"], "bias": bias, "grad_output": case["grad_output"]}


@st.composite
def layer_parameters(draw) -> dict:
    """A kernel size, parameters of that size and an input, all chosen by the grader."""
    k_h, k_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return {"kernel_size": (k_h, k_w), "weight": draw(c.matrices(k_h, k_w, torch.float32)),
            "bias": draw(c.matrices(1, 1, torch.float32)).reshape(1),
            "x": draw(c.matrices(k_h + draw(st.integers(0, 3)), k_w + draw(st.integers(0, 3)), torch.float32))}


def chapter_layer_example() -> dict:
    return {"kernel_size": (1, 2), "weight": torch.tensor([[1.0, -1.0]]), "bias": torch.tensor([0.5]),
            "x": torch.tensor([[1.0, 1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 2.0, 0.0, -1.0]])}


def check_layer_output(o: Oracles, report: Any, x, weight, bias) -> None:
    """The layer's output, with ``weight`` and ``bias`` set through it, is ``corr(x, weight) + bias``."""
    value = layer_report(report).get("value")
    expected = o.corr(x, weight) + bias.double()
    variants = (
        ("bias_missing", "it matches corr2d(x, weight) without the bias: forward must add self.bias",
         o.corr(x, weight)),
        *c.corr_variants(x, weight, bias.double()),
    )
    c.check_output(value, expected, c.corr_scale(x, weight) + float(bias.abs()),
                   "Conv2D(kernel_size)(x)", compare.describe(x=x, weight=weight), variants)


def layer_report(report: Any) -> dict:
    """The probe's report as a dict: it comes from the student process, which may send anything."""
    if not isinstance(report, dict):
        raise Mismatch("building Conv2D and running it did not give a description of the layer",
                       got=report, diagnosis="wrong_type", key="layer_report_invalid")
    return report


def check_layer_structure(report: dict, kernel_size) -> None:
    report = layer_report(report)
    if not report.get("is_module"):
        raise Mismatch("Conv2D(kernel_size) is not an nn.Module: subclass nn.Module and call super().__init__()",
                       diagnosis="not_module", key="not_module")
    for name, shape in (("weight", list(kernel_size)), ("bias", [1])):
        info = report.get(name) if isinstance(report.get(name), dict) else {}
        if not info.get("present"):
            raise Mismatch(f"Conv2D has no attribute {name}", diagnosis="missing_parameter", key="missing_attribute",
                           args={"name": name})
        if not info.get("is_parameter"):
            raise Mismatch(f"Conv2D.{name} is not an nn.Parameter, so an optimizer would never see it: "
                           f"wrap it as nn.Parameter(...)", diagnosis="not_parameter", key="not_parameter",
                           args={"name": name})
        if info.get("shape") != shape:
            raise Mismatch(f"Conv2D.{name} has shape {tuple(info.get('shape') or ())} but should have "
                           f"{tuple(shape)} for kernel_size={tuple(kernel_size)}",
                           expected=f"shape {tuple(shape)}", got=f"shape {tuple(info.get('shape') or ())}",
                           diagnosis="wrong_shape", key="parameter_shape",
                           args={"name": name, "got": str(tuple(info.get("shape") or ())),
                                 "expected": str(tuple(shape)), "kernel_size": str(tuple(kernel_size))})
        if not info.get("registered"):
            raise Mismatch(f"Conv2D.{name} is not among the layer's parameters()", diagnosis="not_parameter",
                           key="not_registered", args={"name": name})


# -------------------------------------------------------------- learning


@st.composite
def learning_inputs(draw) -> dict:
    """A problem on which plain gradient descent converges: lr below 1 / (Lipschitz constant)."""
    n_h, n_w = draw(st.integers(2, 6)), draw(st.integers(2, 8))
    k_h, k_w = draw(st.integers(1, min(2, n_h))), draw(st.integers(1, min(3, n_w)))
    X = draw(c.matrices(n_h, n_w, torch.float32, st.integers(-2, 2).map(float)))
    true_kernel = draw(c.matrices(k_h, k_w, torch.float32, st.integers(-2, 2).map(float)))
    init = draw(c.matrices(k_h, k_w, torch.float32, st.floats(-1, 1, width=32, allow_subnormal=False)))
    Y = c.corr(X, true_kernel).float()
    patches = X.double().unfold(0, k_h, 1).unfold(1, k_w, 1).reshape(-1, k_h * k_w)
    lipschitz = 2 * float(torch.linalg.matrix_norm(patches, ord=2)) ** 2 + 1e-9
    lr = draw(st.sampled_from([0.1, 0.3, 0.6])) / lipschitz
    lr = float(f"{lr:.3g}")
    return {"X": X, "Y": Y, "init": init, "lr": lr, "num_epochs": draw(st.integers(1, 10))}


def chapter_learning_example() -> dict:
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = c.corr(X, torch.tensor([[1.0, -1.0]])).float()
    init = torch.tensor([[0.3, 0.7]])
    return {"X": X, "Y": Y, "init": init, "lr": 3e-2, "num_epochs": 10}


def is_float(value: Any) -> bool:
    """A Python float or int (finite), or a 0-d tensor: what a recorded loss may be."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(float(value))
    return isinstance(value, torch.Tensor) and value.dim() == 0 and meta(value) is not None \
        and meta(value).kind == "tensor"


def check_learning(value: Any, expected: tuple, init: torch.Tensor, num_epochs: int) -> None:
    kernel_expected, losses_expected = expected
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mismatch("learn_kernel must return a pair (kernel, losses)", got=value, diagnosis="wrong_type",
                       key="not_pair")
    kernel, losses = value
    learned = Phrase("what.learned_kernel", "the learned kernel")
    kernel = compare.returned_tensor(kernel, learned)
    compare.require_shape(kernel, tuple(init.shape), learned)
    if not isinstance(losses, (list, tuple)) or not all(is_float(v) for v in losses):
        raise Mismatch("losses must be a list of Python floats (use loss.item())", got=losses,
                       diagnosis="wrong_type", key="losses_not_floats")
    losses = [float(v) for v in losses]
    if len(losses) != num_epochs:
        raise Mismatch(f"expected {num_epochs} loss values, one per epoch, got {len(losses)}",
                       expected=losses_expected, got=losses, diagnosis="wrong_count", key="loss_count",
                       args={"expected": num_epochs, "got": len(losses)})
    got_losses = torch.tensor(losses, dtype=torch.float64)
    exp_losses = torch.tensor(losses_expected, dtype=torch.float64)
    scale = float(exp_losses.abs().max()) * 50 + 1e-3
    if not compare.is_close(got_losses, exp_losses, scale):
        hint = ""
        if num_epochs > 1 and compare.is_close(got_losses[:-1], exp_losses[1:], scale):
            hint = ": each loss is recorded after its step; record it before updating the kernel"
        raise Mismatch("the losses do not follow the gradient-descent trajectory" + hint, expected=losses_expected,
                       got=losses, diagnosis="wrong_trajectory" if not hint else "loss_after_step",
                       key="losses_wrong")
    if not compare.is_close(kernel, kernel_expected, float(kernel_expected.abs().max()) * 50 + 1e-2):
        raise Mismatch("the learned kernel does not match plain gradient descent (W -= lr * grad)",
                       expected=kernel_expected, got=kernel, diagnosis="wrong_trajectory", key="kernel_trajectory")


# --------------------------------------------------------------- kernels


@st.composite
def polynomials(draw, degree: int) -> dict:
    coefficients = [float(draw(st.integers(-3, 3))) for _ in range(degree + 1)]
    return {"coefficients": coefficients, "x0": draw(st.integers(-3, 3))}


@st.composite
def polynomials_2d(draw) -> dict:
    names = ("xx", "yy", "xy", "x", "y", "c")
    return {"coefficients": {n: float(draw(st.integers(-3, 3))) for n in names},
            "x0": draw(st.integers(-3, 3)), "y0": draw(st.integers(-3, 3))}


def _poly(coefficients: list[float], x: torch.Tensor) -> torch.Tensor:
    return sum(a * x**i for i, a in enumerate(coefficients))


def check_derivative_kernel(kernel: torch.Tensor, d: int, coefficients: list[float], x0: int, what: str,
                            exact_shape: tuple | None) -> None:
    if exact_shape is not None:
        compare.require_shape(kernel, exact_shape, what)
    if kernel.dim() != 2 or kernel.shape[0] != 1:
        raise Mismatch(f"{what} has shape {tuple(kernel.shape)}; a kernel for samples on a line has shape (1, width)",
                       got=f"shape {tuple(kernel.shape)}", diagnosis="wrong_shape", key="kernel_not_a_line",
                       args={"what": what, "got": str(tuple(kernel.shape))})
    width = kernel.shape[1]
    xs = torch.arange(x0, x0 + width + 6, dtype=torch.float64)
    samples = _poly(coefficients, xs)[None]
    # The d-th derivative of a polynomial of degree <= d is the constant d! * a_d.
    derivative = math.factorial(d) * coefficients[d] if len(coefficients) > d else 0.0
    expected = torch.full((1, samples.shape[1] - width + 1), derivative, dtype=torch.float64)
    got = c.corr(samples, kernel)
    # The tolerance comes from what the grader chose, never from the student's kernel: the samples a smallest
    # kernel (width d + 1) reads, times the size of the exact one (the d-th difference, coefficients summing
    # to 2^d in absolute value).  Scaled by the student's kernel, 10^10 times a 7th difference (which gives
    # 0 for every polynomial here) passed for any d.
    scale = float(samples[:, :d + 7].abs().max()) * 2 ** d + 1
    if compare.is_close(got, expected, scale):
        return
    code, explanation = compare.general_diagnosis(got, expected, scale) or (None, "")
    derivative_name = f"f{chr(39) * d}" if d <= 3 else f"f^({d})"
    message = (f"cross-correlating the samples of f(x) = {_poly_text(coefficients)} at x = {x0}, {x0 + 1}, ... "
               f"with {what} = {_kernel_text(kernel)} should give {derivative_name} = {derivative:g} everywhere")
    raise Mismatch(message + (f": {explanation}" if code else ""), expected=expected, got=got, diagnosis=code,
                   key="derivative_wrong",
                   args={"f": _poly_text(coefficients), "x0": x0, "x1": x0 + 1, "what": what,
                         "kernel": _kernel_text(kernel), "derivative": derivative_name, "value": derivative})


def _poly_text(coefficients: list[float]) -> str:
    def term(a: float, i: int) -> str:
        power = "" if i == 0 else "x" if i == 1 else f"x^{i}"
        number = "" if i and a == 1 else "-" if i and a == -1 else f"{a:g}"
        return number + power

    terms = [term(a, i) for i, a in enumerate(coefficients) if a]
    return " + ".join(reversed(terms)).replace("+ -", "- ") or "0"


def _kernel_text(kernel: torch.Tensor) -> str:
    """A small kernel as the student wrote it, for messages: [[-1, 2, -1]]."""
    if kernel.numel() > 25:
        return f"a kernel of shape {tuple(kernel.shape)}"
    rows = kernel.reshape(kernel.shape[0], -1).tolist() if kernel.dim() == 2 else [kernel.reshape(-1).tolist()]
    return "[" + ", ".join("[" + ", ".join(f"{v:.4g}" for v in row) + "]" for row in rows) + "]"


def check_laplacian(kernel: torch.Tensor, coefficients: dict, x0: int, y0: int) -> None:
    compare.require_shape(kernel, (3, 3), "laplacian_kernel()")
    ys, xs = torch.meshgrid(torch.arange(y0, y0 + 6, dtype=torch.float64),
                            torch.arange(x0, x0 + 6, dtype=torch.float64), indexing="ij")
    a = coefficients
    field = a["xx"] * xs**2 + a["yy"] * ys**2 + a["xy"] * xs * ys + a["x"] * xs + a["y"] * ys + a["c"]
    laplacian = 2 * a["xx"] + 2 * a["yy"]
    expected = torch.full((4, 4), laplacian, dtype=torch.float64)
    got = c.corr(field, kernel)
    # From the samples and the 5-point Laplacian (coefficients summing to 8 in absolute value), never from the
    # student's kernel: 10^10 times a kernel that gives 0 on every quadratic must not widen the tolerance.
    scale = float(field.abs().max()) * 8 + 1
    if compare.is_close(got, expected, scale):
        return
    code, explanation = compare.general_diagnosis(got, expected, scale) or (None, "")
    raise Mismatch(f"cross-correlating the samples of a quadratic f(x, y) with laplacian_kernel() = "
                   f"{_kernel_text(kernel)} should give f_xx + f_yy = {laplacian:g} everywhere"
                   + (f": {explanation}" if code else ""),
                   expected=expected, got=got, diagnosis=code, key="laplacian_wrong",
                   args={"kernel": _kernel_text(kernel), "value": laplacian})
