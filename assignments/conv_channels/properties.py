"""The properties of conv-channels, written once against an ``Oracles`` interface.

``public.py`` registers them with oracles built from torch's own convolution and pooling (in the grader's
process); ``hidden/`` registers them again, with other seeds and more examples, against the reference.
The comparisons, gradients and inputs come from ``grader.tensorcheck``; what is here is the exercises:
their inputs, their oracles and the named mistakes each is compared with ("it equals what mistake X gives").
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from grader.checks import Mismatch, StudentRaised, Suite
from grader.replay import recorded
from grader.tensorcheck import compare, gradients, operators
from grader.tensorcheck.diagnoses import modifies_inputs
from grader.tensorcheck.inputs import DTYPES, lively, tensors, upstream, values
from grader.tensorcheck.simplify import Layout

Pair = tuple[int, int]


@dataclass(frozen=True)
class Oracles:
    """Every function computes in float64 and is differentiable where the exercise is."""
    shape: Callable[[Pair, Pair, Pair, Pair], Pair]
    corr: Callable[[torch.Tensor, torch.Tensor, Pair, Pair], torch.Tensor]
    multi_in: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    multi_in_out: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    compose: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    pool: Callable[[torch.Tensor, Pair, str], torch.Tensor]
    pool_multi: Callable[[torch.Tensor, Pair, Pair, Pair | None, str], torch.Tensor]


def plain_kernels(fn: Callable) -> Callable:
    """``fn`` with oneDNN off: it builds a kernel per new shape (~20 ms each), and every example draws new
    shapes; torch's plain kernels are instant at these sizes."""
    def call(*args, **kwargs):
        before = torch.backends.mkldnn.enabled  # (its flags() context manager warns on every use)
        torch.backends.mkldnn.enabled = False
        try:
            return fn(*args, **kwargs)
        finally:
            torch.backends.mkldnn.enabled = before
    return call


def torch_oracles() -> Oracles:
    """Oracles from torch's own operators: safe to ship to students."""

    def corr(X, K, padding=(0, 0), stride=(1, 1)):
        return F.conv2d(X.double()[None, None], K.double()[None, None], padding=padding, stride=stride)[0, 0]

    def shape(n, k, p=(0, 0), s=(1, 1)):
        out = F.conv2d(torch.zeros(1, 1, *n), torch.zeros(1, 1, *k), padding=p, stride=s)
        return tuple(int(v) for v in out.shape[2:])

    def compose(K1, K2):
        # the full convolution of K1 and K2: K1 padded by k2 - 1 on each side, correlated with K2 flipped
        return corr(K1, K2.flip(0, 1), (K2.shape[0] - 1, K2.shape[1] - 1))

    def pool_multi(X, size, padding=(0, 0), stride=None, mode="max"):
        builtin = F.max_pool2d if mode == "max" else F.avg_pool2d
        return builtin(X.double()[None], size, stride=stride or size, padding=padding)[0]

    return Oracles(
        shape=plain_kernels(shape), corr=plain_kernels(corr),
        multi_in=plain_kernels(lambda X, K: F.conv2d(X.double()[None], K.double()[None])[0, 0]),
        multi_in_out=plain_kernels(lambda X, K: F.conv2d(X.double()[None], K.double())[0]),
        compose=plain_kernels(compose),
        pool=plain_kernels(lambda X, size, mode="max": pool_multi(X[None], size, (0, 0), (1, 1), mode)[0]),
        pool_multi=plain_kernels(pool_multi),
    )


# ------------------------------------------------------------------ inputs

KINDS = ("quarters", "distinct", "negative")


def _size(draw, k: int, p: int = 0, extra: int = 5) -> int:
    """An input size with n + 2p >= k: every output window fits."""
    low = max(1, k - 2 * p)
    return draw(st.integers(low, low + extra))


def _pair(draw, low: int, high: int) -> Pair:
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


@st.composite
def shape_inputs(draw) -> dict:
    k, p, s = _pair(draw, 1, 7), _pair(draw, 0, 5), _pair(draw, 1, 6)
    n = (_size(draw, k[0], p[0], 20), _size(draw, k[1], p[1], 20))
    return {"input_shape": n, "kernel_size": k, "padding": p, "stride": s}


@st.composite
def pad_stride_inputs(draw, max_extra: int = 5) -> dict:
    dtype = draw(st.sampled_from(DTYPES))
    k, p, s = _pair(draw, 1, 4), _pair(draw, 0, 5), _pair(draw, 1, 5)  # padding and stride may exceed the kernel
    n = (_size(draw, k[0], p[0], max_extra), _size(draw, k[1], p[1], max_extra))
    return {"X": draw(tensors(n, dtype, KINDS)), "K": draw(tensors(k, dtype)), "padding": p, "stride": s}


