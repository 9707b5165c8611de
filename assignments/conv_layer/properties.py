"""The properties of conv-layer, written once against an ``Oracles`` interface.

``public.py`` registers them with oracles built from torch's own operators
and mathematics; ``hidden/`` registers them again, with other seeds and
larger inputs, against the reference solution.  Check bodies never see the
student's objects: ``student.call`` returns validated plain data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch
from hypothesis import strategies as st

from grader.checks import Mismatch, StudentRaised, Suite

from . import common as c
from .common import corr_grad_inputs, corr_inputs, describe_inputs


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


def _witness(shape, dtype=torch.float32, offset: int = 1) -> torch.Tensor:
    """A fixed input with distinct, non-zero entries: a diagnosis must not hinge on a zero counterexample."""
    n = shape[0] * shape[1]
    return (torch.arange(n, dtype=torch.float64) % 7 + offset).reshape(shape).to(dtype)


def _ignores_kernel(student, inputs: dict, failure: Exception) -> tuple[str, str] | None:
    """Same X, another K: an unchanged, non-zero answer means the function reads something else than its argument.

    Strong evidence, so it overrides what the comparison guessed (a global K of another shape looks like a
    wrong output shape).  Tried on the counterexample's X and on a larger one, since a global kernel larger
    than the counterexample gives an empty result.
    """
    X, K = inputs["X"], inputs["K"]
    K1 = _witness(tuple(K.shape), K.dtype)
    K2 = K1 * 2 + 1
    for X_probe in (X, _witness((max(X.shape[0], 6), max(X.shape[1], 6)), X.dtype, offset=2)):
        first = student.call("corr2d", X_probe, K1).value
        second = student.call("corr2d", X_probe, K2).value
        if isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and first.shape == second.shape \
                and torch.equal(first, second) and bool((first != 0).any()):
            return "global_read", ("its result does not change when K changes: does it read a global variable "
                                   "(such as the chapter's K) instead of its argument?")
    return None


def _one_row(name: str) -> Callable:
    """Right on an input with one output row, wrong (or raising) on the same kind of input with three."""

    def diagnose(student, inputs: dict, failure: Exception) -> tuple[str, str] | None:
        if getattr(failure, "diagnosis", None):
            return None  # weak evidence: only when the comparison named nothing
        X, K = inputs["X"], inputs["K"]
        k_h, k_w = K.shape
        Xw, Kw = _witness((k_h + 2, max(X.shape[1], k_w)), X.dtype), _witness((k_h, k_w), K.dtype, offset=3)
        one_row = student.call(name, Xw[:k_h], Kw).value
        expected = c.corr(Xw[:k_h], Kw)
        if not (isinstance(one_row, torch.Tensor) and one_row.shape == expected.shape
                and c.is_close(one_row.double(), expected, c.corr_scale(Xw, Kw))):
            return None
        try:
            several = student.call(name, Xw, Kw).value
        except StudentRaised:
            several = None
        expected = c.corr(Xw, Kw)
        if isinstance(several, torch.Tensor) and several.shape == expected.shape \
                and c.is_close(several.double(), expected, c.corr_scale(Xw, Kw)):
            return None
        return "first_row_only", ("it is right when the output has one row and wrong with several: "
                                  "does a return sit inside the loop over rows?")

    return diagnose


def _in_place_under_autograd(student, inputs: dict, failure: Exception) -> tuple[str, str] | None:
    """Autograd's own complaint about an in-place change of an input that requires grad."""
    if isinstance(failure, StudentRaised) and "in-place operation" in failure.message:
        return "input_modified", ("it changes its input in place, which autograd refuses for a tensor that "
                                  "requires grad: compute with out-of-place operations")
    return None


def _either(*diagnoses: Callable) -> Callable:
    def diagnose(student, inputs, failure):
        for d in diagnoses:
            try:
                found = d(student, inputs, failure)
            except Exception:  # the student's code raised on a probe: that diagnosis does not apply
                continue
            if found:
                return found
        return None

    return diagnose


# ----------------------------------------------------------------- register


