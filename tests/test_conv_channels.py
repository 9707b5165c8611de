"""conv-channels graded by the real grader: every corpus submission loses exactly what the manifest says.

The corpus (tests/corpus_conv_channels) is proved in-process against the reference by
test_channels_corpus.py; here the grader's own checks, in their sandboxed student processes, must
reach the same verdicts, with the mistakes named.
"""

from __future__ import annotations

import tomllib

import pytest

from conftest import ROOT, by_name, grade
from grader.assignment import find
from grader.engine import ALL, Grader
from test_corpus import assert_verdict

CORPUS = ROOT / "tests" / "corpus_conv_channels"
ENTRIES = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["submission"]


@pytest.fixture(scope="module")
def channels():
    return find("conv-channels", ROOT)


@pytest.fixture(scope="module")
def channels_grader(channels):
    with Grader(channels, visibilities=ALL) as grader:
        yield grader


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_submission_loses_exactly_what_it_breaks(channels_grader, entry):
    assert_verdict(grade(channels_grader, CORPUS / entry["file"]), entry)


@pytest.mark.slow
def test_the_reference_scores_full_marks_and_the_template_none(channels_grader):
    reference = grade(channels_grader, ROOT / "reference" / "conv_channels.py")
    assert reference.score == reference.max_score == 100, [
        (e.name, e.message) for e in reference.exercises if e.score < e.max_score]
    template = grade(channels_grader, ROOT / "student_template" / "conv_channels.py")
    assert template.score == 0
    assert {e.status.value for e in by_name(template).values()} == {"not_implemented"}


def test_every_exercise_has_public_and_hidden_checks(channels):
    from grader.results import Visibility

    public = {c.exercise for c in channels.checks((Visibility.PUBLIC,))}
    hidden = {c.exercise for c in channels.checks((Visibility.HIDDEN,))}
    assert public == hidden == {e.name for e in channels.exercises}
    assert channels.max_score == 100