@st.composite
def channel_inputs(draw, kernel: str = "in_out", max_extra: int = 4) -> dict:
    """X (c_i, n_h, n_w) and K: (c_i, k_h, k_w) for ``in``, (c_o, c_i, k_h, k_w) for ``in_out``, 1x1 for ``1x1``."""
    dtype = draw(st.sampled_from(DTYPES))
    c_i, c_o = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    k = (1, 1) if kernel == "1x1" else _pair(draw, 1, 4)
    n = (_size(draw, k[0], 0, max_extra), _size(draw, k[1], 0, max_extra))
    X = draw(tensors((c_i, *n), dtype, KINDS))
    K = draw(tensors((c_i, *k) if kernel == "in" else (c_o, c_i, *k), dtype))
    return {"X": X, "K": K}


@st.composite
def compose_inputs(draw) -> dict:
    dtype = draw(st.sampled_from(DTYPES))
    return {"K1": draw(tensors(_pair(draw, 1, 4), dtype)), "K2": draw(tensors(_pair(draw, 1, 4), dtype, KINDS))}


@st.composite
def pool_inputs(draw, kinds=KINDS) -> dict:
    dtype = draw(st.sampled_from(DTYPES))
    k = _pair(draw, 1, 4)
    X = draw(tensors((_size(draw, k[0]), _size(draw, k[1])), dtype, kinds))
    return {"X": X, "pool_size": k, "mode": draw(st.sampled_from(["max", "avg", None]))}


@st.composite
def pool_multi_inputs(draw, kinds=KINDS) -> dict:
    dtype = draw(st.sampled_from(DTYPES))
    k = _pair(draw, 1, 4)
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))  # torch's pooling: p <= k / 2
    s = draw(st.none() | st.tuples(st.integers(1, 4), st.integers(1, 4)))
    n = (_size(draw, k[0], p[0]), _size(draw, k[1], p[1]))
    X = draw(tensors((draw(st.integers(1, 3)), *n), dtype, kinds))
    return {"X": X, "pool_size": k, "padding": p, "stride": s, "mode": draw(st.sampled_from(["max", "avg"]))}


@st.composite
def cost_inputs(draw) -> dict:
    k, p, s = _pair(draw, 1, 5), _pair(draw, 0, 4), _pair(draw, 1, 5)
    return {"c_i": draw(st.integers(1, 8)), "h": _size(draw, k[0], p[0], 30), "w": _size(draw, k[1], p[1], 30),
            "c_o": draw(st.integers(1, 8)), "k_h": k[0], "k_w": k[1], "padding": p, "stride": s}


def _fits(padded: bool = True) -> Callable[[dict], bool]:
    """Every window fits the (padded) input: n + 2p >= k on each axis, for a kernel K or a window pool_size."""
    def valid(i: dict) -> bool:
        window = tuple(i["K"].shape) if "K" in i else i["pool_size"]
        padding = i.get("padding", (0, 0)) if padded else (0, 0)
        return all(n + 2 * p >= k for n, k, p in zip(i["X"].shape[-2:], window, padding))
    return valid


# How a counterexample simplifies (grader.tensorcheck.simplify): which axes are tied, what must still fit.
# It runs after Hypothesis has shrunk the seeds, sizes, paddings and strides (``shrink=True``), and narrows
# what the shrinker could not (one axis of a drawn tensor).  Shapes and dtype only: values drawn distinct
# must stay so, and trying entries one by one costs a student call each, which every submission pays for.
PAD_STRIDE = Layout(axes={"X": ("n_h", "n_w"), "K": ("k_h", "k_w")}, valid=_fits(), values=False)
CHANNELS = {
    "in": Layout(axes={"X": ("c_i", "n_h", "n_w"), "K": ("c_i", "k_h", "k_w")},
                 at_most=(("k_h", "n_h"), ("k_w", "n_w")), values=False),
    "in_out": Layout(axes={"X": ("c_i", "n_h", "n_w"), "K": ("c_o", "c_i", "k_h", "k_w")},
                     at_most=(("k_h", "n_h"), ("k_w", "n_w")), values=False),
}
CHANNELS["1x1"] = CHANNELS["in_out"]
COMPOSE = Layout(axes={"K1": ("a_h", "a_w"), "K2": ("b_h", "b_w")}, values=False)
POOL = Layout(axes={"X": ("n_h", "n_w")}, valid=_fits(padded=False), values=False)
POOL_MULTI = Layout(axes={"X": ("c", "n_h", "n_w")}, valid=_fits(), values=False)


def _q(shape, dtype=torch.float32, seed: int = 0) -> torch.Tensor:
    return values(shape, dtype, "quarters", seed)


# Inputs on which every named mistake gives a different answer: checks try them first.
TELLING_SHAPE = {"input_shape": (7, 9), "kernel_size": (3, 2), "padding": (2, 1), "stride": (2, 4)}
TELLING_COST = {"c_i": 3, "h": 7, "w": 9, "c_o": 2, "k_h": 3, "k_w": 2, "padding": (2, 1), "stride": (2, 4)}