def register(suite: Suite, o: Oracles, *, max_n: int = 8, examples: int = 20, extra: list[dict] = ()) -> Suite:
    """Add every property of conv-layer to ``suite``, judged by the oracles ``o``."""
    fixed = [c.chapter_example(), *c.degenerate_examples(), *extra]

    # ---------------------------------------------------------------- corr2d
    @suite.check("corr2d", title="corr2d(X, K) equals the cross-correlation of X and K", weight=4,
                 given=corr_inputs(max_n), examples=fixed, max_examples=examples,
                 diagnose=_either(_ignores_kernel, _one_row("corr2d")),
                 simplify=c.simplify_grids)
    def corr2d_values(student, X, K):
        reply = student.call("corr2d", X, K)
        c.check_values(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d(X, K)",
                       describe_inputs(X=X, K=K), c.CORR_VARIANTS, X, K)

    @suite.check("corr2d", title="gradients flow through corr2d to X and K and are right", weight=3,
                 given=corr_grad_inputs(max_n), max_examples=max(examples // 2, 5),
                 diagnose=_in_place_under_autograd, simplify=c.simplify_grids)
    def corr2d_gradients(student, X, K, grad_output):
        reply = student.call("corr2d", X, K, grad_wrt=(0, 1), grad_output=grad_output)
        check_gradients(reply, o.corr_grads(X, K, grad_output), X, K, grad_output, "corr2d")

    @suite.check("corr2d", title="corr2d leaves X and K unchanged", weight=1, given=corr_inputs(max_n),
                 max_examples=5,
                 simplify=c.simplify_grids)
    def corr2d_pure(student, X, K):
        reply = student.call("corr2d", X, K)
        # Only a right answer earns this point: a function that returns nothing also changes nothing.
        c.check_values(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d(X, K)", describe_inputs(X=X, K=K))
        c.require_unchanged(reply.args_changed, ("X", "K"), "corr2d")

    # ---------------------------------------------------------------- Conv2D
    @suite.check("Conv2D", title="Conv2D has weight and bias parameters of the right shapes", weight=2,
                 given=st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda s: {"kernel_size": s}),
                 examples=[{"kernel_size": (1, 2)}], max_examples=4)
    def conv2d_parameters(student, kernel_size):
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=kernel_size).value
        check_layer_structure(report, kernel_size)

    @suite.check("Conv2D", title="Conv2D.forward computes corr2d(x, weight) + bias", weight=2,
                 given=layer_inputs(max_n), max_examples=max(examples // 2, 5),
                 simplify=c.simplify_layer)
    def conv2d_forward(student, x, weight, bias, grad_output):
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=tuple(weight.shape), weight=weight,
                               bias=bias, x=x).value
        expected = o.corr(x, weight) + bias.double()
        variants = (
            ("bias_missing", "it matches corr2d(x, weight) without the bias: forward must add self.bias",
             lambda X, K: o.corr(X, K)),
            *[(code, explanation, _plus(transform, bias.double())) for code, explanation, transform in c.CORR_VARIANTS],
        )
        c.check_values(report.get("value"), expected, c.corr_scale(x, weight) + float(bias.abs()),
                       "Conv2D(kernel_size)(x)", describe_inputs(x=x, weight=weight), variants, x, weight)

    @suite.check("Conv2D", title="gradients of Conv2D's weight and bias are right", weight=2,
                 given=layer_inputs(max_n), max_examples=max(examples // 2, 5),
                 simplify=c.simplify_layer)
    def conv2d_gradients(student, x, weight, bias, grad_output):
        report = student.probe("conv2d_layer", "Conv2D", kernel_size=tuple(weight.shape), weight=weight,
                               bias=bias, x=x, grad_output=grad_output).value
        if report.get("cut_off"):
            raise Mismatch("the layer's output is cut off from autograd: weight and bias get no gradient",
                           diagnosis="autograd_cut_off")
        grads = report.get("grads")
        if not grads or grads[0] is None or grads[1] is None:
            raise Mismatch("weight or bias gets no gradient from the layer's output: is it used in forward?",
                           diagnosis="autograd_cut_off")
        _, gw = o.corr_grads(x, weight, grad_output)
        scale = c.corr_scale(x, weight) + 1
        check_tensor(grads[0], gw, "the gradient of weight", scale)
        check_tensor(grads[1], grad_output.double().sum().reshape(1), "the gradient of bias",
                     float(grad_output.abs().sum()) + 1, reshape=True)

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
        c.require_unchanged(reply.args_changed, ("X", "Y", "init"), "learn_kernel")

    # --------------------------------------------------------- conv2d_strict
    @suite.check("conv2d_strict", title="conv2d_strict(X, K) equals the strict convolution (flipped kernel)",
                 weight=3, given=corr_inputs(max_n), examples=fixed, max_examples=examples,
                 simplify=c.simplify_grids)
    def strict_values(student, X, K):
        reply = student.call("conv2d_strict", X, K)
        variants = (
            ("kernel_not_flipped", "it matches the cross-correlation: a strict convolution flips the kernel "
                                   "on both axes before sliding it", lambda X, K: c.corr(X, K)),
            *c.CORR_VARIANTS[1:3],
        )
        c.check_values(reply.value, o.strict(X, K), c.corr_scale(X, K), "conv2d_strict(X, K)",
                       describe_inputs(X=X, K=K), variants, X, K)

    @suite.check("conv2d_strict", title="conv2d_strict leaves X and K unchanged", weight=1,
                 given=corr_inputs(max_n), max_examples=5,
                 simplify=c.simplify_grids)
    def strict_pure(student, X, K):
        reply = student.call("conv2d_strict", X, K)
        c.check_values(reply.value, o.strict(X, K), c.corr_scale(X, K), "conv2d_strict(X, K)",
                       describe_inputs(X=X, K=K))
        c.require_unchanged(reply.args_changed, ("X", "K"), "conv2d_strict")

    # --------------------------------------------------------- corr2d_matmul
    @suite.check("corr2d_matmul", title="corr2d_matmul(X, K) equals the cross-correlation", weight=3,
                 given=corr_inputs(max_n), examples=fixed, max_examples=examples,
                 diagnose=_one_row("corr2d_matmul"),
                 simplify=c.simplify_grids)
    def matmul_values(student, X, K):
        reply = student.call("corr2d_matmul", X, K)
        c.check_values(reply.value, o.corr(X, K), c.corr_scale(X, K), "corr2d_matmul(X, K)",
                       describe_inputs(X=X, K=K), c.CORR_VARIANTS, X, K)

    @suite.check("corr2d_matmul", title="corr2d_matmul computes with a matrix product", weight=1,
                 examples=[c.chapter_example()], max_examples=1)
    def matmul_uses_product(student, X, K):
        reply = student.call("corr2d_matmul", X, K)
        products = {op for op in reply.ops if op.split("::")[-1] in MATRIX_PRODUCTS}
        if not products:
            raise Mismatch("corr2d_matmul ran no matrix product: build the matrix of flattened patches and "
                           "multiply it by the flattened kernel (torch.matmul or @)", diagnosis="no_matmul")

    # --------------------------------------------------------- kernel_matrix
    @suite.check("kernel_matrix", title="kernel_matrix(K, shape) @ X.reshape(-1) equals corr2d(X, K).reshape(-1)",
                 weight=3, given=corr_inputs(max_n, (torch.float64,)), examples=fixed[:3],
                 max_examples=examples,
                 simplify=c.simplify_grids)
    def kernel_matrix_values(student, X, K):
        shape = tuple(X.shape)
        reply = student.call("kernel_matrix", K, shape)
        expected = o.kernel_matrix(K, shape)
        out = c.out_shape(shape, K.shape)
        what = f"kernel_matrix(K, {shape})"
        W = c.returned_tensor(reply.value, what)
        scale = float(K.abs().max()) + 1
        if not c.is_close(W, expected, scale) and W.dim() == 2 and c.is_close(W.t(), expected, scale):
            raise Mismatch(f"{what} is the transpose of the right matrix: it should have one row per output "
                           f"({out[0] * out[1]}) and one column per input entry ({shape[0] * shape[1]})",
                           expected=expected, got=W, diagnosis="axes_transposed")
        c.check_values(W, expected, scale, what, describe_inputs(K=K))

    # ------------------------------------------------------------ kernels
    @suite.check("second_derivative_kernel", title="the kernel gives f'' exactly for quadratics",
                 given=polynomials(2), max_examples=10, examples=[{"coefficients": [0.0, 0.0, 1.0], "x0": 0}])
    def second_derivative(student, coefficients, x0):
        kernel = c.as_kernel(student.call("second_derivative_kernel").value, "second_derivative_kernel()")
        check_derivative_kernel(kernel, 2, coefficients, x0, "second_derivative_kernel()", exact_shape=(1, 3))

    @suite.check("laplacian_kernel", title="the kernel gives the Laplacian exactly for quadratics in x and y",
                 given=polynomials_2d(), max_examples=12,
                 examples=[{"coefficients": {"xx": 1.0, "yy": 0.0, "xy": 0.0, "x": 0.0, "y": 0.0, "c": 0.0}, "x0": 0,
                            "y0": 0}])
    def laplacian(student, coefficients, x0, y0):
        kernel = c.as_kernel(student.call("laplacian_kernel").value, "laplacian_kernel()")
        check_laplacian(kernel, coefficients, x0, y0)

    @suite.check("derivative_kernel", title="derivative_kernel(d) gives the d-th derivative exactly", weight=2,
                 given=st.integers(1, 6).flatmap(lambda d: polynomials(d).map(lambda p: {**p, "d": d})),
                 max_examples=15, examples=[{"d": 1, "coefficients": [0.0, 1.0], "x0": 0}])
    def derivative_exact(student, d, coefficients, x0):
        kernel = c.as_kernel(student.call("derivative_kernel", d).value, f"derivative_kernel({d})")
        check_derivative_kernel(kernel, d, coefficients, x0, f"derivative_kernel({d})", exact_shape=None)

    @suite.check("derivative_kernel", title="derivative_kernel(d) is the smallest kernel, shape (1, d+1)",
                 weight=1, given=st.integers(1, 8).map(lambda d: {"d": d}), max_examples=8)
    def derivative_smallest(student, d):
        kernel = c.as_kernel(student.call("derivative_kernel", d).value, f"derivative_kernel({d})")
        if tuple(kernel.shape) != (1, d + 1):
            code = "not_smallest" if kernel.dim() == 2 and kernel.shape[1] > d + 1 else "wrong_shape"
            raise Mismatch(f"derivative_kernel({d}) has shape {tuple(kernel.shape)}; the smallest kernel for the "
                           f"{d}-th derivative has shape (1, {d + 1}): d + 1 samples determine a polynomial "
                           "of degree d", expected=f"shape (1, {d + 1})", got=f"shape {tuple(kernel.shape)}",
                           diagnosis=code)

    @suite.check("integral_kernel", title="integral_kernel(n) sums n consecutive samples",
                 given=st.integers(1, 8).flatmap(lambda n: c.matrices(1, 12, torch.float64).map(
                     lambda f: {"n": n, "samples": f})), max_examples=12)
    def integral(student, n, samples):
        what = f"integral_kernel({n})"
        kernel = c.as_kernel(student.call("integral_kernel", n).value, what)
        c.require_shape(kernel, (1, n), what)
        expected = torch.stack([samples[0, i:i + n].sum() for i in range(samples.shape[1] - n + 1)])[None]
        c.check_values(c.corr(samples, kernel), expected, n * float(samples.abs().max()),
                       f"the cross-correlation with {what}", "(on the samples shown)")

    return suite


def _plus(transform: Callable, bias: torch.Tensor) -> Callable:
    def shifted(X, K):
        value = transform(X, K)
        return None if value is None else value + bias

    return shifted


MATRIX_PRODUCTS = {"mm", "mv", "bmm", "addmm", "addmv", "dot", "matmul", "baddbmm", "vdot", "tensordot"}


# ----------------------------------------------------------------- helpers


def check_tensor(value: Any, expected: torch.Tensor, what: str, scale: float, reshape: bool = False) -> None:
    got = c.returned_tensor(value, what)
    if reshape and got.numel() == expected.numel():
        got = got.reshape(expected.shape)
    c.require_shape(got, expected.shape, what)
    if not c.is_close(got, expected, scale):
        code, explanation = c.diagnose_values(got, expected, scale)
        raise Mismatch(f"{what} is wrong" + (f": {explanation}" if code else ""), expected=expected, got=got,
                       diagnosis=code)


def check_gradients(reply, expected: tuple, X, K, grad_output, name: str) -> None:
    if reply.cut_off:
        raise Mismatch(f"{name}'s result is cut off from autograd (it has no grad_fn): build it from X and K "
                       "with tensor operations, without .item(), .detach(), .data, torch.tensor(...) or numpy",
                       diagnosis="autograd_cut_off")
    if reply.grads is None:
        raise Mismatch(f"{name} returned something whose gradient cannot be taken", diagnosis="autograd_cut_off")
    for grad, exp, label, scale in (
        (reply.grads[0], expected[0], "X", c.corr_scale(grad_output, K)),
        (reply.grads[1], expected[1], "K", c.corr_scale(grad_output, X) if X.numel() else 1.0),
    ):
        if grad is None:
            raise Mismatch(f"no gradient reaches {label} through {name}: is {label} detached or replaced?",
                           diagnosis="autograd_cut_off")
        check_tensor(grad, exp, f"the gradient of {name}'s output with respect to {label}",
                     scale + float(grad_output.abs().max()) * X.numel())


@st.composite
def layer_inputs(draw, max_n: int = 8) -> dict:
    case = draw(corr_grad_inputs(max_n, (torch.float32,)))
    bias = draw(c.matrices(1, 1, torch.float32)).reshape(1)
    return {"x": case["X"], "weight": case["K"], "bias": bias, "grad_output": case["grad_output"]}


def check_layer_structure(report: dict, kernel_size) -> None:
    if not report.get("is_module"):
        raise Mismatch("Conv2D(kernel_size) is not an nn.Module: subclass nn.Module and call super().__init__()",
                       diagnosis="not_module")
    for name, shape in (("weight", list(kernel_size)), ("bias", [1])):
        info = report.get(name) or {}
        if not info.get("present"):
            raise Mismatch(f"Conv2D has no attribute {name}", diagnosis="missing_parameter")
        if not info.get("is_parameter"):
            raise Mismatch(f"Conv2D.{name} is not an nn.Parameter, so an optimizer would never see it: "
                           f"wrap it as nn.Parameter(...)", diagnosis="not_parameter")
        if info.get("shape") != shape:
            raise Mismatch(f"Conv2D.{name} has shape {tuple(info.get('shape') or ())} but should have "
                           f"{tuple(shape)} for kernel_size={tuple(kernel_size)}",
                           expected=f"shape {tuple(shape)}", got=f"shape {tuple(info.get('shape') or ())}",
                           diagnosis="wrong_shape")
        if not info.get("registered"):
            raise Mismatch(f"Conv2D.{name} is not among the layer's parameters()", diagnosis="not_parameter")


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


def check_learning(value: Any, expected: tuple, init: torch.Tensor, num_epochs: int) -> None:
    kernel_expected, losses_expected = expected
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mismatch("learn_kernel must return a pair (kernel, losses)", got=value, diagnosis="wrong_type")
    kernel, losses = value
    kernel = c.returned_tensor(kernel, "the learned kernel")
    c.require_shape(kernel, tuple(init.shape), "the learned kernel")
    if not isinstance(losses, (list, tuple)) or not all(c.is_float(v) for v in losses):
        raise Mismatch("losses must be a list of Python floats (use loss.item())", got=losses,
                       diagnosis="wrong_type")
    losses = [float(v) for v in losses]
    if len(losses) != num_epochs:
        raise Mismatch(f"expected {num_epochs} loss values, one per epoch, got {len(losses)}",
                       expected=losses_expected, got=losses, diagnosis="wrong_count")
    got_losses = torch.tensor(losses, dtype=torch.float64)
    exp_losses = torch.tensor(losses_expected, dtype=torch.float64)
    scale = float(exp_losses.abs().max()) * 50 + 1e-3
    if not c.is_close(got_losses, exp_losses, scale):
        hint = ""
        if num_epochs > 1 and c.is_close(got_losses[:-1], exp_losses[1:], scale):
            hint = ": each loss is recorded after its step; record it before updating the kernel"
        raise Mismatch("the losses do not follow the gradient-descent trajectory" + hint, expected=losses_expected,
                       got=losses, diagnosis="wrong_trajectory" if not hint else "loss_after_step")
    if not c.is_close(kernel, kernel_expected, float(kernel_expected.abs().max()) * 50 + 1e-2):
        raise Mismatch("the learned kernel does not match plain gradient descent (W -= lr * grad)",
                       expected=kernel_expected, got=kernel, diagnosis="wrong_trajectory")


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
        c.require_shape(kernel, exact_shape, what)
    if kernel.dim() != 2 or kernel.shape[0] != 1:
        raise Mismatch(f"{what} has shape {tuple(kernel.shape)}; a kernel for samples on a line has shape (1, width)",
                       got=f"shape {tuple(kernel.shape)}", diagnosis="wrong_shape")
    width = kernel.shape[1]
    xs = torch.arange(x0, x0 + width + 6, dtype=torch.float64)
    samples = _poly(coefficients, xs)[None]
    # The d-th derivative of a polynomial of degree <= d is the constant d! * a_d.
    derivative = math.factorial(d) * coefficients[d] if len(coefficients) > d else 0.0
    expected = torch.full((1, samples.shape[1] - width + 1), derivative, dtype=torch.float64)
    got = c.corr(samples, kernel)
    scale = float(samples.abs().max()) * float(kernel.abs().sum()) + 1
    if c.is_close(got, expected, scale):
        return
    code, explanation = c.diagnose_values(got, expected, scale)
    message = (f"cross-correlating samples of f(x) = {_poly_text(coefficients)} with {what} "
               f"should give f{chr(39) * d if d <= 3 else f'^({d})'} = {derivative:g} everywhere")
    raise Mismatch(message + (f": {explanation}" if code else ""), expected=expected, got=got, diagnosis=code)


def _poly_text(coefficients: list[float]) -> str:
    terms = [f"{a:g}" + ("" if i == 0 else "x" if i == 1 else f"x^{i}") for i, a in enumerate(coefficients) if a]
    return " + ".join(reversed(terms)).replace("+ -", "- ") or "0"


def check_laplacian(kernel: torch.Tensor, coefficients: dict, x0: int, y0: int) -> None:
    c.require_shape(kernel, (3, 3), "laplacian_kernel()")
    ys, xs = torch.meshgrid(torch.arange(y0, y0 + 6, dtype=torch.float64),
                            torch.arange(x0, x0 + 6, dtype=torch.float64), indexing="ij")
    a = coefficients
    field = a["xx"] * xs**2 + a["yy"] * ys**2 + a["xy"] * xs * ys + a["x"] * xs + a["y"] * ys + a["c"]
    laplacian = 2 * a["xx"] + 2 * a["yy"]
    expected = torch.full((4, 4), laplacian, dtype=torch.float64)
    got = c.corr(field, kernel)
    scale = float(field.abs().max()) * float(kernel.abs().sum()) + 1
    if c.is_close(got, expected, scale):
        return
    code, explanation = c.diagnose_values(got, expected, scale)
    raise Mismatch(f"cross-correlating the samples of a quadratic f(x, y) with laplacian_kernel() should give "
                   f"f_xx + f_yy = {laplacian:g} everywhere" + (f": {explanation}" if code else ""),
                   expected=expected, got=got, diagnosis=code)
