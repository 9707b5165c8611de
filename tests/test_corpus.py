"""Every submission of the corpus loses the points of exactly the exercises it breaks."""

from __future__ import annotations

import pytest

from conftest import CORPUS, by_name, corpus_manifest, grade
from grader.results import Status

ENTRIES = corpus_manifest()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_submission_loses_exactly_what_it_breaks(grader_all, entry):
    assert_verdict(grade(grader_all, CORPUS / entry["file"]), entry)


def assert_verdict(result, entry: dict) -> None:
    """``result`` loses exactly the exercises ``entry`` of the manifest breaks, with the mistakes it names."""
    exercises = by_name(result)
    broken = set(entry["breaks"])
    assert broken <= set(exercises), f"manifest names unknown exercises: {broken - set(exercises)}"
    wrong = {}
    for name, exercise in exercises.items():
        full = exercise.score == exercise.max_score
        if name in broken and full:
            wrong[name] = "should lose points but got full marks"
        if name not in broken and not full:
            failure = next((t for t in exercise.tests if not t.passed), None)
            wrong[name] = f"lost points: {exercise.status.value}: {failure.message if failure else ''}"
        assert (exercise.status is Status.PASSED) == full
    assert not wrong, wrong
    for name, code in entry.get("diagnosis", {}).items():
        first = next(t for t in exercises[name].tests if not t.passed)
        assert first.diagnosis == code, f"{name}: {first.diagnosis!r} instead of {code!r}: {first.message}"
        assert first.message, "a named mistake comes with a message that explains it"
    for name, status in entry.get("status", {}).items():
        assert exercises[name].status.value == status, exercises[name].message
    if not broken:
        assert result.score == result.max_score == 100
