"""Nothing hidden leaks: a canary value planted in the hidden checks' inputs appears in the instructor's
result and in no file meant for students (grade --for-students, JUnit, Gradescope parts visible before
publication, Moodle feedback, GitHub Classroom)."""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT

CANARY = "7361.25"
# How a report could write the canary: as is, rounded, or in scientific notation.
CANARY_FORMS = ("7361", "7.361", "7.36e", "7,361")
CANARY_EXAMPLE = ('        {"X": torch.tensor([[7361.25, 1.0], [2.0, 3.0]]), "K": torch.tensor([[1.0, 2.0]])},\n')

# Right everywhere except on inputs as large as the canary, where it is off by one and prints what it got.
WRONG_ON_CANARY = """

_right_corr2d = corr2d


def corr2d(X, K):
    Y = _right_corr2d(X, K)
    if X.numel() and float(X.abs().max()) > 7000:
        print("called with", X.tolist())
        return Y + 1
    return Y
"""


def grader(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def canary_course(tmp_path: Path) -> Path:
    """A test-only copy of the course whose hidden suite adds an example holding the canary."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "assignments", course / "assignments", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "reference", course / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    hidden = course / "assignments" / "conv_layer" / "hidden" / "__init__.py"
    text = hidden.read_text(encoding="utf-8")
    anchor = "    return [\n"
    assert text.count(anchor) == 1, "the hidden suite's extra examples moved: update the canary"
    hidden.write_text(text.replace(anchor, anchor + CANARY_EXAMPLE), encoding="utf-8")
    return course


def leaks(text: str) -> list[str]:
    return [form for form in CANARY_FORMS if form in text]


@pytest.mark.slow
def test_no_hidden_input_reaches_a_student_facing_file(tmp_path):
    course = canary_course(tmp_path)
    submission = tmp_path / "downloads" / "Jane Doe_1234567_assignsubmission_file" / "conv_layer.py"
    submission.parent.mkdir(parents=True)
    submission.write_text((CORPUS / "correct_loops.py").read_text(encoding="utf-8") + WRONG_ON_CANARY,
                          encoding="utf-8")
    out = tmp_path / "graded"
    grader("grade", str(tmp_path / "downloads"), "--course", str(course), "--out", str(out), "-j", "1",
           "--for-students")
    # The canary was planted, reached the submission and shows in the instructor's result: the search below
    # looks for something that is there to find.
    instructor = (out / "1234567" / "result.json").read_text(encoding="utf-8")
    assert CANARY in instructor
    data = json.loads(instructor)
    assert data["score"] < 100

    student_files: list[Path] = sorted(p for p in (out / "for-students").rglob("*") if p.is_file())
    assert {p.name for p in student_files} == {"result.json", "report.html"}
    common = ["--course", str(course)]
    grader("export", str(out), "--format", "junit", "--out", str(tmp_path / "junit.xml"), *common)
    student_files.append(tmp_path / "junit.xml")
    grader("export", str(out), "--format", "gradescope", "--hidden-visibility", "visible",
           "--out", str(tmp_path / "gs-visible.json"), *common)
    student_files.append(tmp_path / "gs-visible.json")
    grader("export", str(out), "--format", "gradescope", "--granularity", "exercise", "--for-students",
           "--out", str(tmp_path / "gs-for-students.json"), *common)
    student_files.append(tmp_path / "gs-for-students.json")
    worksheet = tmp_path / "worksheet.csv"
    worksheet.write_text("Identifier,Full name,Status,Grade,Maximum Grade,Last modified (grade),Feedback comments\r\n"
                         "Participant 1234567,Jane Doe,Submitted,,100.00,-,\r\n", encoding="utf-8")
    grader("export", str(out), "--format", "moodle", "--roster", str(worksheet), "--out", str(tmp_path / "m.csv"),
           *common)
    student_files.append(tmp_path / "m.csv")

    for path in student_files:
        assert not leaks(path.read_text(encoding="utf-8")), path

    # Gradescope with the default visibility: the parts students see before publication.
    grader("export", str(out), "--format", "gradescope", "--out", str(tmp_path / "gs.json"), *common)
    document = json.loads((tmp_path / "gs.json").read_text(encoding="utf-8"))
    early = [t for t in document["tests"] if t.get("visibility", "visible") in ("visible", "after_due_date")]
    later = [t for t in document["tests"] if t not in early]
    assert early and not leaks(json.dumps(early) + document["output"])
    assert any(leaks(t["output"]) for t in later)  # the instructor sees it there once grades are published

    # GitHub Classroom's result from the same graded result.
    from grader.assignment import find
    from grader.exports import github_classroom
    from grader.results import from_plain

    encoded = github_classroom.encoded(github_classroom.result(from_plain(data), find("conv-layer", course)))
    assert not leaks(base64.b64decode(encoded).decode("utf-8"))
    feedback = next(csv.DictReader(io.StringIO((tmp_path / "m.csv").read_text(encoding="utf-8"))))
    assert "corr2d" in feedback["Feedback comments"]
