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


# ---------------------------------------------------------------- messages

SOURCES = [ROOT / "assignments" / "conv_channels" / "properties.py",
           *sorted((ROOT / "grader" / "tensorcheck").glob("*.py"))]


def _codes_in_source() -> set[str]:
    """Every diagnosis code the checks can produce: ``diagnosis="..."``, ``too_much="..."``, a returned code and
    the first item
    of every ("code", "explanation", ...) tuple (named mistakes, diagnoses' returns)."""
    import ast

    from test_messages import _is_code

    codes = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("diagnosis", "too_much") and _is_code(node.value):
                codes.add(node.value.value)
            if isinstance(node, ast.Return) and node.value is not None and _is_code(node.value):
                codes.add(node.value.value)
            if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and _is_code(node.elts[0]) \
                    and isinstance(node.elts[1], (ast.Constant, ast.JoinedStr)) \
                    and not _is_code(node.elts[1]):
                codes.add(node.elts[0].value)
    return codes


def test_every_diagnosis_the_checks_produce_is_explained_in_both_languages(channels):
    from grader.messages import LANGS, catalogue

    codes = _codes_in_source()
    named = {code for entry in ENTRIES for code in entry.get("diagnosis", {}).values()}
    assert named <= codes, named - codes
    for lang in LANGS:
        missing = {code for code in codes if catalogue(lang, channels).diagnosis(code) is None}
        assert not missing, f"{lang}: no sentence for {sorted(missing)}"


def test_every_mismatch_key_title_and_exercise_has_its_sentences(channels):
    from grader.engine import ALL
    from grader.messages import LANGS, catalogue
    from test_messages import _calls, _keyword

    zh = catalogue("zh", channels)
    for path in SOURCES:
        for call in _calls(path, "Mismatch"):
            key = _keyword(call, "key")
            assert key is not None and zh.has(key.value), f"{path.name}:{call.lineno}: no message {key!r}"
    for check in channels.checks(ALL):
        assert zh.check_title(check.title) != check.title, f"no Chinese title for {check.title!r}"
    for exercise in channels.exercises:
        for lang in LANGS:
            assert catalogue(lang, channels).has(f"exercise.{exercise.name}.description"), exercise.name
            assert catalogue(lang, channels).has(f"exercise.{exercise.name}.statement"), exercise.name
