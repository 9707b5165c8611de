"""The `conv-channels` reference and corpus, proved before any check exists.

In-process on purpose: these are the project's own files, not students'.  Three layers:
- the reference agrees with PyTorch's built-ins (F.conv2d, F.max_pool2d, F.avg_pool2d, autograd) and
  with brute-force counts, over Hypothesis inputs of many shapes, paddings, strides and both dtypes;
- every correct corpus file behaves as the reference on every exercise;
- every wrong corpus file misbehaves on each exercise it `breaks` (an input exists that shows it, with
  the symptom its diagnosis implies) and behaves as the reference on all the others.

"Behaves as" means what the checks will look at: values (float32 tolerance), shape, Python ints where
ints are asked for, gradients (ties in max pooling judged by gradient mass, since implementations may
rightly route a tied gradient differently), inputs left unmodified, no built-in convolution or pooling
where forbidden, exactly one matrix product where one is required.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from torch.utils._python_dispatch import TorchDispatchMode

from grader.assignment import find as find_assignment
from grader.sandbox import d2l_shim

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus_conv_channels"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["submission"]
D2L = find_assignment("conv-channels", ROOT).d2l  # the book functions its students' d2l provides

EXERCISES = (
    "conv_output_shape", "corr2d_pad_stride", "corr2d_multi_in", "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1", "corr2d_multi_matmul", "compose_kernels", "pool2d", "pool2d_multi",
    "avg_pool_kernel", "conv2d_cost",
)
FORBIDDEN_BUILTINS = {  # the issue's table: built-in convolutions and poolings forbidden here
    "corr2d_pad_stride", "corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1",
    "corr2d_multi_matmul", "compose_kernels", "pool2d", "pool2d_multi",
}
ONE_MATMUL = {"corr2d_multi_in_out_1x1", "corr2d_multi_matmul"}
INT_RESULTS = {"conv_output_shape", "conv2d_cost"}
# aten operators that are a built-in convolution or pooling (F.unfold is aten::im2col: allowed)
FORBIDDEN_OP = re.compile(r"conv|pool")
MATRIX_PRODUCTS = {"mm", "mv", "bmm", "addmm", "addmv", "dot", "matmul", "baddbmm", "vdot", "tensordot"}
# What a diagnosis must show as; every other code is a value (or shape) mistake.
SYMPTOM_OF_DIAGNOSIS = {
    "input_modified": {"modified"},
    "autograd_cut_off": {"gradient"},
    "max_grad_all_ties": {"gradient"},
    # a zero of the padding ties with a zero of the input: the same values, the gradient sent to the padding
    "max_padded_with_zeros": {"value", "shape", "raises", "gradient"},
    "not_one_matmul": {"matmul_count"},
    "not_python_int": {"type"},
}
SYMPTOM_OF_STATUS = {"forbidden": {"forbidden"}}
VALUE_SYMPTOMS = {"value", "shape", "raises"}
ATOL, RTOL = 1e-5, 1e-5  # float32 tolerance, relative to the expected values' scale

FAST = settings(max_examples=20, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
THOROUGH = settings(FAST, max_examples=150)
SEARCH = settings(max_examples=1500, deadline=None, database=None, phases=[Phase.generate], derandomize=True,
                  suppress_health_check=list(HealthCheck))  # derandomized: every run finds the same case


def load(path: Path):
    """The corpus file as a student process runs it: ``d2l`` is the stand-in with what conv-channels declares."""
    spec = importlib.util.spec_from_file_location(f"conv_channels_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    saved = {n: m for n, m in sys.modules.items() if n == "d2l" or n.startswith("d2l.")}
    d2l_shim.install(D2L)
    try:
        spec.loader.exec_module(module)
    finally:  # the file keeps its d2l; this process gets its own back
        for name in [n for n in sys.modules if n == "d2l" or n.startswith("d2l.")]:
            del sys.modules[name]
        sys.modules.update(saved)
    return module


@pytest.fixture(autouse=True, scope="module")
def _plain_cpu_kernels():
    """Tiny tensors, thousands of calls: oneDNN builds a kernel per new shape (~20 ms each, and every
    example draws new shapes), and a second intra-op thread on a busy machine makes every small
    kernel wait for it (15x slower measured)."""
    mkldnn, threads = torch.backends.mkldnn.enabled, torch.get_num_threads()
    torch.backends.mkldnn.enabled = False
    torch.set_num_threads(1)
    yield
    torch.backends.mkldnn.enabled = mkldnn
    torch.set_num_threads(threads)


REFERENCE = load(ROOT / "reference" / "conv_channels.py")
_MODULES: dict[str, Any] = {}


def submission(file: str):
    if file not in _MODULES:
        _MODULES[file] = load(CORPUS / file)
    return _MODULES[file]


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Case:
    """One call: positional args (tensors are never mutated by the harness), which args get gradients."""
    exercise: str
    args: tuple
    grad: tuple = ()
    mode: str = ""
    values: str = ""

    def __repr__(self):
        shown = [tuple(a.shape) if isinstance(a, torch.Tensor) else a for a in self.args]
        dtype = next((a.dtype for a in self.args if isinstance(a, torch.Tensor)), "")
        return f"{self.exercise}{tuple(shown)} {dtype} {self.values}".strip()


DTYPES = st.sampled_from([torch.float32, torch.float64])
VALUE_KINDS = ("quarters", "distinct", "ties", "negative")


@st.composite
def tensors(draw, shape, dtype, kind=None):
    """Seeded values: multiples of 1/4 in [-10, 10] (exact in float32 sums), all distinct, few levels
    (ties), or all negative (zero padding would win a max)."""
    kind = kind or draw(st.sampled_from(VALUE_KINDS))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    n = 1
    for d in shape:
        n *= d
    if kind == "quarters":
        t = torch.randint(-40, 41, shape, generator=g) / 4
    elif kind == "distinct":
        t = (torch.randperm(n, generator=g).reshape(shape) - n // 2) / 4
    elif kind == "ties":
        t = torch.randint(-1, 2, shape, generator=g).float()
    else:
        t = -torch.randint(1, 41, shape, generator=g) / 4
    return t.to(dtype), kind


def _size(draw, k, p, extra=6):
    """An input size with n + 2p >= k (every output window fits)."""
    low = max(1, k - 2 * p)
    return draw(st.integers(low, low + extra))


@st.composite
def shape_cases(draw):
    ks = [draw(st.integers(1, 7)) for _ in range(2)]
    ps = [draw(st.integers(0, 5)) for _ in range(2)]
    ss = [draw(st.integers(1, 6)) for _ in range(2)]
    ns = [_size(draw, k, p, 20) for k, p in zip(ks, ps)]
    if draw(st.booleans()):  # the defaults: no padding, stride 1
        ns = [max(n, k) for n, k in zip(ns, ks)]
        return Case("conv_output_shape", (tuple(ns), tuple(ks)))
    return Case("conv_output_shape", (tuple(ns), tuple(ks), tuple(ps), tuple(ss)))


@st.composite
def cost_cases(draw):
    c_i, c_o = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    k_h, k_w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    p = (draw(st.integers(0, 4)), draw(st.integers(0, 4)))
    s = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    h, w = _size(draw, k_h, p[0], 30), _size(draw, k_w, p[1], 30)
    return Case("conv2d_cost", (c_i, h, w, c_o, k_h, k_w, p, s))


@st.composite
def pad_stride_cases(draw):
    dtype = draw(DTYPES)
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p = (draw(st.integers(0, 5)), draw(st.integers(0, 5)))  # padding may exceed the kernel
    s = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))  # stride may exceed the kernel
    n = (_size(draw, k[0], p[0]), _size(draw, k[1], p[1]))
    X, kind = draw(tensors(n, dtype))
    K, _ = draw(tensors(k, dtype, "quarters"))
    if draw(st.booleans()) and p == (0, 0) and s == (1, 1):
        return Case("corr2d_pad_stride", (X, K), grad=(0, 1), values=kind)
    return Case("corr2d_pad_stride", (X, K, p, s), grad=(0, 1), values=kind)


@st.composite
def channel_cases(draw, exercise):
    dtype = draw(DTYPES)
    c_i, c_o = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    one = exercise == "corr2d_multi_in_out_1x1"
    k = (1, 1) if one else (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    n = (_size(draw, k[0], 0, 5), _size(draw, k[1], 0, 5))
    X, kind = draw(tensors((c_i, *n), dtype))
    if exercise == "corr2d_multi_in":
        K, _ = draw(tensors((c_i, *k), dtype, "quarters"))
    else:
        K, _ = draw(tensors((c_o, c_i, *k), dtype, "quarters"))
    return Case(exercise, (X, K), grad=(0, 1), values=kind)


@st.composite
def compose_cases(draw):
    dtype = draw(DTYPES)
    K1, _ = draw(tensors((draw(st.integers(1, 4)), draw(st.integers(1, 4))), dtype, "quarters"))
    K2, kind = draw(tensors((draw(st.integers(1, 4)), draw(st.integers(1, 4))), dtype))
    return Case("compose_kernels", (K1, K2), grad=(0, 1), values=kind)


@st.composite
def pool_cases(draw):
    dtype = draw(DTYPES)
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    n = (_size(draw, k[0], 0), _size(draw, k[1], 0))
    X, kind = draw(tensors(n, dtype))
    mode = draw(st.sampled_from(["max", "avg", "default"]))
    args = (X, k) if mode == "default" else (X, k, mode)
    return Case("pool2d", args, grad=(0,), mode="avg" if mode == "avg" else "max", values=kind)


@st.composite
def pool_multi_cases(draw):
    dtype = draw(DTYPES)
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))  # PyTorch: p <= k / 2
    s = draw(st.none() | st.tuples(st.integers(1, 5), st.integers(1, 5)))
    n = (_size(draw, k[0], p[0]), _size(draw, k[1], p[1]))
    X, kind = draw(tensors((draw(st.integers(1, 3)), *n), dtype))
    mode = draw(st.sampled_from(["max", "avg"]))
    if draw(st.booleans()) and mode == "max" and p == (0, 0) and s is None:
        args = (X, k)
    else:
        args = (X, k, p, s, mode)
    return Case("pool2d_multi", args, grad=(0,), mode=mode, values=kind)


@st.composite
def avg_kernel_cases(draw):
    return Case("avg_pool_kernel", ((draw(st.integers(1, 6)), draw(st.integers(1, 6))),))


CASES = {
    "conv_output_shape": shape_cases(),
    "corr2d_pad_stride": pad_stride_cases(),
    "corr2d_multi_in": channel_cases("corr2d_multi_in"),
    "corr2d_multi_in_out": channel_cases("corr2d_multi_in_out"),
    "corr2d_multi_in_out_1x1": channel_cases("corr2d_multi_in_out_1x1"),
    "corr2d_multi_matmul": channel_cases("corr2d_multi_matmul"),
    "compose_kernels": compose_cases(),
    "pool2d": pool_cases(),
    "pool2d_multi": pool_multi_cases(),
    "avg_pool_kernel": avg_kernel_cases(),
    "conv2d_cost": cost_cases(),
}


# ------------------------------------------------------------- behaviour


class OpLog(TorchDispatchMode):
    """The aten operators a call runs (what the grader's probes see from inside a student process)."""

    def __init__(self):
        super().__init__()
        self.ops: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.append(func._schema.name.split("::")[-1])
        return func(*args, **(kwargs or {}))


def fresh(args: tuple, grad: tuple = ()) -> tuple:
    return tuple(
        (a.clone().requires_grad_(i in grad) if isinstance(a, torch.Tensor) else a) for i, a in enumerate(args)
    )


def close(got: torch.Tensor, expected: torch.Tensor) -> bool:
    scale = max(1.0, float(expected.detach().abs().max())) if expected.numel() else 1.0
    return torch.allclose(got.detach().double(), expected.detach().double(), rtol=RTOL, atol=ATOL * scale)


def has_ties(X: torch.Tensor) -> bool:
    return torch.unique(X).numel() < X.numel()


def symptom(module, case: Case) -> tuple[str, str] | None:
    """How `module` differs from the reference on `case`: (symptom, detail), or None if it does not."""
    name = case.exercise
    expected = getattr(REFERENCE, name)(*fresh(case.args))
    args = fresh(case.args)
    log = OpLog()
    try:
        with log:
            got = getattr(module, name)(*args)
    except Exception as error:  # a wrong answer may raise on shapes it mishandles
        return "raises", f"{type(error).__name__}: {error}"
    if name in FORBIDDEN_BUILTINS and (bad := sorted({op for op in log.ops if FORBIDDEN_OP.search(op)})):
        return "forbidden", f"ran {bad}"
    if name in ONE_MATMUL and min(case.args[1].shape[:2]) >= 2 and min(got.shape[1:]) >= 2:
        # on degenerate sizes einsum and friends rightly multiply without a matrix product
        products = [op for op in log.ops if op in MATRIX_PRODUCTS]
        if len(products) != 1:
            return "matmul_count", f"{len(products)} matrix products: {products}"
    if any(isinstance(a, torch.Tensor) and not torch.equal(a, b) for a, b in zip(args, case.args)):
        return "modified", "an input tensor changed"
    if name in INT_RESULTS:
        if name == "conv_output_shape" and not (isinstance(got, tuple) and len(got) == 2):
            return "type", f"not a pair: {got!r}"
        values, wanted = (tuple(got), expected) if name == "conv_output_shape" else ((got,), (expected,))
        if values != wanted:
            return "value", f"{got!r} instead of {expected!r}"
        if any(type(v) is not int for v in values):
            return "type", f"{got!r}: not Python ints"
        return None
    if not isinstance(got, torch.Tensor):
        return "type", f"returned {type(got).__name__}"
    if tuple(got.shape) != tuple(expected.shape):
        return "shape", f"shape {tuple(got.shape)} instead of {tuple(expected.shape)}"
    if not close(got, expected):
        return "value", f"{got} instead of {expected}"
    if case.grad:
        return gradient_symptom(module, case, expected)
    return None


def gradient_symptom(module, case: Case, expected: torch.Tensor) -> tuple[str, str] | None:
    g = torch.Generator().manual_seed(1)
    # positive upstream gradients: the mass a max pooling passes on is then their sum, tie or not
    upstream = (torch.randint(1, 5, expected.shape, generator=g) / 4).double()
    ref_args = fresh(case.args, case.grad)
    (getattr(REFERENCE, case.exercise)(*ref_args) * upstream.to(expected.dtype)).sum().backward()
    args = fresh(case.args, case.grad)
    try:
        got = getattr(module, case.exercise)(*args)
    except Exception as error:  # e.g. an in-place change of a leaf that requires grad
        return "gradient", f"raises when its inputs require grad: {type(error).__name__}: {error}"
    if not got.requires_grad:
        return "gradient", "the result is cut off from autograd"
    (got * upstream.to(got.dtype)).sum().backward()
    tied = case.mode == "max" and has_ties(case.args[0])
    for i in case.grad:
        mine, ref = args[i].grad, ref_args[i].grad
        if mine is None:
            return "gradient", f"no gradient reaches argument {i}"
        if tied and i == 0:
            # ties: any split is right, but each window passes on exactly its upstream gradient
            if not (bool((mine >= 0).all()) and abs(float(mine.sum()) - float(upstream.sum())) < 1e-4):
                return "gradient", f"tied maxima receive {float(mine.sum())} instead of {float(upstream.sum())}"
        elif not close(mine, ref):
            return "gradient", f"gradient of argument {i}: {mine} instead of {ref}"
    return None


# ------------------------------------------------------------- reference


def conv(X, K, padding=(0, 0), stride=(1, 1)):
    return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]


