"""The message catalogues: every sentence exists in English and Chinese, every key and code the checks use is there."""

from __future__ import annotations

import ast
import json
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, ROOT, failing_cells_notebook, grade
from grader import cli, intake, messages
from grader.assignment import all_assignments
from grader.engine import PUBLIC, Grader, _load_issues
from grader.messages import catalogue, default_lang, normalize_lang, template_fields
from grader.reports import html_report, json_report, terminal
from grader.results import ExerciseResult, Outcome, Status, SubmissionResult, Visibility
from grader.results import TestResult as Result
from grader.sandbox.workers import Limits, LoadReport
from grader_assignments.conv_layer import messages as conv_messages

CONV = ROOT / "assignments" / "conv_layer"
TEMPLATE = ROOT / "student_template" / "conv_layer.py"

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
    # conv-layer's checks and the library they are built on (its general diagnoses: sign, scale, first row)
    return [CONV / "common.py", CONV / "properties.py", *sorted((ROOT / "grader" / "tensorcheck").glob("*.py"))]


def _is_code(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.replace("_", "").isalpha() \
        and node.value.islower()


def _diagnosis_codes() -> set[str]:
    """Every code the checks can produce, read from their source.

    ``diagnosis="code"`` of a Mismatch, ``"a" if ... else "b"`` codes, ``return "a_code"``, and ("code",
    "explanation") pairs, which diagnoses return and the variants list.
    """
    codes = set()
    for path in _check_sources():
        for call in _calls(path, "Mismatch"):
            value = _keyword(call, "diagnosis")
            if _is_code(value):
                codes.add(value.value)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Return) and _is_code(node.value) and "_" in node.value.value:
                codes.add(node.value.value)  # what a shape alone says (tensorcheck's shape_diagnosis)
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


def test_every_policy_message_exists_in_both_languages():
    for assignment in all_assignments(ROOT):
        policies = {e.policy for e in assignment.exercises if e.policy is not None}
        for policy in policies:
            for lang in messages.LANGS:
                cat = catalogue(lang, assignment)
                assert cat.has(policy.phrase.key), f"{assignment.name}: no message policy.{policy.name}"
                assert cat.value(policy.phrase.plain()) != policy.message or lang == "en", (assignment.name, lang)


# ------------------------------------------------------- the sentences the grader writes itself, end to end

# (submission, its English sentence, the Chinese one, whether the terminal shows it): the engine's, the student
# proxy's and the submission reader's own sentences.  The terminal shows load problems and each exercise's first
# failure, but no details of an exercise that is simply not implemented.
ENGINE_SENTENCES = [
    ("only_first_part.py", "learn_kernel is not defined", "learn_kernel 未定义：提交中找不到它。", False),
    ("raises_at_module_level.py", "learn_kernel is not defined: loading stopped at line 27 (RuntimeError: oops)",
     "learn_kernel 未定义：加载你的代码时在第 27 行停止了（RuntimeError: oops）。", True),
    ("forbidden_conv.py", "(found torch.nn.functional.conv2d (line 17))",
     "请自己实现滑动窗口（可以使用切片、unfold、einsum 和矩阵乘法）。你的代码用到了：torch.nn.functional.conv2d（第 17 行）。",
     True),
    ("hidden_builtin_conv.py", "(corr2d(tensor of shape (3, 3), tensor of shape (2, 2)) ran aten::convolution)",
     "你的代码在 corr2d(形状为 (3, 3) 的张量, 形状为 (2, 2) 的张量) 中运行了：aten::convolution。", True),
    ("infinite_loop.py", "corr2d(tensor of shape (3, 3), tensor of shape (2, 2)) did not finish within 5 s",
     "corr2d(形状为 (3, 3) 的张量, 形状为 (2, 2) 的张量) 超时：没有在 5 秒内完成（死循环，或者太慢）。", True),
    ("infinite_loop.py", "not run: earlier checks of this exercise ran past the time limit",
     "未运行：这个练习前面的检查已经超时。", False),
    ("exit_early.py", "the process running your code ended during conv2d_strict(tensor of shape",
     "运行 conv2d_strict(形状为", True),
    ("syntax_error.py", "SyntaxError: expected ':' (line 47)", "SyntaxError: expected ':'（第 47 行）", True),
    ("empty.py", "the file is empty", "文件是空的", True),
    ("not_utf8.py", "the file is not UTF-8 text (byte 98 is 0xcf); save it as UTF-8",
     "文件不是 UTF-8 文本（位置 98 处的字节是 0xcf）；请另存为 UTF-8", True),
    (TEMPLATE, "corr2d raises NotImplementedError: it is still the stub",
     "corr2d 还没有实现：它仍然抛出 NotImplementedError（还是模板里的样子）。", False),
]


