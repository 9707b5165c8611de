"""The engine end to end: the reference, the template, notebooks, reproducibility and batches."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from conftest import CORPUS, ROOT, by_name, failing_cells_notebook, grade
from grader.engine import ALL, Grader, Job, grade_batch
from grader.results import Status, to_plain

REFERENCE = ROOT / "reference" / "conv_layer.py"
TEMPLATE = ROOT / "student_template" / "conv_layer.py"
TEMPLATE_NOTEBOOK = ROOT / "student_template" / "conv_layer.ipynb"


def cells_of(path: Path) -> list[str]:
    """The ``# %%`` blocks of a .py file, as notebook cell sources."""
    blocks = re.split(r"^# %%[^\n]*\n", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [b.strip("\n") for b in blocks if b.strip()]


def as_notebook(path: Path, folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells_of(path)]
    out = folder / f"{path.stem}.ipynb"
    nbformat.write(notebook, out)
    return out


# (the reference as a .py and the committed templates: tests/test_every_assignment.py, for every assignment)
def test_reference_as_a_notebook_scores_full_marks(grader_all, tmp_path):
    result = grade(grader_all, as_notebook(REFERENCE, tmp_path))
    assert result.score == 100, [(e.name, e.message) for e in result.exercises if e.status is not Status.PASSED]


def test_the_template_cut_into_cells_scores_zero_and_every_exercise_is_not_implemented(grader_all, tmp_path):
    result = grade(grader_all, as_notebook(TEMPLATE, tmp_path))
    assert result.score == 0
    assert {e.name: e.status for e in result.exercises} == {e.name: Status.NOT_IMPLEMENTED for e in result.exercises}
    assert not result.load_issues


def test_template_notebook_and_module_hold_the_same_code():
    notebook = nbformat.read(TEMPLATE_NOTEBOOK, as_version=4)
    code = [c.source.strip("\n") for c in notebook.cells if c.cell_type == "code"]
    blocks = cells_of(TEMPLATE)
    # The module's docstring is the notebook's first (markdown) cell.
    blocks[0] = re.sub(r'^"""(.|\n)*?"""\n', "", blocks[0]).lstrip("\n")
    assert code == blocks


def test_grading_is_reproducible_across_graders(assignment, grader_all):
    """Same submission, new template process, new Hypothesis run: the same scores and counterexamples."""
    path = CORPUS / "transposed_axes.py"
    first = to_plain(grade(grader_all, path))
    with Grader(assignment, visibilities=ALL) as fresh:
        second = to_plain(grade(fresh, path))
    for data in (first, second):
        data.pop("duration_s")
        for exercise in data["exercises"]:
            exercise.pop("duration_s")
    assert first == second


def test_what_student_code_draws_at_random_depends_on_neither_the_template_nor_the_calls_before(assignment,
                                                                                             grader_all, tmp_path):
    """Every generator is seeded before the submission loads and before each call: a submission whose answers
    draw at random is graded the same by another grader, and a replayed or repeated call draws the same."""
    path = tmp_path / "conv_layer.py"
    path.write_text((ROOT / "reference" / "conv_layer.py").read_text(encoding="utf-8") + (
        "\nimport random as _random\n"
        "print('load', _random.random(), torch.rand(1).item())\n"
        "_corr2d = corr2d\n"
        "def corr2d(X, K):\n"
        "    print('call', _random.random(), torch.rand(1).item())\n"
        "    return _corr2d(X, K)\n"), encoding="utf-8")
    first = grade(grader_all, path)
    with Grader(assignment, visibilities=ALL) as fresh:
        second = grade(fresh, path)
    import random

    import torch

    random.seed(0)
    torch.manual_seed(0)
    seeded = f"{random.random()} {torch.rand(1).item()}"
    assert f"load {seeded}" in first.output
    # Each call the check makes starts from the seed (a call of Conv2D or learn_kernel calls corr2d again).
    assert first.output.count(f"call {seeded}") > 10
    assert first.output == second.output and first.score == second.score == 100


def test_a_module_that_raises_is_graded_on_what_it_defined_and_the_error_is_reported(grader_all):
    result = grade(grader_all, CORPUS / "raises_at_module_level.py")
    exercises = by_name(result)
    assert exercises["corr2d"].status is Status.PASSED
    assert exercises["integral_kernel"].status is Status.ERROR
    assert "RuntimeError" in exercises["integral_kernel"].message
    assert [i.kind for i in result.load_issues] == ["exception"]


def test_a_notebook_cell_that_raises_is_reported_and_later_cells_still_run(grader_all):
    result = grade(grader_all, CORPUS / "correct_notebook.ipynb")
    assert result.score == 100
    assert result.load_issues and all(i.kind == "exception" for i in result.load_issues)
    assert all(i.where.startswith("cell ") for i in result.load_issues)


def test_a_timeout_costs_only_its_exercise_and_the_process_is_replaced(grader_all):
    result = grade(grader_all, CORPUS / "infinite_loop.py")
    exercises = by_name(result)
    assert exercises["corr2d"].status is Status.TIMEOUT and exercises["corr2d"].score == 0
    assert result.score == 80
    assert "did not finish within" in exercises["corr2d"].message


@pytest.mark.parametrize("name, words", [
    ("syntax_error.py", "SyntaxError"), ("empty.py", "empty"), ("not_utf8.py", "UTF-8")])
def test_unloadable_files_end_in_a_result_with_a_clear_message(grader_all, name, words):
    result = grade(grader_all, CORPUS / name)
    assert result.score == 0
    assert words in result.load_issues[0].message
    assert all(e.status is Status.ERROR for e in result.exercises)


def test_a_failed_property_carries_its_counterexample_as_data(grader_all):
    result = grade(grader_all, CORPUS / "flipped_kernel.py")
    failed = next(t for t in by_name(result)["corr2d"].tests if not t.passed)
    example = failed.counterexample
    assert set(example.inputs) == {"X", "K"}
    for value in (example.inputs["X"], example.inputs["K"], example.expected, example.got):
        assert set(value["tensor"]) >= {"dtype", "shape", "values"}
    # A flipped kernel only shows with a kernel that is not symmetric: the counterexample must be one.
    K = example.inputs["K"]["tensor"]["values"]
    assert K != [row[::-1] for row in K[::-1]]


def test_parallel_batches_give_the_same_results_in_order(assignment):
    paths = [CORPUS / n for n in ("correct_einsum.py", "flipped_kernel.py", "empty.py", "off_by_one.py")]
    jobs = [Job(p, p.stem, str(p)) for p in paths]
    seen = []
    results = grade_batch(jobs, assignment=assignment, workers=2, on_result=lambda r: seen.append(r.submission))
    assert [r.submission for r in results] == [p.stem for p in paths]
    assert sorted(seen) == sorted(p.stem for p in paths)
    assert [r.score for r in results] == [100, 80, 0, 80]


def test_a_bug_in_the_grader_costs_one_submission_not_the_batch(assignment, monkeypatch):
    calls = []

    def broken_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in a policy scan")
        return []

    monkeypatch.setattr("grader.engine.policy.violations", broken_once)
    paths = [REFERENCE, CORPUS / "correct_loops.py"]
    results = grade_batch([Job(p, p.stem, str(p)) for p in paths], assignment=assignment, workers=1)
    first, second = results
    assert first.score == 0 and all(e.status is Status.ERROR for e in first.exercises)
    assert first.load_issues[0].kind == "internal_error" and "a bug in a policy scan" in first.load_issues[0].message
    assert second.score == 100


def test_in_a_notebook_a_name_no_cell_defined_is_not_implemented_though_a_cell_raised(grader_public, tmp_path):
    result = grade(grader_public, failing_cells_notebook(tmp_path))
    exercises = by_name(result)
    assert [i.where for i in result.load_issues] == ["cell 2", "cell 3"]  # loading went on past both
    assert exercises["corr2d"].status is Status.PASSED
    # no cell defines learn_kernel: the student has not written it, whatever another cell raised
    assert exercises["learn_kernel"].status is Status.NOT_IMPLEMENTED
    assert exercises["learn_kernel"].message == "learn_kernel is not defined"
    # the cell that defines Conv2D raised before it did: that is why it is missing
    assert exercises["Conv2D"].status is Status.ERROR
    assert exercises["Conv2D"].message == ("Conv2D is not defined: cell 3, which defines it, did not run to the end "
                                           "(ValueError: oops)")
