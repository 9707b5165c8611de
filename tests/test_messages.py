"""The message catalogues: every sentence exists in English and Chinese, every key and code the checks use is there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader import messages
from grader.messages import catalogue, default_lang, normalize_lang, template_fields
from grader.results import Outcome, Visibility
from grader.results import TestResult as Result
from grader_assignments.conv_layer import messages as conv_messages

ROOT = Path(__file__).resolve().parents[1]
CONV = ROOT / "assignments" / "conv_layer"

# The mistakes issue 4 names: each must be reachable from the checks and explained in both languages.
REQUIRED_DIAGNOSES = ("sign_flipped", "kernel_flipped", "axes_transposed", "off_by_one_shape", "autograd_cut_off",
                      "input_modified", "global_read", "first_row_only", "first_output_only", "not_smallest",
                      "scale_error")


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and
            (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)]


def _keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def _check_sources() -> list[Path]:
    return [CONV / "common.py", CONV / "properties.py"]


def _is_code(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.replace("_", "").isalpha() \
        and node.value.islower()


def _diagnosis_codes() -> set[str]:
    """Every code the checks can produce, read from their source.

    ``diagnosis="code"`` of a Mismatch, ``"a" if ... else "b"`` codes, and ("code", "explanation") pairs, which
    diagnoses return and CORR_VARIANTS lists.
    """
    codes = set()
    for path in _check_sources():
        for call in _calls(path, "Mismatch"):
            value = _keyword(call, "diagnosis")
            if _is_code(value):
                codes.add(value.value)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.IfExp) and _is_code(node.body) and _is_code(node.orelse):
                codes |= {node.body.value, node.orelse.value}
            if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and _is_code(node.elts[0]) and (
                    isinstance(node.elts[1], ast.JoinedStr) or
                    isinstance(node.elts[1], ast.Constant) and " " in str(node.elts[1].value)):
                codes.add(node.elts[0].value)
    return codes


def test_every_message_exists_in_both_languages_with_the_same_fields():
    wrong = []
    for origin, table in (("grader", messages.MESSAGES), ("conv-layer", conv_messages.MESSAGES)):
        for key, entry in table.items():
            if set(entry) != {"en", "zh"} or not all(v.strip() for v in entry.values()) or \
                    template_fields(entry["en"]) != template_fields(entry["zh"]):
                wrong.append(f"{origin}: {key}")
    assert not wrong, wrong


def test_every_diagnosis_has_a_sentence_and_a_hint_in_both_languages():
    for table in (messages.DIAGNOSES, conv_messages.DIAGNOSES):
        for code, entry in table.items():
            assert set(entry) == {"en", "zh"}, code
            for lang, (sentence, hint) in entry.items():
                assert sentence.strip() and hint.strip() and sentence != hint, (code, lang)


def test_every_diagnosis_code_the_checks_produce_is_explained(assignment):
    codes = _diagnosis_codes()
    assert {"global_read", "first_row_only", "first_output_only", "kernel_flipped", "sign_flipped"} <= codes
    for lang in messages.LANGS:
        cat = catalogue(lang, assignment)
        missing = {code for code in codes if cat.diagnosis(code) is None}
        assert not missing, f"{lang}: no sentence for {sorted(missing)}"


def test_the_mistakes_the_issue_names_are_all_produced_and_explained(assignment):
    codes = _diagnosis_codes()
    assert set(REQUIRED_DIAGNOSES) <= codes, set(REQUIRED_DIAGNOSES) - codes
    for code in REQUIRED_DIAGNOSES:
        en, zh = catalogue("en", assignment).diagnosis(code), catalogue("zh", assignment).diagnosis(code)
        assert en != zh


def test_every_mismatch_names_its_message_by_a_key_the_catalogue_has(assignment):
    cat = catalogue("zh", assignment)
    for path in _check_sources():
        for call in _calls(path, "Mismatch"):
            key = _keyword(call, "key")
            assert isinstance(key, ast.Constant), f"{path.name}:{call.lineno}: Mismatch without key="
            assert cat.has(key.value), f"{path.name}:{call.lineno}: no message {key.value!r}"
        for call in _calls(path, "Phrase"):
            key = call.args[0]
            assert isinstance(key, ast.Constant) and cat.has(key.value), f"{path.name}:{call.lineno}"


def test_every_check_title_and_exercise_has_chinese_text_and_a_chapter_description(assignment):
    from grader.engine import PUBLIC

    cat = catalogue("zh", assignment)
    for check in assignment.checks(PUBLIC):
        assert cat.check_title(check.title) != check.title, f"no Chinese title for {check.title!r}"
    for exercise in assignment.exercises:
        for lang in messages.LANGS:
            assert catalogue(lang, assignment).has(f"exercise.{exercise.name}.description"), exercise.name
        assert cat.exercise_title(exercise.name) == exercise.title_zh


def test_a_keyed_message_is_translated_with_its_phrase_arguments(assignment):
    test = Result("learn_kernel follows gradient descent on the squared error", Outcome.FAILED,
                      Visibility.PUBLIC, "the learned kernel has shape (2,) but should have (1, 2)",
                      message_key="shape",
                      message_args={"what": {"key": "what.learned_kernel", "args": {}, "en": "the learned kernel"},
                                    "got": "(2,)", "expected": "(1, 2)"})
    assert catalogue("zh", assignment).message(test, "learn_kernel") == ("学到的卷积核 的形状是 (2,)，应该是 (1, 2)。",
                                                                          None)
    assert catalogue("en", assignment).message(test, "learn_kernel")[0] == \
        "the learned kernel has shape (2,) but should have (1, 2)."


def test_an_unkeyed_engine_message_becomes_the_sentence_for_its_outcome_with_the_original_kept(assignment):
    test = Result("t", Outcome.TIMEOUT, Visibility.PUBLIC, "corr2d(...) did not finish within 5 s")
    text, original = catalogue("zh", assignment).message(test, "corr2d")
    assert "时限" in text and original == "corr2d(...) did not finish within 5 s"
    assert catalogue("en", assignment).message(test, "corr2d") == ("corr2d(...) did not finish within 5 s", None)


def test_a_missing_translation_falls_back_to_english():
    cat = messages.Catalogue("zh", messages={"only.en": {"en": "English only"}})
    assert cat.text("only.en") == "English only"


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANGUAGE": "fr:zh_CN", "LANG": "fr_FR.UTF-8"}, "zh"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_default_language_comes_from_the_locale_and_falls_back_to_english(environ, expected):
    assert default_lang(environ) == expected


def test_language_names_are_normalised():
    assert normalize_lang("zh-Hans") == "zh" and normalize_lang("EN_gb") == "en" and normalize_lang("fr") is None