def torch_grads(fn, args: tuple, grad: tuple, upstream_seed: int = 1) -> tuple:
    args = fresh(args, grad)
    out = fn(*args)
    g = torch.Generator().manual_seed(upstream_seed)
    (out * (torch.randint(1, 5, out.shape, generator=g) / 4).to(out.dtype)).sum().backward()
    return out.detach(), tuple(args[i].grad for i in grad)


def assert_same(mine: tuple, builtin: tuple) -> None:
    (out, grads), (b_out, b_grads) = mine, builtin
    assert out.dtype == b_out.dtype and out.shape == b_out.shape
    assert close(out, b_out), (out, b_out)
    for a, b in zip(grads, b_grads):
        assert close(a, b), (a, b)


@given(pad_stride_cases())
@THOROUGH
def test_reference_pad_stride_is_conv2d(case):
    X, K, *rest = case.args
    mine = torch_grads(REFERENCE.corr2d_pad_stride, case.args, (0, 1))
    assert_same(mine, torch_grads(conv, case.args, (0, 1)))
    padding, stride = rest or ((0, 0), (1, 1))
    assert REFERENCE.conv_output_shape(X.shape, K.shape, padding, stride) == tuple(mine[0].shape)


@given(shape_cases())
@THOROUGH
def test_reference_output_shape_is_conv2d_shape(case):
    got = REFERENCE.conv_output_shape(*case.args)
    n, k, p, s = (*case.args, (0, 0), (1, 1))[:4]
    out = F.conv2d(torch.zeros(1, 1, *n), torch.zeros(1, 1, *k), padding=p, stride=s)
    assert type(got) is tuple and all(type(v) is int for v in got)
    assert got == tuple(out.shape[2:])


