"""The attack suite, round two (issue 8): the grader's side of the wall, and the checks that believed the student.

Seven classes, each with several variants, graded in the real sandbox: links out of a submission, ids that
take a batch output's place, unbounded output, a budget for a whole submission, untrusted parsing in the
grader's process, tolerances the student controls, and facts the student process reports about itself; plus
absurd tensor shapes on the wire, escape sequences in results, and learning where the instructor's checkout is
(from /proc, Python's own records, tracebacks and installed files).  Most attack files in tests/attacks/ are
overrides appended to an honest solution (victim.py), so each test knows what the submission deserves.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from attack_kit import (ATTACKS, SECRET_TEXT, assert_contained, filled, free_slot, leftovers, output_record,
                        result_text)
from conftest import ROOT, by_name, grade
from grader import bounded, cli, containment, submission
from grader.intake import naming
from grader.engine import ALL, Grader, jobs_for
from grader.messages import catalogue
from grader.reports import html_report, json_report, terminal
from grader.results import Outcome, Status
from grader.sandbox import confine
from grader.sandbox.workers import Limits

pytestmark = pytest.mark.slow  # the real sandbox

HONEST = ATTACKS / "victim.py"
REFERENCE = ROOT / "reference" / "conv_layer.py"


@pytest.fixture(scope="module")
def grader(assignment):
    with Grader(assignment, visibilities=ALL, limits=Limits(slot=free_slot())) as grader:
        assert grader.template.layers == dict.fromkeys(confine.LAYERS, True), grader.template.layer_errors
        yield grader


def honest_plus(folder: Path, name: str, **values: object) -> Path:
    """An honest solution with the attack ``tests/attacks/<name>`` appended (its definitions win)."""
    attack = (ATTACKS / name).read_text(encoding="utf-8")
    text = filled(HONEST.read_text(encoding="utf-8") + "\n\n# ---- the attack\n" + attack, name, values)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def written_report(result, tmp_path: Path) -> str:
    path = tmp_path / f"{result.submission}-report.html"
    html_report.write(result, path, catalogue("en"))
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------ 1. links out of the submission


@pytest.fixture
def root_only(tmp_path_factory) -> tuple[Path, str]:
    """A root-only folder holding a root-only conv_layer.py whose syntax error would be quoted in the result."""
    secret = f"ROOT-ONLY-SECRET-{uuid.uuid4().hex}"
    folder = tmp_path_factory.mktemp("root-only")
    folder.chmod(0o700)
    file = folder / "conv_layer.py"
    file.write_text(f"def corr2d(X, K):\n    return {secret} {secret}\n", encoding="utf-8")
    file.chmod(0o600)
    return file, secret


def test_links_out_of_a_submission_are_refused_and_never_read(grader, tmp_path, root_only):
    secret_file, secret = root_only
    classroom = tmp_path / "class"
    classroom.mkdir()
    (classroom / "alice.py").symlink_to(REFERENCE)  # an entry that is a link to the reference
    (classroom / "bob.py").symlink_to(secret_file)  # ...to a root-only file with a syntax error
    (classroom / "carol").mkdir()
    (classroom / "carol" / "conv_layer.py").symlink_to(REFERENCE)  # a folder whose code file is a link
    (classroom / "dave").symlink_to(REFERENCE.parent)  # a folder entry that is a link to the reference folder
    (classroom / "erin").mkdir()
    (classroom / "erin" / "notes.md").write_text("see src")
    (classroom / "erin" / "src").symlink_to(secret_file.parent)  # a link to a folder, with code in it
    (classroom / "frank").mkdir()
    os.mkfifo(classroom / "frank" / "conv_layer.py")  # not a file: must neither block nor be read
    (classroom / "gina").mkdir()
    (classroom / "gina" / "conv_layer.py").write_text(HONEST.read_text())
    (classroom / "gina" / "helpers.py").symlink_to(secret_file)  # a second code file that is a link
    (classroom / "victim.py").write_text(HONEST.read_text())
    started = time.monotonic()
    with jobs_for([classroom], assignment=grader.assignment) as jobs:
        results = {job.id: grader.grade(job) for job in jobs}
    assert time.monotonic() - started < 60
    assert results.pop("victim").score == 100
    assert results.pop("gina").score == 100  # its own file is graded; the link beside it is never read
    # A folder whose only code is behind a link is reported with the link, never walked into.
    assert set(results) == {"alice", "bob", "carol", "dave", "erin", "frank"}
    for id, result in results.items():
        assert result.score == 0, id
        [issue] = result.load_issues
        assert issue.kind == ("unreadable" if id == "frank" else "link"), (id, issue)
        if issue.kind == "link":
            assert "symbolic link" in issue.message and issue.message_key == "problem.link"
        for text in (result_text(result), written_report(result, tmp_path)):
            for hidden in (secret, *SECRET_TEXT):
                assert hidden not in text, (id, hidden)
    # Opened one component at a time without following links: a folder swapped for a link is refused too.
    with pytest.raises(containment.NotInside):
        containment.read_inside(classroom / "erin", classroom / "erin" / "src" / "conv_layer.py", 1 << 20)
    assert leftovers(grader) == []


def test_a_link_given_as_the_submission_itself_is_refused(grader, tmp_path):
    link = tmp_path / "conv_layer.py"
    link.symlink_to(REFERENCE)
    result = grade(grader, link)
    assert result.score == 0 and [i.kind for i in result.load_issues] == ["link"]
    for hidden in SECRET_TEXT:
        assert hidden not in result_text(result)


# ------------------------------------------------------------------ 2. ids and batch outputs


def test_submission_names_cannot_take_a_batch_outputs_place(tmp_path):
    classroom, out = tmp_path / "class", tmp_path / "out"
    classroom.mkdir()
    honest = HONEST.read_text()
    for name in ("grades.csv.py", "grades.csv.tmp.py", "gradebook.sqlite-wal.py", "blocked.py"):
        (classroom / name).write_text(honest)
    (classroom / "summary.html").mkdir()  # a folder submission named like the class summary
    (classroom / "summary.html" / "conv_layer.py").write_text(honest)
    out.mkdir()
    (out / "blocked").write_text("a file where blocked's result folder would go")  # its results cannot be written
    run = CliRunner().invoke(cli.main, ["grade", str(classroom), "--out", str(out), "-j", "1"],
                             catch_exceptions=False)
    assert run.exit_code == 0, run.output
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"grades_csv", "grades_csv_tmp", "gradebook_sqlite-wal", "blocked", "summary_html"}
    assert all(float(row["score"]) == 100 for row in rows.values())
    assert (out / "summary.html").is_file()
    for id in set(rows) - {"blocked"}:
        assert json.loads((out / id / "result.json").read_text())["score"] == 100
    assert "blocked: cannot write its result" in run.output


@pytest.mark.parametrize("name", ["grades.csv", "summary.html", "gradebook.sqlite", "gradebook.sqlite-journal",
                                  "x.tmp", "a.b.c", "export.xlsx"])
def test_an_id_never_holds_a_dot_so_never_names_an_output_file(tmp_path, name):
    [id] = naming.assign_ids([tmp_path / f"{name}.py"])
    assert "." not in id and "/" not in id and id


# ------------------------------------------------------------------ 3. unbounded output


def test_huge_values_are_cut_and_summarised(grader, tmp_path):
    result = grade(grader, honest_plus(tmp_path, "huge_values.py"))
    assert_contained(grader, result, score=50, loses={"corr2d", "kernel_matrix", "learn_kernel", "derivative_kernel"})
    text = json_report.dumps(result)
    assert len(text.encode()) < 300_000, len(text.encode())
    assert len(written_report(result, tmp_path).encode()) < 1_000_000
    # Counterexamples are the shrunk ones; a value too large to show keeps its shape, dtype and a corner.
    corr = next(t for t in by_name(result)["corr2d"].tests if t.counterexample and t.counterexample.got)
    got = corr.counterexample.got["tensor"]
    assert got["shape"] == [1000, 1000] and got["dtype"] == "bool" and got["cut"]["elements"] == 1_000_000
    assert len(got["values"]) == len(got["values"][0]) == bounded.CORNER
    learn = next(t for t in by_name(result)["learn_kernel"].tests if t.counterexample and t.counterexample.got)
    assert len(learn.counterexample.got) == bounded.MAX_ITEMS + 1 and learn.counterexample.got[-1].endswith("more")


def test_a_value_too_large_to_show_says_where_it_differs():
    import torch

    from grader.plain import to_plain

    expected = torch.zeros(300, 400, dtype=torch.float64)
    got = expected.clone()
    got[250, 7] = 1.5
    body = to_plain(got, compared_with=expected)["tensor"]
    assert body["shape"] == [300, 400] and body["dtype"] == "float64"
    assert body["cut"] == {"elements": 120_000, "shown": [12, 12], "min": 0.0, "max": 1.5, "not_finite": 0,
                           "differ": 1, "first_difference": [250, 7]}
    assert len(json.dumps(body)) < 5_000


def test_a_notebook_of_thousands_of_raising_cells_keeps_a_bounded_result(grader, tmp_path):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": HONEST.read_text()}]
    cells += [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
               "source": f"raise ValueError('{i}' + 'x' * 1900)"} for i in range(1500)]
    path = tmp_path / "conv_layer.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}))
    result = grade(grader, path)
    assert result.score == 100
    assert len(result.load_issues) == bounded.MAX_LOAD_ISSUES + 1
    assert result.load_issues[-1].message_key == "problem.too_many_issues"
    assert len(json_report.dumps(result).encode()) < 300_000


# ------------------------------------------------------------------ 4. a budget for a whole submission

BUDGET_S = 8.0


@pytest.fixture(scope="module")
def tight(assignment):
    with Grader(replace(assignment, budget_s=BUDGET_S), visibilities=ALL, limits=Limits(slot=free_slot(150))) as g:
        yield g


@pytest.mark.parametrize("name, values", [
    ("budget_slow_calls.py", {"SLEEP": 1.5}),
    ("budget_slow_calls.py", {"SLEEP": 4.5}),  # just under the 5 s limit of each call
    ("budget_busy_layer.py", {"SPIN": 1.0}),
])
def test_a_submission_ends_at_its_budget_whatever_each_call_does(tight, tmp_path, name, values):
    result = grade(tight, honest_plus(tmp_path, name, **values))
    assert result.duration_s < BUDGET_S + 5, result.duration_s
    out_of_budget = [t for e in result.exercises for t in e.tests if t.message_key == "not_run.budget"]
    assert out_of_budget and all(t.outcome is Outcome.TIMEOUT for t in out_of_budget)
    assert by_name(result)["integral_kernel"].status is Status.TIMEOUT  # the last exercise never ran
    assert "time budget of 8 s" in out_of_budget[-1].message
    assert "internal grader error" not in result_text(result)
    assert tight.template.alive() and leftovers(tight) == []


def test_the_budget_is_set_per_assignment(assignment):
    assert assignment.budget_s == 60


# ------------------------------------------------------------------ 5. untrusted parsing


def _notebook(tmp_path: Path, variant: str) -> Path:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "source": HONEST.read_text(), "outputs": []}
    notebook = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell]}
    if variant == "malformed_outputs":
        cell["outputs"] = [{"output_type": "stream", "name": 7, "text": ["x"]} for _ in range(30_000)]
    elif variant == "malformed_display_data":
        cell["outputs"] = [{"output_type": "display_data", "data": {"text/plain": 5}, "metadata": []}
                           for _ in range(15_000)]
    elif variant == "malformed_errors":
        cell["outputs"] = [{"output_type": "error", "ename": 1, "evalue": [], "traceback": "x"} for _ in range(20_000)]
    elif variant == "spread_over_cells":
        cell["outputs"] = [{"output_type": "stream", "name": 7, "text": ["x"]} for _ in range(100)]
        notebook["cells"] = [dict(cell, source="pass") for _ in range(249)] + [cell]
    elif variant == "v3_worksheets":
        notebook = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
            {"cell_type": "code", "input": HONEST.read_text(), "language": "python", "metadata": {},
             "outputs": [{"output_type": "pyout", "bogus": i} for i in range(30_000)]}]}]}
    path = tmp_path / f"{variant}.ipynb"
    path.write_text(json.dumps(notebook))
    assert path.stat().st_size < submission.MAX_BYTES
    return path


@pytest.mark.parametrize("variant", ["malformed_outputs", "malformed_display_data", "malformed_errors",
                                     "spread_over_cells", "v3_worksheets"])
def test_a_notebook_slow_to_validate_is_parsed_fast(grader, tmp_path, variant):
    path = _notebook(tmp_path, variant)
    started = time.process_time()
    parsed = submission.load(path, id="x", source=str(path))
    assert time.process_time() - started < 2.0  # the grader's own CPU, outside every sandbox limit
    assert parsed.plan is not None, parsed.problems
    assert grade(grader, path).score == 100


def test_a_notebook_of_too_many_cells_is_refused_fast(grader, tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "1"}
    path = tmp_path / "cells.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell] * 20_000}))
    assert path.stat().st_size < submission.MAX_BYTES
    started = time.process_time()
    result = grade(grader, path)
    assert time.process_time() - started < 3.0
    assert result.score == 0 and [i.kind for i in result.load_issues] == ["corrupt_notebook"]
    assert "20,000 cells" in result.load_issues[0].message


# ------------------------------------------------------------------ 6. tolerances the student controls


@pytest.mark.parametrize("name, score, loses", [
    ("tolerance_annihilators.py", 85, {"derivative_kernel", "laplacian_kernel"}),
    ("tolerance_wide_kernel.py", 90, {"derivative_kernel"}),
])
def test_a_huge_answer_does_not_widen_its_own_tolerance(grader, tmp_path, name, score, loses):
    result = grade(grader, honest_plus(tmp_path, name))
    assert_contained(grader, result, score=score, loses=loses)


# ------------------------------------------------------------------ 7. what the student process says of itself


@pytest.mark.parametrize("name, score, loses", [
    ("lying_probe.py", 85, {"Conv2D"}),
    ("lying_probe_shapes.py", 85, {"Conv2D"}),
    ("matmul_ops_only.py", 90, {"corr2d_matmul"}),
])
def test_points_need_behaviour_checked_outside_the_student_process(grader, tmp_path, name, score, loses):
    result = grade(grader, honest_plus(tmp_path, name))
    assert_contained(grader, result, score=score, loses=loses)


# ------------------------------------------------------------------ smaller: the wire and the terminal


def test_an_absurd_tensor_shape_is_an_invalid_answer(grader, tmp_path):
    result = grade(grader, honest_plus(tmp_path, "absurd_shapes.py"))
    assert_contained(grader, result, score=50, loses={"corr2d", "conv2d_strict", "corr2d_matmul", "kernel_matrix"})
    for name in ("corr2d", "conv2d_strict", "corr2d_matmul"):
        assert "not a valid answer" in by_name(result)[name].message


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_escape_sequences_from_student_output_never_reach_a_terminal(grader, tmp_path):
    result = grade(grader, honest_plus(tmp_path, "escape_sequences.py"))
    assert_contained(grader, result, score=75, loses={"corr2d", "integral_kernel"})
    assert "\x1b" in result.output  # kept as data in the result; written out, it is made visible
    json_text = json_report.dumps(result)
    json_text_unescaped = json.dumps(json.loads(json_text), ensure_ascii=False)  # \u001b escapes undone
    for text in (json_text, json_text_unescaped, written_report(result, tmp_path),
                 terminal.render(result, catalogue("en"), color=False)):
        assert not CONTROL.search(text), CONTROL.search(text)
        assert "\\x1b]0;pwned" in text or "\\\\x1b]0;pwned" in text  # shown, as text


# ------------------------------------------------------------------ where the instructor's checkout is


def host_paths() -> tuple[str, ...]:
    """The checkout (reference/ and the hidden checks are in it) and the venv, every spelling: what no student
    process may learn.  The venv counts wherever it is, unless it is the system's own Python."""
    paths = {str(ROOT), os.path.realpath(ROOT)}
    if sys.prefix != sys.base_prefix and not sys.prefix.startswith("/usr/"):
        paths |= {sys.prefix, os.path.realpath(sys.prefix)}
    return tuple(sorted(paths))


