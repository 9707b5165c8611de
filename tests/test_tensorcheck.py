"""grader.tensorcheck: counterexample simplification for N-D tensors, the comparisons' diagnoses, and the
oracles' gradients as plain data a replay record holds."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checks import Mismatch
from grader.replay import Recorder, Tape, _faithful, run_taped
from grader.tensorcheck import compare, gradients
from grader.tensorcheck.inputs import values
from grader.tensorcheck.simplify import Layout

# ------------------------------------------------------------------ layouts

CHANNELS = Layout(axes={"X": ("c_i", "h", "w"), "K": ("c_o", "c_i", "k_h", "k_w")},
                  at_most=(("k_h", "h"), ("k_w", "w")))
GRIDS = Layout(axes={"X": ("h", "w"), "K": ("k_h", "k_w")}, at_most=(("k_h", "h"), ("k_w", "w")),
               follows={"G": lambda i: (i["X"].shape[0] - i["K"].shape[0] + 1, i["X"].shape[1] - i["K"].shape[1] + 1)})
PADDED = Layout(axes={"X": ("h", "w"), "K": ("k_h", "k_w")},
                valid=lambda i: all(n + 2 * p >= k for n, k, p in zip(i["X"].shape, i["K"].shape, i["padding"])))


@st.composite
def channel_inputs(draw) -> dict:
    c_i, c_o, k_h, k_w = (draw(st.integers(1, 3)) for _ in range(4))
    h, w = k_h + draw(st.integers(0, 2)), k_w + draw(st.integers(0, 2))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return {"X": values((c_i, h, w), dtype, "quarters", draw(st.integers(0, 99))),
            "K": values((c_o, c_i, k_h, k_w), dtype, "quarters", draw(st.integers(0, 99))), "note": "kept"}


@st.composite
def grid_inputs(draw) -> dict:
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = k_h + draw(st.integers(0, 2)), k_w + draw(st.integers(0, 2))
    return {"X": values((h, w), torch.float64, "quarters", draw(st.integers(0, 99))),
            "K": values((k_h, k_w), torch.float64, "quarters", draw(st.integers(0, 99))),
            "G": values((h - k_h + 1, w - k_w + 1), torch.float64, "quarters", draw(st.integers(0, 99)))}


def complexity(inputs: dict) -> tuple:
    """What "simpler" means: fewer entries; then, entry by entry, zero before integers before fractions,
    smaller magnitudes first; then float32 before float64."""
    tensors = [t for t in inputs.values() if isinstance(t, torch.Tensor)]
    numel = sum(t.numel() for t in tensors)
    entries = tuple(sorted(((v != 0), (v != round(v)), abs(v)) for t in tensors for v in t.reshape(-1).tolist()))
    doubles = sum(t.dtype == torch.float64 for t in tensors)
    return numel, entries, doubles


def strictly_simpler(a: dict, b: dict) -> bool:
    # One entry made simpler makes the sorted entries lexicographically smaller; so does nothing else here.
    return complexity(a) < complexity(b)


@settings(max_examples=60, deadline=None)
@given(channel_inputs())
def test_every_candidate_keeps_tied_axes_and_kernels_within_the_input_and_is_strictly_simpler(inputs):
    assert CHANNELS.satisfied(inputs)
    candidates = list(CHANNELS.simplify(inputs))
    for candidate in candidates:
        assert CHANNELS.satisfied(candidate)
        assert candidate["X"].shape[0] == candidate["K"].shape[1]  # c_i tied
        assert candidate["K"].shape[2] <= candidate["X"].shape[1] and candidate["K"].shape[3] <= candidate["X"].shape[2]
        assert candidate["X"].dtype == candidate["K"].dtype
        assert candidate["note"] == "kept"  # what the layout does not name is left as it is
        assert strictly_simpler(candidate, inputs), (candidate, inputs)
    # Something is always offered unless the inputs are as simple as they get.
    floor = all(s == 1 for s in CHANNELS.sizes(inputs).values()) and inputs["X"].dtype == torch.float32 and \
        not any(bool(t.any()) for t in (inputs["X"], inputs["K"]))
    assert bool(candidates) != floor


@settings(max_examples=40, deadline=None)
@given(grid_inputs())
def test_an_argument_that_follows_the_output_is_cropped_or_extended_with_ones(inputs):
    for candidate in GRIDS.simplify(inputs):
        X, K, G = candidate["X"], candidate["K"], candidate["G"]
        assert tuple(G.shape) == (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)
        assert G.dtype == X.dtype  # float32 for all, or for none
        h, w = min(G.shape[0], inputs["G"].shape[0]), min(G.shape[1], inputs["G"].shape[1])
        assert torch.equal(G[:h, :w], inputs["G"][:h, :w].to(G.dtype))
        assert bool((G[h:] == 1).all()) and bool((G[:, w:] == 1).all())


def test_narrowing_an_input_as_small_as_its_kernel_narrows_the_kernel_with_it():
    # (and a layout's follower may be absent: these inputs have no G)
    inputs = {"X": torch.ones(2, 3, dtype=torch.float32), "K": torch.ones(2, 1, dtype=torch.float32)}
    shapes = {(tuple(c["X"].shape), tuple(c["K"].shape)) for c in GRIDS.simplify(inputs)}
    assert ((1, 3), (1, 1)) in shapes and ((2, 2), (2, 1)) in shapes and ((2, 3), (1, 1)) in shapes
    assert all(x[0] >= k[0] and x[1] >= k[1] for x, k in shapes)


def test_a_constraint_on_integer_arguments_is_kept():
    inputs = {"X": torch.ones(1, 4), "K": torch.ones(3, 2), "padding": (1, 0)}
    for candidate in PADDED.simplify(inputs):
        assert candidate["X"].shape[0] + 2 >= candidate["K"].shape[0]
    assert any(c["X"].shape == (1, 4) and c["K"].shape == (2, 2) for c in PADDED.simplify(inputs))


def test_values_drawn_distinct_keep_their_values_and_only_shapes_shrink():
    shapes_only = dataclasses.replace(GRIDS, values=False)
    inputs = {"X": torch.tensor([[0.5, 2.0], [-3.0, 1.5]], dtype=torch.float64),
              "K": torch.tensor([[1.5]], dtype=torch.float64)}
    for candidate in shapes_only.simplify(inputs):
        assert candidate["X"].numel() < 4 or candidate["X"].dtype == torch.float32
        flat = candidate["X"].double().reshape(-1).tolist()
        assert set(flat) <= {0.5, 2.0, -3.0, 1.5}


def test_tied_axes_that_disagree_are_refused():
    with pytest.raises(ValueError, match="c_i"):
        CHANNELS.sizes({"X": torch.ones(2, 3, 3), "K": torch.ones(1, 3, 2, 2)})
    assert not CHANNELS.satisfied({"X": torch.ones(2, 3, 3), "K": torch.ones(1, 3, 2, 2)})


# ------------------------------------------------------------------ compare


def test_only_the_first_row_right_is_named_for_any_rank():
    expected = torch.arange(1.0, 25.0).reshape(2, 3, 4)
    got = expected.clone()
    got[:, 1:] = 0
    assert compare.general_diagnosis(got, expected, 1.0)[0] == "first_row_only"
    got[1, 2, 3] = expected[1, 2, 3]  # a later row still wrong somewhere: still the same mistake
    assert compare.general_diagnosis(got, expected, 1.0)[0] == "first_row_only"
    got[0, 2] = expected[0, 2]  # a later row right: not this mistake
    assert compare.general_diagnosis(got, expected, 1.0) is None


def test_a_shape_mistake_is_explained_in_the_exercise_s_words_and_stays_tentative():
    with pytest.raises(Mismatch) as caught:
        compare.check_tensor(torch.zeros(2, 4), torch.zeros(3, 4), 1.0, "f(X)", "(for X)",
                             shape_first=True, shape_explanations={"off_by_one_shape": "count the windows."})
    assert str(caught.value) == "f(X) has shape (2, 4) but should have (3, 4) (for X): count the windows."
    assert caught.value.diagnosis == "off_by_one_shape" and caught.value.tentative


def test_shape_first_names_the_shape_before_a_variant_of_that_shape():
    expected = torch.ones(2, 3)
    variant = ("padding_one_side", "padding on one side", torch.zeros(3, 3))
    for shape_first, code in ((False, "padding_one_side"), (True, "off_by_one_shape")):
        with pytest.raises(Mismatch) as caught:
            compare.check_tensor(torch.zeros(3, 3), expected, 1.0, "f(X)", variants=[variant], shape_first=shape_first)
        assert caught.value.diagnosis == code


def test_a_kernel_may_be_given_as_nested_lists_but_not_ragged_ones():
    assert torch.equal(compare.as_tensor([[1, -2, 1]], "k()"), torch.tensor([[1.0, -2.0, 1.0]], dtype=torch.float64))
    with pytest.raises(Mismatch) as caught:
        compare.as_tensor([[1, 2], [3]], "k()")
    assert caught.value.message_key == "kernel_not_grid" and caught.value.diagnosis == "wrong_type"


# ------------------------------------------------------------------ gradients


@dataclasses.dataclass(frozen=True)
class Oracles:
    corr: object


def _corr(X, K):
    return torch.nn.functional.conv2d(X.double()[None, None], K.double()[None, None])[0, 0]


def test_the_oracles_gradients_are_plain_tensors_a_replay_record_holds_and_answers():
    X, K = values((4, 5), torch.float32, "quarters", 1), values((2, 2), torch.float32, "quarters", 2)
    G = values((3, 4), torch.float32, "quarters", 3)
    computed = []

    def corr(X, K):
        computed.append(1)
        return _corr(X, K)

    grads_of = gradients.oracle_gradients(Oracles(corr))
    recorder = Recorder()
    tape = recorder.start({"X": X, "K": K})
    got: list = []
    run_taped(tape, lambda: got.extend(grads_of("corr", (X, K), (0, 1), G)))
    assert tape.faithful and _faithful([value for _, _, value in tape.calls])
    assert all(g.dtype == torch.float64 and not g.requires_grad and g.grad_fn is None for g in got)
    Xg, Kg = X.double().requires_grad_(), K.double().requires_grad_()
    assert all(torch.equal(a, b) for a, b in zip(got, torch.autograd.grad(_corr(Xg, Kg), [Xg, Kg], G.double())))
    assert X.dtype == torch.float32 and not X.requires_grad  # the drawn inputs stay as drawn
    computed.clear()
    replayed: list = []
    run_taped(Tape(tape.calls), lambda: replayed.extend(grads_of("corr", (X, K), (0, 1), G)))
    assert computed == [] and all(torch.equal(a, b) for a, b in zip(replayed, got))
    assert math.isclose(float(replayed[1].sum()), float(got[1].sum()))


def test_a_telling_example_is_kept_as_it_is_and_others_still_simplify():
    telling = {"X": torch.ones(3, 4), "K": torch.ones(2, 3)}
    simplify = GRIDS.keeping([telling])
    assert list(simplify({"X": torch.ones(3, 4), "K": torch.ones(2, 3)})) == []  # equal, though another object
    assert list(simplify({"X": torch.ones(3, 4, dtype=torch.float64), "K": torch.ones(2, 3, dtype=torch.float64)}))
    assert list(simplify({"X": torch.ones(3, 4), "K": torch.ones(2, 2)}))