@pytest.fixture(scope="module")
def engine_results(grader_public):
    paths = {entry[0] for entry in ENGINE_SENTENCES}
    return {path: grade(grader_public, path if isinstance(path, Path) else CORPUS / path) for path in paths}


def _reports(result, cat) -> tuple[str, str]:
    return terminal.render(result, cat, color=False), unescape(html_report.render(result, cat))


def _assert_chinese(result, zh, en, english: str, chinese: str, in_terminal: bool = True) -> None:
    """The Chinese reports say ``chinese`` and neither ``english`` nor an English original under a fallback."""
    text, html = _reports(result, en)
    assert english in html and (english in text or not in_terminal)  # the sentence is really there
    text, html = _reports(result, zh)
    assert chinese in html and english not in html
    assert (chinese in text or not in_terminal) and english not in text
    assert zh.text("report.original") not in html  # nothing fell back to "the original message (English)"


@pytest.mark.parametrize("path, english, chinese, in_terminal", ENGINE_SENTENCES,
                         ids=[f"{Path(e[0]).name}-{e[1][:24]}" for e in ENGINE_SENTENCES])
def test_the_graders_own_sentences_are_translated(engine_results, assignment, path, english, chinese, in_terminal):
    _assert_chinese(engine_results[path], catalogue("zh", assignment), catalogue("en", assignment), english, chinese,
                    in_terminal)


def test_where_a_load_problem_is_is_translated(engine_results, assignment):
    text, html = _reports(engine_results["raises_at_module_level.py"], catalogue("zh", assignment))
    assert "! 第 27 行：加载文件时你的代码抛出了异常" in text and "第 27 行</h3>" in html
    assert "line 27:" not in text and "line 27</h3>" not in html  # (Python's traceback says "line 27", as it should)


def test_the_json_result_carries_the_keys_and_they_render_the_sentence(engine_results, assignment):
    zh = catalogue("zh", assignment)
    data = json.loads(json_report.dumps(engine_results["only_first_part.py"]))
    exercise = next(e for e in data["exercises"] if e["name"] == "learn_kernel")
    assert exercise["message_key"] == "not_run.not_defined" and exercise["message_args"] == {"name": "learn_kernel"}
    assert all(t["message_key"] == "not_run.not_defined" for t in exercise["tests"])
    assert "message_key" not in data["exercises"][0]  # corr2d passed: nothing to say
    issue = json.loads(json_report.dumps(engine_results["syntax_error.py"]))["load_issues"][0]
    assert issue["message_key"] == "problem.syntax_error_code"
    in_chinese = zh.text(issue["message_key"], **issue["message_args"])
    assert in_chinese.startswith("SyntaxError: expected ':'（第 47 行）\n    def kernel_matrix")
    raised = json.loads(json_report.dumps(engine_results["raises_at_module_level.py"]))["load_issues"][0]
    assert "message_key" not in raised and raised["message"] == "RuntimeError: oops"  # the student's own exception