@pytest.mark.parametrize("exercise", ["corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1",
                                      "corr2d_multi_matmul"])
@given(data=st.data())
@THOROUGH
def test_reference_channels_are_conv2d(exercise, data):
    case = data.draw(CASES[exercise])
    if exercise == "corr2d_multi_in":
        builtin = lambda X, K: F.conv2d(X[None], K[None])[0, 0]  # noqa: E731
    else:
        builtin = lambda X, K: F.conv2d(X[None], K)[0]  # noqa: E731
    assert_same(torch_grads(getattr(REFERENCE, exercise), case.args, (0, 1)),
                torch_grads(builtin, case.args, (0, 1)))
    log = OpLog()
    with log:
        getattr(REFERENCE, exercise)(*case.args)
    assert not any(FORBIDDEN_OP.search(op) for op in log.ops)
    if exercise in ONE_MATMUL:
        assert [op for op in log.ops if op in MATRIX_PRODUCTS] in (["mm"], ["bmm"])


@given(compose_cases(), st.integers(0, 6), st.integers(0, 6), st.integers(0, 2**31 - 1))
@THOROUGH
def test_reference_compose_kernels_composes(case, extra_h, extra_w, seed):
    K1, K2 = case.args
    K = REFERENCE.compose_kernels(K1, K2)
    assert K.shape == (K1.shape[0] + K2.shape[0] - 1, K1.shape[1] + K2.shape[1] - 1)
    X = torch.randint(-8, 9, (K.shape[0] + extra_h, K.shape[1] + extra_w),
                      generator=torch.Generator().manual_seed(seed)).to(K1.dtype)
    assert close(conv(X, K), conv(conv(X, K1), K2))
    composed = lambda A, B: conv(conv(X, A), B)  # noqa: E731
    assert_same(torch_grads(lambda A, B: conv(X, REFERENCE.compose_kernels(A, B)), case.args, (0, 1)),
                torch_grads(composed, case.args, (0, 1)))


