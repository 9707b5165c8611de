"""assignment.toml validated strictly (grader.spec), and which assignment a file is for (grader.intake.recognise)."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from conftest import ROOT, two_assignment_course
from grader import cli, spec
from grader.assignment import all_assignments, find
from grader.errors import AssignmentError, GraderError, SetupProblem, StateProblem, UsageProblem
from grader.intake import Candidate
from grader.intake.recognise import recognise, recorded, recorded_or_only
from grader.messages import catalogue

SPEC = ROOT / "assignments" / "conv_layer" / "assignment.toml"
VALID = """
name = "tiny-sums"
title = "Sums"
file = "tiny_sums"
timeout_s = 2
points_total = 30

[policy.no_sum]
message = "write the loop yourself"
forbidden_ops = ["^aten::sum"]

[[exercise]]
name = "add"
points = 10
policy = "no_sum"

[[exercise]]
name = "total"
points = 20
title = "the total"
"""


def problems(text: str) -> list[str]:
    import tomllib

    return spec.validate(tomllib.loads(text))


def one_problem(text: str) -> str:
    [problem] = problems(text)
    return problem


def test_the_committed_specs_and_the_example_are_valid():
    assert problems(SPEC.read_text(encoding="utf-8")) == []
    assert problems(VALID) == []


@pytest.mark.parametrize("old, new, key, words", [
    ('title = "Sums"', 'title = "Sums"\ntimout_s = 3', "timout_s", "unknown key (did you mean 'timeout_s'?)"),
    ('forbidden_ops', 'forbiden_modules = ["x"]\nforbidden_ops', "policy.no_sum.forbiden_modules",
     "did you mean 'forbidden_modules'?"),
    ('title = "the total"', 'title = "the total"\npoint = 3', "exercise[2].point", "did you mean 'points'?"),
])
def test_an_unknown_key_is_named_with_its_path(old, new, key, words):
    problem = one_problem(VALID.replace(old, new))
    assert problem.startswith(f"{key}: ") and words in problem and "expected one of" in problem


@pytest.mark.parametrize("old, key, words", [
    ('name = "tiny-sums"', "name", "missing; expected a lower-case name"),
    ('name = "add"', "exercise[1].name", "missing; expected the Python name"),
    ('points = 20', "exercise[2].points", "missing; expected a number greater than 0"),
    ('message = "write the loop yourself"', "policy.no_sum.message", "missing; expected a non-empty string"),
])
def test_a_missing_field_is_named(old, key, words):
    found = problems(VALID.replace(old, ""))
    assert any(p.startswith(f"{key}: ") and words in p for p in found), found


@pytest.mark.parametrize("old, new, key, words", [
    ('points = 10', 'points = "ten"', "exercise[1].points", "expected a number greater than 0, got 'ten' (a string)"),
    ('points = 10', 'points = true', "exercise[1].points", "got True (a boolean)"),
    ('title = "Sums"', 'title = 3', "title", "expected a non-empty string, got 3 (an integer)"),
    ('name = "add"', 'name = "add one"', "exercise[1].name", "an identifier"),
    ('name = "tiny-sums"', 'name = "Tiny Sums"', "name", "lower-case name with dashes"),
    ('forbidden_ops = ["^aten::sum"]', 'forbidden_ops = "sum"', "policy.no_sum.forbidden_ops",
     "a list of regular expressions"),
    ('forbidden_ops = ["^aten::sum"]', 'forbidden_ops = ["(unclosed"]', "policy.no_sum.forbidden_ops",
     "a list of regular expressions"),
    ('timeout_s = 2', 'timeout_s = 0', "timeout_s", "greater than 0, got 0"),
    ('title = "the total"', 'title = "the total"\ntimeout_s = -1.5', "exercise[2].timeout_s", "greater than 0"),
    ('points_total = 30', 'points_total = 30\nbudget_s = 0', "budget_s", "greater than 0"),
])
def test_a_wrong_type_or_value_says_what_was_expected(old, new, key, words):
    found = problems(VALID.replace(old, new))
    assert any(p.startswith(f"{key}: ") and words in p for p in found), found


def test_points_must_add_up_to_the_stated_total_or_100():
    assert one_problem(VALID.replace("points_total = 30", "points_total = 40")) == (
        "exercise[*].points: the exercises' points add up to 30; expected points_total = 40")
    assert one_problem(VALID.replace("points_total = 30", "")) == (
        "exercise[*].points: the exercises' points add up to 30; expected 100 (points_total, when not stated) = 100")


def test_a_policy_that_does_not_exist_and_a_duplicate_name_are_refused():
    assert one_problem(VALID.replace('policy = "no_sum"', 'policy = "no_summ"')) == (
        "exercise[1].policy: no policy named 'no_summ' (expected one of the [policy.NAME] tables: no_sum)")
    assert one_problem(VALID.replace('name = "total"', 'name = "add"')) == (
        "exercise[2].name: 'add' is already the name of exercise[1]; expected distinct exercise names")


def test_no_exercise_at_all_is_refused():
    head = VALID.split("[[exercise]]")[0]
    assert one_problem(head) == "exercise: missing; expected one or more [[exercise]] tables"


def test_the_error_names_the_file_and_lists_every_problem(tmp_path):
    file = tmp_path / "assignment.toml"
    file.write_text(VALID.replace("points = 10", 'points = "ten"').replace("timeout_s = 2", "timeout_s = 0"),
                    encoding="utf-8")
    with pytest.raises(spec.SpecError) as raised:
        spec.load(file)
    error = raised.value
    assert isinstance(error, AssignmentError) and error.exit_code == 2
    assert len(error.problems) == 2
    assert f"{file}: exercise[1].points: expected a number greater than 0" in str(error)
    assert f"{file}: timeout_s: expected a number of seconds greater than 0" in str(error)
    file.write_text("name = [", encoding="utf-8")
    with pytest.raises(spec.SpecError, match="is not TOML"):
        spec.load(file)


# ------------------------------------------------------------------- [student]: what student processes get

PROBES = '''from grader.sandbox.harness import probe


@probe("layer")
def layer(namespace):
    return {}
'''


def test_the_student_table_names_book_functions_the_stand_in_has():
    assert problems(VALID + '\n[student]\nd2l = ["corr2d"]\nprobes = []\n') == []
    assert one_problem(VALID + '\n[student]\nd2l = ["corr2D", "corr2d"]\n') == (
        "student.d2l: 'corr2D' is not a book function d2l's stand-in provides (did you mean 'corr2d'?); "
        "expected one of corr2d (BOOK in grader/sandbox/d2l_shim.py)")
    assert one_problem(VALID + '\n[student]\nd2l = "corr2d"\n') == (
        "student.d2l: expected a list of the book functions d2l's stand-in can provide (corr2d), "
        "got 'corr2d' (a string)")
    assert one_problem(VALID + '\n[student]\nd2l = []\nprobe = ["x"]\n').startswith(
        "student.probe: unknown key (did you mean 'probes'?); expected one of d2l, probes")
    assert one_problem('student = 3\n' + VALID) == "student: expected a table [student], got 3 (an integer)"


def test_the_declared_probes_are_exactly_those_probes_py_registers(tmp_path):
    declared = lambda names: problems_in(tmp_path, VALID + f"\n[student]\nprobes = {names}\n")  # noqa: E731
    assert declared('["layer"]') == ["student.probes: expected probes.py beside assignment.toml to register them"]
    (tmp_path / "probes.py").write_text(PROBES, encoding="utf-8")
    assert declared('["layer"]') == []
    assert declared('["layer", "stack"]') == [
        "student.probes: probes.py registers no probe named 'stack' (expected one of the names it registers "
        "with @probe(NAME): layer)"]
    assert declared("[]") == ["student.probes: probes.py registers the probe 'layer', which student.probes does "
                              "not name; expected every probe it registers to be declared"]
    assert declared('["2d"]') == [
        "student.probes: expected a list of the names probes.py registers with @probe(NAME), got ['2d'] (a list)"]


def problems_in(folder: Path, text: str) -> list[str]:
    (folder / "assignment.toml").write_text(text, encoding="utf-8")
    try:
        spec.load(folder / "assignment.toml")
    except spec.SpecError as error:
        return list(error.problems)
    return []


def test_the_committed_assignments_declare_what_their_students_get():
    assignments = {a.name: a for a in all_assignments(ROOT)}
    assert assignments["conv-layer"].d2l == ()  # corr2d is its first exercise
    assert assignments["conv-layer"].probes == ("conv2d_layer",)
    assert assignments["conv-channels"].d2l == ("corr2d",)  # the channels section calls d2l.corr2d
    assert assignments["conv-channels"].probes == () and assignments["conv-channels"].probe_files == []


# ------------------------------------------------------------------- a course folder with two assignments

@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return two_assignment_course(tmp_path_factory.mktemp("course"), VALID)


def code(folder: Path, name: str, text: str) -> Candidate:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return Candidate(path, name, str(path))


def notebook(folder: Path, name: str, *cells: str) -> Candidate:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# work")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(book, folder / name)
    return Candidate(folder / name, name, str(folder / name))


def test_a_file_is_graded_as_the_assignment_whose_names_it_defines(course, tmp_path):
    assignments = all_assignments(course)
    assert [a.name for a in assignments] == ["conv-channels", "conv-layer", "tiny-sums"]
    reference = Candidate(course / "reference" / "conv_layer.py", "conv_layer.py")
    found = recognise([reference], assignments, what="conv_layer.py")
    assert found.assignment.name == "conv-layer"
    assert found.why.startswith("graded as conv-layer: defines corr2d, Conv2D, learn_kernel, conv2d_strict, … "
                                "(10 of its 10 names)")
    assert catalogue("zh").text(found.key, **found.args) == (
        "按作业 conv-layer 评分：代码定义了 corr2d, Conv2D, learn_kernel, conv2d_strict, …（它的 10 个名字中的 10 个）")
    tiny = code(tmp_path, "hw.py", "def corr2d(X, K):\n    pass\n\ndef add(a, b):\n    return a + b\n\ntotal = sum\n")
    assert recognise([tiny], assignments, what="hw.py").why == "graded as tiny-sums: defines add, total (2 of its 2 names)"
    # a notebook: its code cells, read and never run
    book = notebook(tmp_path, "hw.ipynb", "import os\nos._exit(3)", "%matplotlib inline\ndef add(a, b):\n    return a + b")
    assert recognise([book], assignments, what="hw.ipynb").assignment.name == "tiny-sums"


def test_when_it_cannot_be_told_the_assignment_must_be_chosen(course, tmp_path):
    assignments = all_assignments(course)
    nothing = code(tmp_path, "empty.py", "x = 1\n")
    with pytest.raises(UsageProblem) as raised:
        recognise([nothing], assignments, what="empty.py")
    message = str(raised.value)
    assert raised.value.exit_code == 2
    assert "nothing in empty.py defines an assignment's names; pass --assignment NAME, one of:" in message
    assert "conv-layer" in message and "tiny-sums" in message and "(defines add, total)" in message
    both = code(tmp_path, "both.py", "def corr2d(X, K):\n    pass\n\ndef add(a, b):\n    pass\n")
    with pytest.raises(UsageProblem, match="could be for conv-layer and tiny-sums"):
        recognise([both], assignments, what="both.py")
    # a tie goes to the assignment whose file name it has
    assert recognise([code(tmp_path, "tiny_sums.py", "pass\n")], assignments, what="x").assignment.name == "tiny-sums"
    # one assignment installed: it, whatever the file defines (as before there were two)
    only = [a for a in assignments if a.name == "conv-layer"]
    found = recognise([nothing], only, what="empty.py")
    assert found.assignment.name == "conv-layer" and "the only assignment installed" in found.why


def test_a_batch_is_graded_as_the_assignment_most_files_are_for(course, tmp_path):
    assignments = all_assignments(course)
    files = [code(tmp_path, f"s{i}.py", "def add(a, b):\n    pass\n") for i in range(3)]
    files += [code(tmp_path, "odd.py", "def corr2d(X, K):\n    pass\n"), code(tmp_path, "notes.txt", "def add")]
    found = recognise(files, assignments, what="the submissions")
    assert found.assignment.name == "tiny-sums"
    assert "3 of 4 code files look like it, 1 like another assignment" in found.why


def test_export_reads_the_assignment_its_folder_holds(course, tmp_path):
    assignments = all_assignments(course)
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "result.json").write_text(json.dumps({"assignment": "tiny-sums"}), encoding="utf-8")
    held = recorded(tmp_path, None, result_name="result.json")
    assert held == {"tiny-sums"}
    assert recorded_or_only(held, assignments, what="out").assignment.name == "tiny-sums"
    with pytest.raises(UsageProblem, match="holds no results that name their assignment"):
        recorded_or_only(set(), assignments, what="out")
    with pytest.raises(UsageProblem, match="not an assignment installed here"):
        recorded_or_only({"other"}, assignments, what="out")


def test_the_cli_asks_for_the_assignment_and_lists_them(course, tmp_path):
    nothing = tmp_path / "empty.py"
    nothing.write_text("x = 1\n", encoding="utf-8")
    run = CliRunner().invoke(cli.main, ["check", str(nothing), "--course", str(course)])
    assert run.exit_code == 2
    assert "cannot tell which assignment to use" in run.output and "tiny-sums" in run.output
    run = CliRunner().invoke(cli.main, ["gradescope-bundle", "--course", str(course), "--out", str(tmp_path / "b.zip")])
    installed = len(all_assignments(course))
    assert run.exit_code == 2 and f"{installed} assignments are installed; pass --assignment NAME" in run.output
    run = CliRunner().invoke(cli.main, ["list", "--course", str(course)])
    assert run.exit_code == 0 and "tiny-sums: Sums (30 points" in run.output
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(nothing, subs / "a.py")
    run = CliRunner().invoke(cli.main, ["grade", str(subs), "--out", str(tmp_path / "out"), "--course", str(course)])
    assert run.exit_code == 2 and f"nothing in {subs} defines an assignment's names" in run.output
    assert not (tmp_path / "out").exists()  # asked before anything is written


def test_a_broken_spec_stops_the_cli_naming_the_file_and_the_key(course, tmp_path):
    broken = tmp_path / "course"
    shutil.copytree(course, broken)
    spec_file = broken / "assignments" / "tiny_sums" / "assignment.toml"
    spec_file.write_text(VALID.replace('policy = "no_sum"', 'policy = "nope"'), encoding="utf-8")
    run = CliRunner().invoke(cli.main, ["list", "--course", str(broken)])
    assert run.exit_code == 2
    assert f"{spec_file}: exercise[1].policy: no policy named 'nope'" in run.output


# ------------------------------------------------------------------- one root for the grader's errors

def test_errors_of_the_graders_modules_map_onto_their_exit_status():
    from grader import batch, gradebook
    from grader.audit import grading
    from grader.exports import ExportError, bundle, late, sheet
    from grader.exports.graded import SourceError
    from grader.sandbox.workers import SandboxError, WeakSandbox

    expected = {WeakSandbox: 3, SandboxError: 3, gradebook.GradebookError: 4, batch.BatchError: 4,
                grading.AuditError: 3, bundle.BundleError: 3, late.PenaltyError: 2, sheet.SheetError: 2,
                ExportError: 2, SourceError: 2}
    for kind, status in expected.items():
        try:
            raised = kind("the reason")
        except TypeError:  # an error that builds its own sentence
            raised = kind.__new__(kind)
        error = cli.as_grader_error(raised)
        assert isinstance(error, GraderError) and error.exit_code == status, kind
    weak = cli.as_grader_error(WeakSandbox(["seccomp"], {"seccomp": "no kernel support"}))
    assert str(weak).startswith("refusing to grade: this machine cannot provide these sandbox layers: seccomp")
    assert cli.as_grader_error(ValueError("a bug")) is None  # a bug of ours stays a traceback


def test_the_graders_errors_survive_pickling_with_their_class_and_message(tmp_path):
    for error in (AssignmentError("gone"), SetupProblem("no sandbox"), StateProblem("locked"),
                  spec.SpecError(tmp_path / "a.toml", ["name: missing"])):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.exit_code == error.exit_code


def test_find_names_what_is_there(course):
    with pytest.raises(AssignmentError, match=r"no assignment named 'nope' \(available: conv-channels, conv-layer, tiny-sums\)"):
        find("nope", course)