def test_an_internal_grader_error_is_reported_in_chinese(grader_public, assignment, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in a policy scan")

    monkeypatch.setattr("grader.engine.policy.violations", broken)
    result = grade(grader_public, CORPUS / "correct_loops.py")
    zh, en = catalogue("zh", assignment), catalogue("en", assignment)
    _assert_chinese(result, zh, en, "internal grader error (RuntimeError: a bug in a policy scan); please report it",
                    "评分程序出现内部错误（RuntimeError: a bug in a policy scan），不是你的代码的问题；请报告给老师")
    assert "! 评分程序：评分程序本身在这份提交上出错了" in terminal.render(result, zh)


def test_a_statement_that_hangs_while_loading_is_reported_in_chinese(assignment, tmp_path):
    source = (CORPUS / "correct_loops.py").read_text(encoding="utf-8")
    hangs = tmp_path / "hangs.py"
    hangs.write_text(source.replace("\ndef learn_kernel", "\nwhile True:\n    pass\n\n\ndef learn_kernel", 1),
                     encoding="utf-8")
    line = hangs.read_text(encoding="utf-8").splitlines().index("while True:") + 1
    with Grader(assignment, visibilities=PUBLIC, limits=Limits(load_timeout_s=2)) as grader:
        result = grade(grader, hangs)
    assert [(i.kind, i.where) for i in result.load_issues] == [("timeout", f"line {line}")]
    zh, en = catalogue("zh", assignment), catalogue("en", assignment)
    _assert_chinese(result, zh, en, f"line {line} did not finish within the load time limit and was skipped",
                    f"第 {line} 行没有在加载时限内完成，超时后已跳过")
    _assert_chinese(result, zh, en, f"learn_kernel is not defined: loading stopped at line {line} (line {line} did",
                    f"learn_kernel 未定义：加载你的代码时在第 {line} 行停止了（第 {line} 行没有在加载时限内完成，超时后已跳过）。")


def test_a_process_that_dies_before_loading_anything_is_reported_in_chinese(assignment):
    report = LoadReport(units=[{"label": "file", "status": "crashed",
                                "error": {"type": "ProcessDied", "message": "the submission could not be loaded"}}])
    issue, = _load_issues(report)
    assert issue.message == "ProcessDied: the submission could not be loaded"
    zh, en = catalogue("zh", assignment), catalogue("en", assignment)
    assert en.load_issue(issue)[1] == issue.message
    assert zh.load_issue(issue) == ("加载你的代码的进程意外结束。", "无法加载这份提交（ProcessDied）")
    assert zh.place(issue.where) == "文件"


def test_an_exercise_without_checks_says_why_it_lost_its_points(assignment):
    zh, en = catalogue("zh", assignment), catalogue("en", assignment)
    english = "internal grader error (KeyError: 'x'); please report it"
    exercise = ExerciseResult("corr2d", 0.0, 20.0, Status.ERROR, (), english, message_key="not_run.grader_error",
                              message_args={"error": "KeyError: 'x'"})
    result = SubmissionResult("conv-layer", "s", "s.py", 0.0, 20.0, (exercise,))
    _assert_chinese(result, zh, en, english, "评分程序出现内部错误（KeyError: 'x'）")


def test_grade_prints_a_line_per_submission_in_the_language_asked(tmp_path):
    run = CliRunner().invoke(cli.main, ["grade", str(CORPUS / "syntax_error.py"), str(CORPUS / "flipped_kernel.py"),
                                        "--out", str(tmp_path / "out"), "--lang", "zh", "-j", "1",
                                        "--course", str(ROOT)])
    assert run.exit_code == 0, run.output
    assert "syntax_error：0/100 分（加载时的问题：1 个）" in run.stderr
    assert "flipped_kernel：80/100 分" in run.stderr and "points" not in run.stderr


def _messages_of(result):
    """Every (key, args, English message) a result holds."""
    for issue in result.load_issues:
        yield issue.message_key, issue.message_args, issue.message
    for exercise in result.exercises:
        yield exercise.message_key, exercise.message_args, exercise.message
        for test in exercise.tests:
            yield test.message_key, test.message_args, test.message


def test_the_english_sentence_of_the_graders_own_keys_is_the_message_itself(engine_results, assignment):
    """So an English report says exactly what result.json's ``message`` says.  (A check's message may have its
    diagnosis appended, which the reports show on their own: those keys are left out.)"""
    en = catalogue("en", assignment)
    keyed = [(key, args, message) for result in engine_results.values() for key, args, message in _messages_of(result)
             if key and key.split(".")[0] in ("not_run", "call", "problem")]
    assert {key.split(".")[0] for key, _, _ in keyed} == {"not_run", "call", "problem"}
    for key, args, message in keyed:
        assert en.sentence(key, args, message) == message, key


def _problem_files(folder: Path) -> dict[str, Path]:
    """One submission for each problem grader.submission can find."""
    made = {}
    for name, content in (("empty", b""), ("binary", b"\x7fELF\x00"), ("not_utf8", b"x = '\xff'\n"),
                          ("syntax", b"def f(:\n    pass\n"), ("huge", b"#" * 3_000_000),
                          ("corrupt", b"{not json"), ("no_cells", b'{"nbformat": 4, "nbformat_minor": 5, '
                                                                 b'"metadata": {}, "cells": []}')):
        made[name] = folder / (f"{name}.ipynb" if name in ("corrupt", "no_cells") else f"{name}.py")
        made[name].write_bytes(content)
    made["unreadable"] = folder / "gone.py"
    made["unreadable"].symlink_to(folder / "nowhere.py")
    for name, files in (("no_code_file", ["notes.txt"]), ("several_files", ["a.py", "b.py"])):
        made[name] = folder / name
        made[name].mkdir()
        for file in files:
            (made[name] / file).write_text("x = 1\n")
    return made


def _intake_problems(folder: Path) -> dict[str, object]:
    """One problem or note for each kind grader.intake finds in a download (see tests/test_intake.py)."""
    from lms_archives import symlink, write_zip, zip_bytes

    zeros = b"\0" * (3 * 1024 * 1024)
    nested = zip_bytes([("deeper.zip", zip_bytes([("x.py", b"x = 1\n")])), ("conv_layer.py", b"x = 1\n")])
    path = write_zip(folder / "all.zip", [
        ("../evil.py", b"x = 1\n"), symlink("s/link.py", "/etc/passwd"), ("b/bomb.py", zeros),
        ("n/hw.zip", nested), ("c/conv_layer.py", b"x = 1\n"), ("c/helpers.py", b"x = 1\n"),
        ("d/a.py", b"def corr2d(): pass\n"), ("d/b.py", b"x = 1\n"), ("e/notes.pdf", b"%PDF"), ("e/x.txt", b"")])
    made = {}
    with intake.opened([path]) as found:
        for item in found:
            choice = intake.choose(item.files, expected_stem="conv_layer", names=["corr2d"])
            for problem in item.problems + tuple(p for p in (choice.note, choice.problem) if p):
                made[f"{item.key}:{problem.message_key}"] = problem
    canvas = write_zip(folder / "canvas.zip", [("doejane_4021_1_conv_layer.py", b"x = 1\n"),
                                               ("doejane_4021_2_conv_layer-1.py", b"x = 1\n"), ("stray.py", b"")])
    with intake.opened([canvas], lms="canvas") as found:
        for item in found:
            made |= {f"{item.key}:{p.message_key}": p for p in item.notes}
    assert {p.message_key for p in made.values()} >= {
        "problem.unsafe_entry", "problem.special_entry", "problem.entry_bomb", "problem.nested_archive",
        "note.chosen_by_name", "note.chosen_by_names", "note.latest_attempt", "note.unrecognised_name"}
    return made


def test_every_problem_reading_a_submission_has_a_sentence_in_both_languages(assignment, tmp_path):
    from grader.submission import load

    en, zh = catalogue("en", assignment), catalogue("zh", assignment)
    problems = {}
    for name, path in _problem_files(tmp_path).items():
        if path.is_dir():  # a folder: intake chooses its file, or says why it cannot
            choice = intake.choose(intake.candidates(path), expected_stem="conv_layer", names=["corr2d"])
            problems[name] = choice.problem
        else:
            problems[name], = load(path, id=name, source=str(path)).problems
    for name, problem in (problems | _intake_problems(tmp_path)).items():
        assert problem.message_key and zh.has(problem.message_key), name
        assert en.sentence(problem.message_key, problem.message_args, problem.message) == problem.message, name
        assert zh.sentence(problem.message_key, problem.message_args, problem.message) != problem.message, name


def test_a_name_a_failed_notebook_cell_defines_is_explained_in_both_languages(grader_public, assignment, tmp_path):
    result = grade(grader_public, failing_cells_notebook(tmp_path))
    zh, en = catalogue("zh", assignment), catalogue("en", assignment)
    _assert_chinese(result, zh, en, "Conv2D is not defined: cell 3, which defines it, did not run to the end "
                    "(ValueError: oops)", "Conv2D 未定义：定义它的第 3 个单元格没有运行完（ValueError: oops）。")
    _assert_chinese(result, zh, en, "learn_kernel is not defined", "learn_kernel 未定义：提交中找不到它。",
                    in_terminal=False)