@given(pool_cases())
@THOROUGH
def test_reference_pool2d_is_builtin_pooling(case):
    X, k, *_ = case.args
    if case.mode == "max":
        builtin = lambda X: F.max_pool2d(X[None, None], k, stride=1)[0, 0]  # noqa: E731
    else:
        builtin = lambda X: F.avg_pool2d(X[None, None], k, stride=1)[0, 0]  # noqa: E731
    # argmax picks the first maximum, as F.max_pool2d does: gradients agree even on ties
    assert_same(torch_grads(lambda X: REFERENCE.pool2d(X, *case.args[1:]), (X,), (0,)),
                torch_grads(builtin, (X,), (0,)))


@given(pool_multi_cases())
@THOROUGH
def test_reference_pool2d_multi_is_builtin_pooling(case):
    X, k, p, s, mode = (*case.args, (0, 0), None, "max")[:5]
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    assert_same(torch_grads(lambda X: REFERENCE.pool2d_multi(X, *case.args[1:]), (X,), (0,)),
                torch_grads(lambda X: pool(X[None], k, stride=s, padding=p)[0], (X,), (0,)))


@given(avg_kernel_cases(), st.integers(0, 5), st.integers(0, 5), DTYPES)
@THOROUGH
def test_reference_avg_pool_kernel_is_average_pooling(case, extra_h, extra_w, dtype):
    (size,) = case.args
    X = torch.randint(-40, 41, (size[0] + extra_h, size[1] + extra_w)).to(dtype) / 4
    K = REFERENCE.avg_pool_kernel(size)
    assert close(conv(X, K.to(dtype)), F.avg_pool2d(X[None, None], size, stride=1)[0, 0])