def telling_pad_stride() -> list[dict]:
    return [{"X": _q((7, 8), seed=1), "K": _q((2, 3), seed=2), "padding": (2, 1), "stride": (2, 3)},
            {"X": _q((5, 6), torch.float64, seed=3), "K": _q((3, 2), torch.float64, seed=4), "padding": (0, 0),
             "stride": (1, 1)}]


def telling_channels(kernel: str) -> list[dict]:
    X = _q((3, 5, 6), seed=5)
    K = {"in": _q((3, 2, 3), seed=6), "in_out": _q((2, 3, 2, 3), seed=6), "1x1": _q((2, 3, 1, 1), seed=6)}[kernel]
    return [{"X": X, "K": K}]


# ------------------------------------------------------------ named mistakes


def _or_none(fn: Callable[[], torch.Tensor]) -> torch.Tensor | None:
    """A mistake's result, or None where that mistake cannot even run (a window larger than its input)."""
    try:
        return fn()
    except (RuntimeError, ValueError, IndexError):
        return None


def _pool_windows(X, size, pads, stride, mode, fill):
    """Pooling by hand, for the mistakes: ``pads`` (top, bottom, left, right) of ``fill``; floor mode."""
    padded = F.pad(X.double(), (pads[2], pads[3], pads[0], pads[1]), value=fill)
    windows = padded.unfold(-2, size[0], stride[0]).unfold(-2, size[1], stride[1])
    return windows.amax(dim=(-2, -1)) if mode == "max" else windows.mean(dim=(-2, -1))


