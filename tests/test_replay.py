"""Replay: passing examples drawn once, replayed for every later submission, with results unchanged."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from hypothesis import strategies as st

from conftest import CORPUS, ROOT
from grader.checks import Check, Mismatch, StudentRaised, TimeoutSignal
from grader.assignment import find, versions
from grader.engine import ALL, PUBLIC, Grader, Job
from grader.replay import Replay, recorded
from grader.results import Visibility, to_plain
from grader.runner import run_check

PROVENANCE = {"fingerprint": "f" * 64, "grader": "1.0", "torch": "2.13.0", "hypothesis": "6.170.17"}


@dataclasses.dataclass(frozen=True)
class Oracles:
    double: Callable


def make_check(body: Callable, *, name: str = "doubles", max_examples: int = 15, replay: bool = True) -> Check:
    given = st.builds(lambda x, n: {"x": x, "n": n},
                      st.lists(st.integers(-8, 8).map(lambda v: v / 4), min_size=2, max_size=5).map(torch.tensor),
                      st.integers(0, 3))
    return Check("ex", name, "doubles x", body, given, ({"x": torch.tensor([1.0, 2.0]), "n": 0},), 1.0,
                 Visibility.PUBLIC, max_examples, None, replay=replay)


def counting_oracles() -> tuple[Oracles, list]:
    calls: list = []

    def double(x):
        calls.append(x)
        return x * 2

    return recorded(Oracles(double)), calls


def passing(seen: list, o: Oracles) -> Callable:
    def body(student, x, n):
        seen.append((x.tolist(), n))
        expected = o.double(x)
        if not torch.equal(expected, x + x):
            raise Mismatch("wrong")

    return body


def test_a_passing_run_is_recorded_and_replayed_with_the_same_examples_and_oracle_values(tmp_path):
    o, oracle_calls = counting_oracles()
    first: list = []
    assert run_check(make_check(passing(first, o)), None, Replay(tmp_path, PROVENANCE)).passed
    assert len(list(tmp_path.glob("*.json"))) == 1 and len(first) > 1
    assert len(oracle_calls) == len(first)
    oracle_calls.clear()
    again: list = []
    assert run_check(make_check(passing(again, o)), None, Replay(tmp_path, PROVENANCE)).passed
    assert again == first  # the same inputs, in the same order
    assert oracle_calls == []  # every expected value came from the record
    without: list = []
    assert run_check(make_check(passing(without, o)), None).passed
    assert without == first  # ...which are the inputs the full run draws


@pytest.mark.parametrize("raised", [
    lambda: Mismatch("x is wrong", expected=1, got=2, diagnosis="wrong_sign"),
    lambda: StudentRaised("ValueError", "no", "Traceback..."),
    lambda: TimeoutSignal("too slow", key="call.timeout", args={"what": "f", "seconds": 1.0}),
    lambda: ZeroDivisionError("a bug of the check"),
])
def test_a_submission_that_fails_a_replayed_example_gets_the_full_runs_result(tmp_path, raised):
    o, _ = counting_oracles()
    replay = Replay(tmp_path, PROVENANCE)
    assert run_check(make_check(passing([], o)), None, replay).passed

    def failing(student, x, n):  # fails on some drawn examples, not on the explicit one
        o.double(x)
        if n == 2 and float(x.sum()) > 0:
            raise raised()

    with_replay = run_check(make_check(failing), None, replay)
    assert not with_replay.passed
    assert with_replay == run_check(make_check(failing), None)


def record_file(folder: Path) -> Path:
    (path,) = folder.glob("*.json")
    return path


def test_a_record_of_another_fingerprint_version_or_setting_is_not_used(tmp_path):
    o, _ = counting_oracles()
    check = make_check(passing([], o))
    assert run_check(check, None, Replay(tmp_path, PROVENANCE)).passed
    from grader.runner import replay_settings

    assert Replay(tmp_path, PROVENANCE).examples(check, replay_settings(check)) is not None
    for field, other in (("fingerprint", "0" * 64), ("torch", "2.12.0"), ("hypothesis", "6.170.16"),
                         ("grader", "1.1")):
        stranger = Replay(tmp_path, {**PROVENANCE, field: other})
        assert stranger.examples(check, replay_settings(check)) is None, field
    for changed in (make_check(check.body, max_examples=16), make_check(check.body, name="other")):
        assert Replay(tmp_path, PROVENANCE).examples(changed, replay_settings(changed)) is None
    # A record copied under another key's name says which key it was written for.
    other = Replay(tmp_path, {**PROVENANCE, "torch": "2.12.0"})
    record_file(tmp_path).rename(tmp_path / f"{other.key(check, replay_settings(check))}.json")
    assert other.examples(check, replay_settings(check)) is None


def corrupt(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x80\x00not json at all")
    elif how == "example dropped":  # the checksum no longer matches
        record = json.loads(data)
        record["examples"] = record["examples"][1:]
        path.write_text(json.dumps(record))
    elif how == "not plain data":
        record = json.loads(data)
        record["examples"][0]["inputs"] = {"object": {"type": "os.system", "repr": "?"}}
        path.write_text(json.dumps(record))
    elif how == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "garbage", "example dropped", "not plain data", "empty"])
def test_a_corrupt_record_is_ignored_and_replaced(tmp_path, how):
    o, oracle_calls = counting_oracles()
    first: list = []
    assert run_check(make_check(passing(first, o)), None, Replay(tmp_path, PROVENANCE)).passed
    corrupt(record_file(tmp_path), how)
    oracle_calls.clear()
    again: list = []
    assert run_check(make_check(passing(again, o)), None, Replay(tmp_path, PROVENANCE)).passed
    assert again == first and len(oracle_calls) == len(first)  # a full run, which wrote a new record
    oracle_calls.clear()
    assert run_check(make_check(passing([], o)), None, Replay(tmp_path, PROVENANCE)).passed
    assert oracle_calls == []


def test_a_check_that_opts_out_or_draws_what_json_cannot_carry_is_not_recorded(tmp_path):
    o, _ = counting_oracles()
    assert run_check(make_check(passing([], o), replay=False), None, Replay(tmp_path, PROVENANCE)).passed
    odd = Check("ex", "odd", "odd", lambda student, x: None, st.just({"x": {1, 2}}), (), 1.0, Visibility.PUBLIC, 3,
                None)
    replay = Replay(tmp_path, PROVENANCE)
    assert run_check(odd, None, replay).passed
    assert list(tmp_path.glob("*.json")) == []
    from grader.runner import replay_settings

    assert not replay.records(odd, replay_settings(odd))  # and not tried again in this process
    assert run_check(odd, None, replay).passed


# ------------------------------------------------------------------ the corpus


def plain_without_timings(result) -> str:
    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items() if k != "duration_s"}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return json.dumps(walk(to_plain(result)), sort_keys=True, ensure_ascii=False)


# Each assignment's corpus: its folder, holding the submissions and their manifest.
CORPORA = {"conv-layer": CORPUS, "conv-channels": ROOT / "tests" / "corpus_conv_channels"}


def representative(manifest: list[dict]) -> list[dict]:
    """One correct submission and, for each exercise broken and each way a failure shows (a status, or a diagnosis
    seen in something else than the values: a type, a gradient, the operators run, an input modified), the first
    submission that has it: every check fails somewhere and every kind of failure is replayed, at under half the
    grading of conv-channels' whole corpus (test_conv_channels.py grades all of it, once)."""
    from test_channels_corpus import SYMPTOM_OF_DIAGNOSIS

    chosen, seen = [], set()
    for entry in manifest:
        kinds = {("correct",)} if not entry["breaks"] else set()
        # (an exercise ended by its status, say forbidden, has not failed its checks)
        kinds |= {("breaks", name) for name in entry["breaks"] if name not in entry.get("status", {})}
        kinds |= {("status", status) for status in entry.get("status", {}).values()}
        kinds |= {("shows", code) for code in entry.get("diagnosis", {}).values() if code in SYMPTOM_OF_DIAGNOSIS}
        if kinds - seen:
            chosen.append(entry)
            seen |= kinds
    return chosen