@given(cost_cases())
@THOROUGH
def test_reference_cost_counts_every_multiplication(case):
    c_i, h, w, c_o, k_h, k_w, (p_h, p_w), (s_h, s_w) = case.args
    # brute force: every window start that fits in the padded input and lies on the stride grid
    rows = sum(1 for i in range(h + 2 * p_h) if i % s_h == 0 and i + k_h <= h + 2 * p_h)
    cols = sum(1 for j in range(w + 2 * p_w) if j % s_w == 0 and j + k_w <= w + 2 * p_w)
    per_window = sum(1 for _ in range(c_i) for _ in range(k_h) for _ in range(k_w))
    got = REFERENCE.conv2d_cost(*case.args)
    assert type(got) is int and got == c_o * rows * cols * per_window


@pytest.mark.parametrize("exercise", EXERCISES)
@given(data=st.data())
@FAST
def test_reference_keeps_inputs_dtype_and_autograd(exercise, data):
    case = data.draw(CASES[exercise])
    assert symptom(REFERENCE, case) is None  # includes: inputs unmodified, gradients flow
    result = getattr(REFERENCE, exercise)(*fresh(case.args))
    if isinstance(result, torch.Tensor) and case.args and isinstance(case.args[0], torch.Tensor):
        assert result.dtype == case.args[0].dtype


