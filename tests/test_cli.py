"""The command line as users run it: the installed ``grader`` script in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, grader_command, two_assignment_course

REFERENCE = ROOT / "reference" / "conv_layer.py"
EXERCISES = ["corr2d", "Conv2D", "learn_kernel", "conv2d_strict", "corr2d_matmul", "kernel_matrix",
             "second_derivative_kernel", "laplacian_kernel", "derivative_kernel", "integral_kernel"]
STATUSES = {"passed", "partial", "failed", "not_implemented", "error", "timeout", "forbidden"}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*grader_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_check_prints_a_summary_and_writes_json(tmp_path):
    out = tmp_path / "result.json"
    done = run("check", str(CORPUS / "flipped_kernel.py"), "--json", str(out), "--no-color", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "Score: 80 of 100 points" in done.stdout
    # no default assignment: the one whose names the file defines, said on stderr
    assert "graded as conv-layer: defines corr2d, Conv2D, learn_kernel, conv2d_strict, … (10 of its 10 names)" \
        in done.stderr
    assert "convolution" in done.stdout  # the diagnosis of the first failure
    assert "K =" in done.stdout  # and its counterexample
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["assignment"] == "conv-layer" and data["submission"] == "flipped_kernel"
    assert data["source"] == str(CORPUS / "flipped_kernel.py")
    assert (data["score"], data["max_score"]) == (80, 100)
    assert [e["name"] for e in data["exercises"]] == EXERCISES
    for exercise in data["exercises"]:
        assert exercise["status"] in STATUSES
        assert (exercise["status"] == "passed") == (exercise["score"] == exercise["max_score"])
        for test in exercise["tests"]:
            assert {"name", "passed", "visibility", "message"} <= set(test)
            assert test["visibility"] == "public"  # a student never runs the hidden checks
    failed = next(t for t in data["exercises"][0]["tests"] if not t["passed"])
    assert {"inputs", "expected", "got"} <= set(failed["counterexample"])


def test_grade_writes_a_result_per_submission_and_a_csv(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(REFERENCE, subs / "a.py")
    shutil.copy(ROOT / "student_template" / "conv_layer.ipynb", subs / "a.ipynb")
    shutil.copy(CORPUS / "syntax_error.py", subs / "broken.py")
    out = tmp_path / "out"
    done = run("grade", str(subs), "--out", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "score", "max_score", *EXERCISES]
    scores = {row[0]: row[1] for row in rows[1:]}
    assert scores == {"a-py": "100", "a-ipynb": "0", "broken": "0"}
    for id_ in scores:
        data = json.loads((out / id_ / "result.json").read_text(encoding="utf-8"))
        assert data["submission"] == id_
        assert {t["visibility"] for e in data["exercises"] for t in e["tests"]} == {"public", "hidden"}
    broken = json.loads((out / "broken" / "result.json").read_text(encoding="utf-8"))
    assert "SyntaxError" in broken["load_issues"][0]["message"]


@pytest.mark.parametrize("args, words", [
    (("check", "no/such/file.py"), "does not exist"),
    (("grade", "no/such/dir", "--out", "x"), "does not exist"),
    (("check", str(REFERENCE), "--assignment", "nope"), "no assignment named 'nope'"),
    (("grade", str(REFERENCE)), "--out"),
    (("frobnicate",), "No such command"),
])
def test_usage_errors_exit_with_status_2_and_say_why(args, words):
    done = run(*args)
    assert done.returncode == 2
    assert words in done.stderr


def test_with_two_assignments_installed_check_grades_the_one_the_file_is_for(tmp_path):
    course = two_assignment_course(tmp_path / "course", TINY_SPEC)
    done = run("check", str(CORPUS / "flipped_kernel.py"), "--course", str(course), "--no-color", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "graded as conv-layer: defines corr2d" in done.stderr and "Score: 80 of 100 points" in done.stdout
    empty = tmp_path / "nothing.py"
    empty.write_text("x = 1\n", encoding="utf-8")
    done = run("check", str(empty), "--course", str(course))
    assert done.returncode == 2
    assert "cannot tell which assignment to use" in done.stderr and "pass --assignment NAME" in done.stderr
    assert "conv-layer" in done.stderr and "tiny-sums" in done.stderr
    done = run("check", str(empty), "--course", str(course), "--assignment", "conv-layer", "--no-color")
    assert done.returncode == 0 and "Score: 0 of 100 points" in done.stdout and "graded as" not in done.stderr


TINY_SPEC = """
name = "tiny-sums"
title = "Sums"

[[exercise]]
name = "add"
points = 100
"""


@pytest.mark.slow
def test_a_student_install_checks_with_public_tests_and_refuses_to_grade(student_install, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(student_install / "site")}
    env.pop("GRADER_COURSE", None)
    command = [sys.executable, "-m", "grader.cli"]
    where = subprocess.run([*command[:1], "-c", "import grader; print(grader.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert where.stdout.startswith(str(student_install / "site")), where.stdout
    check = subprocess.run([*command, "check", str(REFERENCE), "--no-color", "--lang", "en", "--html",
                            str(tmp_path / "report.html")], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stderr
    assert "Score: 100 of 100 points" in check.stdout
    assert "100" in (tmp_path / "report.html").read_text(encoding="utf-8")
    graded = subprocess.run([*command, "grade", str(REFERENCE), "--out", str(tmp_path / "out")], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=600)
    assert graded.returncode == 3 and "hidden tests" in graded.stderr
    assert not (tmp_path / "out").exists()