# conv-layer's whole corpus (notebooks, timeouts, processes that die, random starts); conv-channels' representative.
SUBSETS = {"conv-layer": lambda manifest: manifest, "conv-channels": representative}


def grade_corpus(grader: Grader, replay: Replay | None, folder: Path, files: list[str]) -> dict[str, str]:
    grader.replay = replay
    return {f: plain_without_timings(grader.grade(Job(folder / f, Path(f).stem, f))) for f in files}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPORA))
def test_the_corpus_grades_identically_with_and_without_replay_a_kept_cache_and_a_corrupt_one(name, tmp_path):
    assignment, folder = find(name, ROOT), CORPORA[name]
    manifest = SUBSETS[name](tomllib.loads((folder / "manifest.toml").read_text(encoding="utf-8"))["submission"])
    # Wrong submissions first: the records are built by whichever passing run comes first.
    files = sorted((e["file"] for e in manifest), key=lambda f: f.startswith("correct"))
    cache = tmp_path / "replay"
    provenance = {"fingerprint": assignment.fingerprint(), **versions()}
    # One grader, hence one template, for every pass: a student process inherits its random state, and a
    # notebook that trains from a random start prints other losses under another template.
    with Grader(assignment, visibilities=ALL, replay_dir=False) as grader:
        plain = grade_corpus(grader, None, folder, files)
        assert grade_corpus(grader, Replay(cache, provenance), folder, files) == plain  # records built in the batch
        records = sorted(cache.glob("*.json"))
        # Nearly every check of conv-layer is recorded, and every one of conv-channels: its gradient checks ask
        # one oracle for plain gradients (tensorcheck.gradients.oracle_gradients), never for a tensor with an
        # autograd graph, which a record cannot hold.
        assert len(records) >= (len(assignment.checks(ALL)) - 2 if name == "conv-layer"
                                else len(assignment.checks(ALL)))
        # The cache of an earlier run (read from disk), the submissions in the other order.
        assert grade_corpus(grader, Replay(cache, provenance), folder, list(reversed(files))) == plain
        for i, path in enumerate(records):
            corrupt(path, ["truncated", "garbage", "example dropped", "not plain data", "empty"][i % 5])
        assert grade_corpus(grader, Replay(cache, provenance), folder, files) == plain