def shape_variants(n, k, p, s) -> list:
    def formula(f):
        return tuple(f(*axis) for axis in zip(n, k, p, s))
    return [
        ("off_by_one_shape", "it is one less on each axis than floor((n + 2p - k) / s) + 1: the +1 is missing",
         formula(lambda n, k, p, s: (n + 2 * p - k) // s)),
        ("padding_counted_once", "it matches n + p - k: padding adds p rows (columns) on each side, 2p in all",
         formula(lambda n, k, p, s: (n + p - k) // s + 1)),
        ("ceil_instead_of_floor", "it rounds up: a window that sticks out of the padded input gives no output",
         formula(lambda n, k, p, s: -(-(n + 2 * p - k) // s) + 1)),
    ]


def pad_stride_variants(o: Oracles, X, K, padding, stride) -> list:
    (p_h, p_w), (s_h, s_w) = padding, stride

    def padded(pads):
        return F.pad(X.double(), pads)

    return [
        ("padding_one_side", "it matches padding on the top and left only: add p rows and columns on each side",
         _or_none(lambda: o.corr(padded((p_w, 0, p_h, 0)), K, (0, 0), stride))),
        ("padding_one_side", "it matches all 2p rows and columns added at the bottom and right: add p on each side",
         _or_none(lambda: o.corr(padded((0, 2 * p_w, 0, 2 * p_h)), K, (0, 0), stride))),
        ("padding_one_side", "it matches all 2p rows and columns added at the top and left: add p on each side",
         _or_none(lambda: o.corr(padded((2 * p_w, 0, 2 * p_h, 0)), K, (0, 0), stride))),
        ("padding_axes_swapped", "it matches the padding of the rows used for the columns and the other way round: "
                                 "F.pad's list starts at the last axis (left, right, top, bottom)",
         _or_none(lambda: o.corr(X, K, (p_w, p_h), stride))),
        ("stride_on_input", "it matches subsampling the (padded) input with the stride, then a stride-1 "
                            "cross-correlation: the stride is the step between windows, it subsamples the output",
         _or_none(lambda: o.corr(padded((p_w, p_w, p_h, p_h))[::s_h, ::s_w], K))),
        ("stride_on_input", "it matches subsampling the input with the stride, then padding and a stride-1 "
                            "cross-correlation: the stride is the step between windows",
         _or_none(lambda: o.corr(X.double()[::s_h, ::s_w], K, padding))),
    ]


def multi_in_variants(o: Oracles, X, K) -> list:
    per_channel = torch.stack([o.corr(x, k) for x, k in zip(X, K)])
    return [
        ("channels_not_summed", "it is the cross-correlation of each channel, one per channel: the channels' "
                                "results must be added up", per_channel),
        ("channels_averaged", "it is the average of the channels' cross-correlations: add them up, do not "
                              "average them", per_channel.mean(0)),
    ]


def multi_in_out_variants(o: Oracles, X, K) -> list:
    c_o, c_i = K.shape[:2]
    found = [("channels_not_summed", "it keeps every (output, input) channel pair: sum over the input channels",
              _or_none(lambda: torch.stack([torch.stack([o.corr(x, k) for x, k in zip(X, Ko)]) for Ko in K])))]
    if c_o == c_i:
        found.append(("channels_swapped", "it matches K read as (c_i, c_o, k_h, k_w): K's first axis is the "
                                          "output channel", o.multi_in_out(X, K.transpose(0, 1))))
    if c_o > 1 and c_i > 1:
        scrambled = K.reshape(c_i, c_o, *K.shape[2:]).transpose(0, 1)
        found.append(("channels_swapped", "it matches K reshaped as (c_i, c_o, ...) and transposed: a reshape "
                                          "is not a transpose, the channels are scrambled",
                      o.multi_in_out(X, scrambled)))
    return found


def patch_order_variants(o: Oracles, X, K) -> list:
    c_o, c_i, k_h, k_w = K.shape
    sizes = {"c": c_i, "a": k_h, "b": k_w}
    found = []
    for order in itertools.permutations("cab"):
        if order == ("c", "a", "b"):
            continue
        # the patch rows flattened in ``order`` while K.reshape(c_o, -1) is (c_i, k_h, k_w): K read as ``order``
        read = K.reshape(c_o, *(sizes[a] for a in order)).permute(0, *(1 + order.index(a) for a in "cab"))
        found.append(("patch_order_mismatch", "it matches the patch matrix's rows in another order than "
                                              "K.reshape(c_o, -1) flattens the kernels: (c_i, k_h, k_w)",
                      o.multi_in_out(X, read)))
    return found + multi_in_out_variants(o, X, K)


def pool_multi_variants(o: Oracles, X, size, padding, stride, mode) -> list:
    (p_h, p_w), s = padding, stride or size
    found = []
    if mode == "avg" and padding != (0, 0):
        ones = torch.ones_like(X[:1], dtype=torch.float64)
        counts = _pool_windows(ones, size, (p_h, p_h, p_w, p_w), s, "avg", 0.0)
        found.append(("avg_excludes_padding", "it divides by the number of input elements in each window; "
                                              "PyTorch's average counts the padding zeros too",
                      _pool_windows(X, size, (p_h, p_h, p_w, p_w), s, "avg", 0.0) / counts))
    if mode == "max" and padding != (0, 0):
        found.append(("max_padded_with_zeros", "it matches a max over an input padded with zeros: padding for a "
                                               "max must never win (-inf)",
                      _pool_windows(X, size, (p_h, p_h, p_w, p_w), s, "max", 0.0)))
    if stride is None:
        found.append(("stride_default_one", "it matches stride 1: when stride is None it is the window size",
                      o.pool_multi(X, size, padding, (1, 1), mode)))
    extra = [(-(n + 2 * p - k) % st_) for n, k, p, st_ in zip(X.shape[1:], size, padding, s)]
    if any(extra):
        fill = float("-inf") if mode == "max" else 0.0
        found.append(("ceil_instead_of_floor", "it keeps windows that stick out of the padded input (ceil mode): "
                                               "a window must fit inside it",
                      _pool_windows(X, size, (p_h, p_h + extra[0], p_w, p_w + extra[1]), s, mode, fill)))
    return found


def cost_variants(c_i, h, w, c_o, k_h, k_w, padding, stride) -> list:
    (p_h, p_w), (s_h, s_w) = padding, stride
    out_h, out_w = (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
    return [
        ("cost_counts_padded_input", "it counts one window per stride step over the whole padded input; a window "
                                     "must fit: use the output size",
         c_o * c_i * k_h * k_w * ((h + 2 * p_h) // s_h) * ((w + 2 * p_w) // s_w)),
        ("cost_forgets_c_i", "each output value multiplies a whole (c_i, k_h, k_w) window: c_i is missing",
         c_o * k_h * k_w * out_h * out_w),
        ("cost_ignores_stride", "it counts every stride-1 window position: the stride skips windows",
         c_o * c_i * k_h * k_w * (h + 2 * p_h - k_h + 1) * (w + 2 * p_w - k_w + 1)),
    ]


# ------------------------------------------------------------ diagnoses


def _swapped_channels(name: str, o: Oracles) -> Callable:
    """It raised (or was wrong) when c_i != c_o: on c_i == c_o, does it read K as (c_i, c_o, ...)?"""

    def diagnose(student, inputs: dict, failure: Exception) -> tuple | None:
        X, K = lively((2, 4, 5), torch.float32), lively((2, 2, *inputs["K"].shape[2:]), torch.float32, start=-3.5)
        try:
            got = student.call(name, X, K).value
        except StudentRaised:
            return None
        swapped = o.multi_in_out(X, K.transpose(0, 1))
        if isinstance(got, torch.Tensor) and compare.is_close(got.double(), swapped, _corr_scale(X, K)) \
                and not compare.is_close(swapped, o.multi_in_out(X, K), _corr_scale(X, K)):
            return "channels_swapped", ("with as many input as output channels it reads K as (c_i, c_o, k_h, "
                                        "k_w): K's first axis is the output channel"), \
                {"inputs": {"X": X, "K": K}, "expected": o.multi_in_out(X, K).float(), "got": got}
        return None

    return diagnose


def _corr_scale(X: torch.Tensor, K: torch.Tensor) -> float:
    """The largest magnitude an output can have: the tolerance scales with it."""
    if X.numel() == 0 or K.numel() == 0:
        return 1.0
    return K.numel() * float(X.detach().abs().max()) * float(K.detach().abs().max()) + 1.0


def _grad_scale(grad_output: torch.Tensor, *tensors: torch.Tensor) -> float:
    big = max([1.0, *(float(t.detach().abs().max()) for t in tensors if t.numel())])
    return float(grad_output.abs().sum()) * big + 1.0


# ----------------------------------------------------------------- register


def register(suite: Suite, o: Oracles, *, examples: int = 15) -> Suite:
    """Add every property of conv-channels to ``suite``, judged by the oracles ``o``."""
    grads_of = gradients.oracle_gradients(o)  # the oracles' gradients, taken inside one recorded call
    o = recorded(o)  # a replay answers them from its record (grader.replay)
    n = examples

    # ------------------------------------------------------- conv_output_shape
    @suite.check("conv_output_shape", title="conv_output_shape gives the output size as a tuple of Python ints",
                 given=shape_inputs(), examples=[TELLING_SHAPE], max_examples=n * 2)
    def output_shape(student, input_shape, kernel_size, padding, stride):
        reply = student.call("conv_output_shape", input_shape, kernel_size, padding, stride)
        what = f"conv_output_shape({input_shape}, {kernel_size}, {padding}, {stride})"
        compare.check_ints(reply.value, o.shape(input_shape, kernel_size, padding, stride), what,
                           variants=shape_variants(input_shape, kernel_size, padding, stride))

    @suite.check("conv_output_shape", title="conv_output_shape defaults to no padding and stride 1", weight=0.25,
                 given=shape_inputs(), max_examples=5)
    def output_shape_defaults(student, input_shape, kernel_size, padding, stride):
        n = tuple(max(a, k) for a, k in zip(input_shape, kernel_size))
        reply = student.call("conv_output_shape", n, kernel_size)
        compare.check_ints(reply.value, o.shape(n, kernel_size, (0, 0), (1, 1)),
                           f"conv_output_shape({n}, {kernel_size})")

    # ------------------------------------------------------- corr2d_pad_stride
    def pad_stride_values(student, X, K, padding, stride):
        reply = student.call("corr2d_pad_stride", X, K, padding, stride)
        compare.check_tensor(reply.value, o.corr(X, K, padding, stride), _corr_scale(X, K),
                             f"corr2d_pad_stride(X, K, {padding}, {stride})", compare.describe(X=X, K=K),
                             pad_stride_variants(o, X, K, padding, stride))
        return reply

    suite.check("corr2d_pad_stride", title="corr2d_pad_stride equals the cross-correlation with that padding "
                "and stride", weight=3, given=pad_stride_inputs(), examples=telling_pad_stride(),
                max_examples=n * 2, simplify=PAD_STRIDE.keeping(telling_pad_stride()), shrink=True)(pad_stride_values)

    @suite.check("corr2d_pad_stride", title="corr2d_pad_stride leaves X and K unchanged", weight=1,
                 given=pad_stride_inputs(), max_examples=3, simplify=PAD_STRIDE.simplify, shrink=True)
    def pad_stride_pure(student, X, K, padding, stride):
        reply = pad_stride_values(student, X, K, padding, stride)
        compare.require_unchanged(reply.args_changed, ("X", "K"), "corr2d_pad_stride")

    @suite.check("corr2d_pad_stride", title="corr2d_pad_stride's defaults are no padding and stride 1",
                 weight=0.5, given=pad_stride_inputs(), max_examples=3)
    def pad_stride_defaults(student, X, K, padding, stride):
        X = X[: max(K.shape[0], X.shape[0]), : max(K.shape[1], X.shape[1])]
        if X.shape[0] < K.shape[0] or X.shape[1] < K.shape[1]:
            X = torch.ones(K.shape[0] + 1, K.shape[1] + 1, dtype=X.dtype)
        reply = student.call("corr2d_pad_stride", X, K)
        compare.check_tensor(reply.value, o.corr(X, K), _corr_scale(X, K), "corr2d_pad_stride(X, K)",
                             compare.describe(X=X, K=K))

    @suite.check("corr2d_pad_stride", title="gradients flow through corr2d_pad_stride to X and K and are right",
                 weight=2, given=pad_stride_inputs(), max_examples=max(n // 2, 4),
                 simplify=PAD_STRIDE.simplify, shrink=True,
                 diagnose=modifies_inputs("corr2d_pad_stride",
                                           lambda i: (i["X"], i["K"], i["padding"], i["stride"]), ("X", "K")))
    def pad_stride_gradients(student, X, K, padding, stride):
        expected = o.corr(X, K, padding, stride)
        G = upstream(expected.shape, X.dtype)
        reply = student.call("corr2d_pad_stride", X, K, padding, stride, grad_wrt=(0, 1), grad_output=G)
        compare.check_tensor(reply.value, expected, _corr_scale(X, K), "corr2d_pad_stride(X, K)")
        grads = grads_of("corr", (X, K, padding, stride), (0, 1), G)
        gradients.check_gradients(reply, grads, "corr2d_pad_stride", ("X", "K"), _grad_scale(G, X, K))

    # ------------------------------------------- the four channel exercises
    def channel_checks(name: str, kernel: str, oracle_name: str, variants: Callable, one_product: bool,
                       diagnose: Callable | None = None):
        oracle = getattr(o, oracle_name)

        def values(student, X, K):
            reply = student.call(name, X, K)
            compare.check_tensor(reply.value, oracle(X, K), _corr_scale(X, K) * X.shape[0], f"{name}(X, K)",
                                 compare.describe(X=X, K=K), variants(o, X, K))
            return reply

        suite.check(name, title=f"{name}(X, K) equals the multi-channel cross-correlation", weight=3,
                    given=channel_inputs(kernel), examples=telling_channels(kernel), max_examples=n * 2,
                    diagnose=diagnose, simplify=CHANNELS[kernel].keeping(telling_channels(kernel)),
                    shrink=True)(values)

        def pure(student, X, K):
            reply = values(student, X, K)
            compare.require_unchanged(reply.args_changed, ("X", "K"), name)

        pure.__name__ = "unchanged"
        suite.check(name, title=f"{name} leaves X and K unchanged", weight=1, given=channel_inputs(kernel),
                    max_examples=3, diagnose=diagnose, simplify=CHANNELS[kernel].simplify, shrink=True)(pure)

        def grads(student, X, K):
            expected = oracle(X, K)
            G = upstream(expected.shape, X.dtype)
            reply = student.call(name, X, K, grad_wrt=(0, 1), grad_output=G)
            compare.check_tensor(reply.value, expected, _corr_scale(X, K) * X.shape[0], f"{name}(X, K)")
            gradients.check_gradients(reply, grads_of(oracle_name, (X, K), (0, 1), G), name, ("X", "K"),
                                      _grad_scale(G, X, K) * X.shape[0])

        grads.__name__ = "gradients"
        suite.check(name, title=f"gradients flow through {name} to X and K and are right", weight=2,
                    given=channel_inputs(kernel), max_examples=max(n // 2, 4),
                    simplify=CHANNELS[kernel].simplify, shrink=True,
                    diagnose=modifies_inputs(name, lambda i: (i["X"], i["K"]), ("X", "K")))(grads)

        if one_product:
            def product(student, X, K):
                reply = values(student, X, K)
                count = operators.matrix_products(Counter(reply.ops))
                if count != 1:
                    raise Mismatch(f"{name} ran {count} matrix products; it must compute the result with exactly "
                                   "one (all output channels and positions at once)", diagnosis="not_one_matmul",
                                   key="not_one_matmul", args={"name": name, "count": count})

            product.__name__ = "one_matrix_product"
            # c_o, c_i >= 2 and >= 2 output positions per axis: on degenerate sizes einsum multiplies without one
            shown = telling_channels(kernel)[0]
            suite.check(name, title=f"{name} computes with exactly one matrix multiplication", weight=2,
                        examples=[shown, {"X": shown["X"][:2].double(), "K": shown["K"][:, :2].double()}],
                        max_examples=2)(product)

    channel_checks("corr2d_multi_in", "in", "multi_in", multi_in_variants, False)
    channel_checks("corr2d_multi_in_out", "in_out", "multi_in_out", multi_in_out_variants, False,
                   _swapped_channels("corr2d_multi_in_out", o))
    channel_checks("corr2d_multi_in_out_1x1", "1x1", "multi_in_out", multi_in_out_variants, True,
                   _swapped_channels("corr2d_multi_in_out_1x1", o))
    channel_checks("corr2d_multi_matmul", "in_out", "multi_in_out", patch_order_variants, True,
                   _swapped_channels("corr2d_multi_matmul", o))

    # ------------------------------------------------------- compose_kernels
    @suite.check("compose_kernels", title="corr2d(corr2d(X, K1), K2) equals corr2d(X, compose_kernels(K1, K2))",
                 weight=3, given=compose_inputs(),
                 examples=[{"K1": _q((2, 3), seed=7), "K2": _q((3, 2), seed=8)}], max_examples=n * 2,
                 simplify=COMPOSE.simplify, shrink=True)
    def compose_values(student, K1, K2):
        reply = student.call("compose_kernels", K1, K2)
        # The one kernel is unique: corr2d(X, K) for every X large enough fixes every entry of K.
        compare.check_tensor(reply.value, o.compose(K1, K2), _corr_scale(K1, K2), "compose_kernels(K1, K2)",
                             compare.describe(K1=K1, K2=K2),
                             [("kernel_flipped", "it matches K2 flipped: the composed kernel is the full "
                                                 "convolution of K1 and K2, not their cross-correlation",
                               o.compose(K1, K2.flip(0, 1)))])
        return reply

    @suite.check("compose_kernels", title="compose_kernels leaves K1 and K2 unchanged", weight=1,
                 given=compose_inputs(), max_examples=3, simplify=COMPOSE.simplify, shrink=True)
    def compose_pure(student, K1, K2):
        reply = compose_values(student, K1, K2)
        compare.require_unchanged(reply.args_changed, ("K1", "K2"), "compose_kernels")

    @suite.check("compose_kernels", title="gradients flow through compose_kernels to K1 and K2 and are right",
                 weight=1, given=compose_inputs(), max_examples=max(n // 3, 3),
                 simplify=COMPOSE.simplify, shrink=True,
                 diagnose=modifies_inputs("compose_kernels", lambda i: (i["K1"], i["K2"]), ("K1", "K2")))
    def compose_gradients(student, K1, K2):
        expected = o.compose(K1, K2)
        G = upstream(expected.shape, K1.dtype)
        reply = student.call("compose_kernels", K1, K2, grad_wrt=(0, 1), grad_output=G)
        compare.check_tensor(reply.value, expected, _corr_scale(K1, K2), "compose_kernels(K1, K2)")
        gradients.check_gradients(reply, grads_of("compose", (K1, K2), (0, 1), G), "compose_kernels",
                                  ("K1", "K2"), _grad_scale(G, K1, K2))

    # ---------------------------------------------------------------- pool2d
    def pool_call(student, X, pool_size, mode, **grad):
        args = (X, pool_size) if mode is None else (X, pool_size, mode)
        return student.call("pool2d", *args, **grad)

    def pool_values(student, X, pool_size, mode):
        reply = pool_call(student, X, pool_size, mode)
        shown = f"pool2d(X, {pool_size}" + ("" if mode is None else f", {mode!r}") + ")"
        compare.check_tensor(reply.value, o.pool(X, pool_size, mode or "max"), float(X.abs().max()) + 1, shown,
                             compare.describe(X=X))
        return reply

    suite.check("pool2d", title="pool2d equals max or average pooling, stride 1, no padding", weight=4,
                given=pool_inputs(), max_examples=n * 2, simplify=POOL.simplify, shrink=True,
                examples=[{"X": _q((4, 5), seed=9), "pool_size": (2, 3), "mode": "avg"}])(pool_values)

    @suite.check("pool2d", title="pool2d leaves X unchanged", weight=2, given=pool_inputs(), max_examples=4,
                 simplify=POOL.simplify, shrink=True,
                 examples=[{"X": _q((4, 5), seed=9), "pool_size": (2, 3), "mode": "avg"},
                           {"X": _q((4, 5), seed=9), "pool_size": (2, 3), "mode": "max"}])
    def pool_pure(student, X, pool_size, mode):
        reply = pool_values(student, X, pool_size, mode)
        compare.require_unchanged(reply.args_changed, ("X",), "pool2d")

    def pool_grad_reply(student, X, pool_size, mode, positive=False):
        expected = o.pool(X, pool_size, mode or "max")
        G = upstream(expected.shape, X.dtype, positive=positive)
        reply = pool_call(student, X, pool_size, mode, grad_wrt=(0,), grad_output=G)
        compare.check_tensor(reply.value, expected, float(X.abs().max()) + 1, "pool2d(X, pool_size)")
        return reply, G

    @suite.check("pool2d", title="gradients flow through pool2d to X and are right (distinct values)", weight=2,
                 given=pool_inputs(("distinct",)), max_examples=max(n // 2, 4),
                 simplify=POOL.simplify, shrink=True,
                 diagnose=modifies_inputs("pool2d", lambda i: (i["X"], i["pool_size"], i["mode"] or "max"), ("X",)))
    def pool_gradients(student, X, pool_size, mode):
        reply, G = pool_grad_reply(student, X, pool_size, mode)
        expected = grads_of("pool", (X, pool_size, mode or "max"), (0,), G)
        gradients.check_gradients(reply, expected, "pool2d", ("X",), _grad_scale(G, X))

    @suite.check("pool2d", title="where maxima tie, pool2d passes on each window's gradient exactly once", weight=2,
                 given=pool_inputs(("ties",)).map(lambda i: {**i, "mode": "max"}), max_examples=max(n // 2, 4),
                 simplify=POOL.simplify, shrink=True,
                 examples=[{"X": torch.ones(3, 4), "pool_size": (2, 2), "mode": "max"}],
                 diagnose=modifies_inputs("pool2d", lambda i: (i["X"], i["pool_size"], "max"), ("X",)))
    def pool_ties(student, X, pool_size, mode):
        reply, G = pool_grad_reply(student, X, pool_size, mode, positive=True)
        (grad,) = gradients.require_gradients(reply, "pool2d", ("X",))
        gradients.check_mass(grad, float(G.double().sum()), "pool2d", "X", _grad_scale(G, X),
                             too_much="max_grad_all_ties")

    # ---------------------------------------------------------- pool2d_multi
    def multi_call(student, X, pool_size, padding, stride, mode, **grad):
        if padding == (0, 0) and stride is None and mode == "max":
            return student.call("pool2d_multi", X, pool_size, **grad)  # the defaults
        return student.call("pool2d_multi", X, pool_size, padding, stride, mode, **grad)

    def multi_values(student, X, pool_size, padding, stride, mode):
        reply = multi_call(student, X, pool_size, padding, stride, mode)
        compare.check_tensor(reply.value, o.pool_multi(X, pool_size, padding, stride, mode), float(X.abs().max()) + 1,
                             f"pool2d_multi(X, {pool_size}, {padding}, {stride}, {mode!r})", compare.describe(X=X),
                             pool_multi_variants(o, X, pool_size, padding, stride, mode))
        return reply

    telling = [{"X": -_q((2, 5, 7), seed=10).abs() - 0.25, "pool_size": (3, 2), "padding": (1, 1), "stride": None,
                "mode": "max"},
               {"X": _q((2, 5, 7), seed=11), "pool_size": (3, 2), "padding": (1, 1), "stride": None, "mode": "avg"},
               {"X": _q((2, 6, 7), seed=12), "pool_size": (2, 3), "padding": (0, 0), "stride": (3, 2), "mode": "max"}]
    suite.check("pool2d_multi", title="pool2d_multi pools every channel as PyTorch's pooling layers do", weight=4,
                given=pool_multi_inputs(), examples=telling, max_examples=n * 2,
                simplify=POOL_MULTI.keeping(telling), shrink=True)(multi_values)

    @suite.check("pool2d_multi", title="pool2d_multi leaves X unchanged", weight=1, given=pool_multi_inputs(),
                 max_examples=3, simplify=POOL_MULTI.simplify, shrink=True)
    def multi_pure(student, X, pool_size, padding, stride, mode):
        reply = multi_values(student, X, pool_size, padding, stride, mode)
        compare.require_unchanged(reply.args_changed, ("X",), "pool2d_multi")

    @suite.check("pool2d_multi", title="gradients flow through pool2d_multi to X and are right (distinct values)",
                 weight=2, given=pool_multi_inputs(("distinct",)), max_examples=max(n // 2, 4),
                 simplify=POOL_MULTI.simplify, shrink=True)
    def multi_gradients(student, X, pool_size, padding, stride, mode):
        expected = o.pool_multi(X, pool_size, padding, stride, mode)
        G = upstream(expected.shape, X.dtype)
        reply = multi_call(student, X, pool_size, padding, stride, mode, grad_wrt=(0,), grad_output=G)
        compare.check_tensor(reply.value, expected, float(X.abs().max()) + 1, "pool2d_multi(X, ...)")
        grads = grads_of("pool_multi", (X, pool_size, padding, stride, mode), (0,), G)
        gradients.check_gradients(reply, grads, "pool2d_multi", ("X",), _grad_scale(G, X))

    # ------------------------------------------------------- avg_pool_kernel
    @suite.check("avg_pool_kernel", title="corr2d(X, avg_pool_kernel(pool_size)) equals average pooling, stride 1",
                 given=st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(0, 4), st.integers(0, 4),
                                 st.integers(0, 2**31 - 1)).map(
                     lambda t: {"pool_size": t[:2], "X": _q((t[0] + t[2], t[1] + t[3]), torch.float64, t[4])}),
                 examples=[{"pool_size": (2, 3), "X": _q((4, 5), torch.float64, 13)}], max_examples=n,
                 simplify=POOL.simplify, shrink=True)
    def avg_kernel(student, pool_size, X):
        what = f"avg_pool_kernel({pool_size})"
        reply = student.call("avg_pool_kernel", pool_size)
        K = compare.returned_tensor(reply.value, what)
        compare.require_shape(K, pool_size, what)
        expected = o.pool(X, pool_size, "avg")
        compare.check_tensor(o.corr(X, K), expected, _corr_scale(X, K), f"corr2d(X, {what})",
                             compare.describe(X=X),
                             [("not_normalised", "it matches the sum of each window: an average divides by "
                                                 "the window's size", expected * (pool_size[0] * pool_size[1]))])

    # ----------------------------------------------------------- conv2d_cost
    @suite.check("conv2d_cost", title="conv2d_cost counts the forward pass's multiplications, as a Python int",
                 given=cost_inputs(), examples=[TELLING_COST], max_examples=n * 2)
    def cost(student, c_i, h, w, c_o, k_h, k_w, padding, stride):
        reply = student.call("conv2d_cost", c_i, h, w, c_o, k_h, k_w, padding, stride)
        out_h, out_w = o.shape((h, w), (k_h, k_w), padding, stride)
        compare.check_ints(reply.value, c_o * c_i * k_h * k_w * out_h * out_w,
                           f"conv2d_cost({c_i}, {h}, {w}, {c_o}, {k_h}, {k_w}, {padding}, {stride})",
                           variants=cost_variants(c_i, h, w, c_o, k_h, k_w, padding, stride))

    return suite