PATH_ATTACKS = {  # attack -> what each must have seen (how much its channel gave), so that its silence means something
    "host_paths_proc.py": ("self/cmdline", "1/cmdline", "self/mountinfo", "1/mountinfo", "maps", "self/exe", "cwd",
                           "environ", "self/cgroup"),
    "host_paths_python.py": ("path", "prefix", "base_prefix", "executable", "orig_argv", "sysconfig_paths", "files",
                             "code_files", "editable", "grader_dist"),
    "host_paths_traceback.py": ("torch", "torch_python", "harness", "wire", "probes", "stack", "sources"),
    "host_paths_files.py": (),
}


@pytest.mark.parametrize("name", sorted(PATH_ATTACKS))
def test_student_code_cannot_learn_where_the_checkout_is(grader, tmp_path, name):
    secrets = host_paths()
    if name != "host_paths_files.py" and not sys.base_prefix.startswith("/usr/"):
        secrets += (os.path.realpath(sys.base_prefix),)  # the instructor's home (a pyenv); its programs still name it
    result = grade(grader, honest_plus(tmp_path, name))
    assert_contained(grader, result, score=80, loses={"corr2d"}, secrets=secrets)
    seen = output_record(result, "HOST-PATHS-SEEN")
    assert all(seen.get(key, 0) > 3 for key in PATH_ATTACKS[name]), seen
    if name == "host_paths_files.py" and sys.prefix != sys.base_prefix:
        assert any(path.endswith("/pyvenv.cfg") for path in seen), seen
        assert any(path.endswith(".pth") for path in seen), seen
    text, report = result_text(result), written_report(result, tmp_path)
    assert "/opt/python" in text and "/opt/python" in report  # what it learnt did reach the result and the report
    for secret in secrets:
        assert secret not in report, f"{secret!r} reached the report"
    if name == "host_paths_proc.py":
        loot = output_record(result, "HOST-PATHS")
        assert loot["cwd"] == "/tmp" and loot["self/exe"].startswith("/opt/python/"), loot["self/exe"]


@pytest.mark.parametrize("name", sorted(PATH_ATTACKS))
def test_the_path_attacks_find_the_checkout_where_it_is_visible(tmp_path, name):
    """Run outside the sandbox, in an interpreter of the checkout's venv, each attack does find the checkout:
    its finding nothing in the sandbox is the sandbox's doing."""
    path = honest_plus(tmp_path, name)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert any(secret in done.stdout for secret in host_paths()), done.stdout[:3000]