@pytest.mark.slow
def test_grader_check_records_public_checks_only(assignment, tmp_path, monkeypatch):
    from grader import engine

    monkeypatch.setenv("GRADER_REPLAY_DIR", str(tmp_path))
    reference = ROOT / "reference" / "conv_layer.py"
    first = engine.check(reference, assignment=assignment)
    checks = {c.id for c in assignment.checks(PUBLIC)}
    written = {json.loads(p.read_text())["check"] for p in tmp_path.glob("*.json")}
    assert written == checks and all(c.startswith("public.") for c in written)
    again = engine.check(reference, assignment=assignment)
    assert plain_without_timings(again) == plain_without_timings(first)


def test_an_oracle_argument_with_an_odd_stride_on_an_axis_of_size_one_is_digested_as_its_values():
    """torch calls such a tensor contiguous, yet refuses to view its bytes; conv-channels' oracles make them."""
    import torch

    from grader.replay import _digest_of

    odd = torch.arange(3.0).reshape(3, 1).as_strided((3, 1), (1, 2))
    assert odd.is_contiguous() and odd.stride() == (1, 2)
    assert _digest_of(odd) == _digest_of(torch.tensor([[0.0], [1.0], [2.0]]))
    assert _digest_of(odd) != _digest_of(torch.tensor([[0.0], [1.0], [3.0]]))
