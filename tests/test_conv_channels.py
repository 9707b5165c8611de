"""conv-channels graded by the real grader: every corpus submission loses exactly what the manifest says.

The corpus (tests/corpus_conv_channels) is proved in-process against the reference by
test_channels_corpus.py; here the grader's own checks, in their sandboxed student processes, must
reach the same verdicts, with the mistakes named.  What holds for every assignment (the reference, the template,
the checks' sentences) is in test_every_assignment.py.
"""

from __future__ import annotations

import tomllib

import pytest

from conftest import ROOT, grade
from grader.assignment import find
from test_corpus import assert_verdict
from test_every_assignment import check_sources, diagnosis_codes

CORPUS = ROOT / "tests" / "corpus_conv_channels"
ENTRIES = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["submission"]


@pytest.fixture(scope="module")
def channels_grader(graders):
    return graders("conv-channels")


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_submission_loses_exactly_what_it_breaks(channels_grader, entry):
    assert_verdict(grade(channels_grader, CORPUS / entry["file"]), entry)


def test_every_mistake_the_manifest_names_is_a_diagnosis_the_checks_can_produce():
    # (that each has its sentences in both languages: tests/test_every_assignment.py)
    channels = find("conv-channels", ROOT)
    codes = diagnosis_codes(check_sources(channels))
    named = {code for entry in ENTRIES for code in entry.get("diagnosis", {}).values()}
    assert named and named <= codes, named - codes