def test_reference_marks_every_solution_body():
    """One BEGIN/END pair per exercise, at the body's indentation, with code between."""
    text = (ROOT / "reference" / "conv_channels.py").read_text(encoding="utf-8")
    for name in EXERCISES:
        body = re.search(rf"^def {name}\(.*?(?=^# %%|\Z)", text, re.S | re.M).group(0)
        assert body.count("    # BEGIN SOLUTION\n") == 1 and body.count("    # END SOLUTION\n") == 1, name
        inside = body.split("# BEGIN SOLUTION\n")[1].split("# END SOLUTION")[0]
        assert "return" in inside, name
    assert text.count("# BEGIN SOLUTION") == len(EXERCISES)


def test_reference_without_its_solutions_is_a_template(tmp_path):
    """Each marked region replaced by `raise NotImplementedError` (what the template generator will do)
    leaves a module that imports and whose every exercise raises NotImplementedError."""
    text = (ROOT / "reference" / "conv_channels.py").read_text(encoding="utf-8")
    stripped = re.sub(r"^( *)# BEGIN SOLUTION\n.*?^\1# END SOLUTION\n", r"\1raise NotImplementedError\n",
                      text, flags=re.S | re.M)
    assert stripped.count("raise NotImplementedError") == len(EXERCISES)
    (tmp_path / "template.py").write_text(stripped, encoding="utf-8")
    template = load(tmp_path / "template.py")
    X, K = torch.ones(2, 4, 4), torch.ones(3, 2, 2, 2)
    calls = {
        "conv_output_shape": ((4, 4), (2, 2)), "corr2d_pad_stride": (X[0], K[0, 0], (1, 1), (2, 2)),
        "corr2d_multi_in": (X, K[0]), "corr2d_multi_in_out": (X, K), "corr2d_multi_in_out_1x1": (X, K[:, :, :1, :1]),
        "corr2d_multi_matmul": (X, K), "compose_kernels": (K[0, 0], K[0, 0]), "pool2d": (X[0], (2, 2)),
        "pool2d_multi": (X, (2, 2)), "avg_pool_kernel": ((2, 2),), "conv2d_cost": (2, 4, 4, 3, 2, 2, (0, 0), (1, 1)),
    }
    assert set(calls) == set(EXERCISES)
    for exercise, args in calls.items():
        assert symptom(REFERENCE, Case(exercise, args)) is None
        with pytest.raises(NotImplementedError):
            getattr(template, exercise)(*args)


# ------------------------------------------------------------- corpus

CORRECT = [e for e in MANIFEST if not e["breaks"]]
WRONG = [e for e in MANIFEST if e["breaks"]]


def test_manifest_matches_the_folder_and_the_exercises():
    files = {p.name for p in CORPUS.iterdir() if p.suffix == ".py"}
    listed = [e["file"] for e in MANIFEST]
    assert sorted(listed) == sorted(files) and len(set(listed)) == len(listed)
    for entry in MANIFEST:
        assert set(entry["breaks"]) <= set(EXERCISES), entry["file"]
        marked = set(entry.get("diagnosis", {})) | set(entry.get("status", {}))
        assert marked == set(entry["breaks"]), f"{entry['file']}: every broken exercise is named once"
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in entry.get("diagnosis", {}).values())
        assert bool(entry["breaks"]) == bool(entry["mistake"]), entry["file"]
    assert len(CORRECT) >= 5


def test_every_wrong_exercise_is_covered():
    broken = {name for e in WRONG for name in e["breaks"]}
    assert broken == set(EXERCISES)


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("entry", CORRECT, ids=[e["file"] for e in CORRECT])
@given(data=st.data())
@FAST
def test_correct_submission_behaves_as_the_reference(entry, exercise, data):
    case = data.draw(CASES[exercise])
    assert symptom(submission(entry["file"]), case) is None


BROKEN = [(e, name) for e in WRONG for name in e["breaks"]]
INTACT = [(e, name) for e in WRONG for name in EXERCISES if name not in e["breaks"]]


@pytest.mark.parametrize("entry, exercise", BROKEN, ids=[f"{e['file']}-{n}" for e, n in BROKEN])
def test_wrong_submission_breaks_its_exercise(entry, exercise):
    module = submission(entry["file"])
    try:
        case = find(CASES[exercise], lambda c: symptom(module, c) is not None, settings=SEARCH)
    except NoSuchExample:
        pytest.fail(f"{entry['file']} never differs from the reference on {exercise}")
    shown, detail = symptom(module, case)
    code = entry.get("diagnosis", {}).get(exercise)
    allowed = SYMPTOM_OF_DIAGNOSIS.get(code) or SYMPTOM_OF_STATUS.get(entry.get("status", {}).get(exercise))
    assert shown in (allowed or VALUE_SYMPTOMS), f"{case}: {shown} ({detail}) for {code}"


@pytest.mark.parametrize("entry, exercise", INTACT, ids=[f"{e['file']}-{n}" for e, n in INTACT])
@given(data=st.data())
@settings(FAST, max_examples=8)
def test_wrong_submission_keeps_the_other_exercises(entry, exercise, data):
    case = data.draw(CASES[exercise])
    assert symptom(submission(entry["file"]), case) is None


@pytest.mark.slow
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
@given(data=st.data())
@settings(THOROUGH, max_examples=300)
def test_every_submission_thoroughly(entry, data):
    exercise = data.draw(st.sampled_from([n for n in EXERCISES if n not in entry["breaks"]]))
    case = data.draw(CASES[exercise])
    assert symptom(submission(entry["file"]), case) is None


def test_harness_sees_each_symptom():
    """The comparison itself can fail in each way (a harness that never objects proves nothing)."""
    X = torch.arange(12.0).reshape(3, 4)
    K = torch.ones(2, 2)

    class Wrong:
        @staticmethod
        def corr2d_pad_stride(X, K, padding=(0, 0), stride=(1, 1)):
            return F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0]

        @staticmethod
        def pool2d(X, pool_size, mode="max"):
            return REFERENCE.pool2d(X.detach(), pool_size, mode)

        @staticmethod
        def conv2d_cost(*args):
            return float(REFERENCE.conv2d_cost(*args))

    assert symptom(Wrong, Case("corr2d_pad_stride", (X, K)))[0] == "forbidden"
    assert symptom(Wrong, Case("conv2d_cost", (1, 4, 4, 1, 2, 2, (0, 0), (1, 1))))[0] == "type"
    assert symptom(Wrong, Case("pool2d", (X, (2, 2)), grad=(0,), mode="max"))[0] == "gradient"
    ties = torch.zeros(3, 3)
    assert symptom(REFERENCE, Case("pool2d", (ties, (2, 2)), grad=(0,), mode="max")) is None
