"""GitHub Classroom: the result its autograding reporter totals.

``classroom-resources/autograding-grading-reporter`` reads each runner's step output ``result``, the
base64 of ``{version, status, max_score, tests: [{name, status, score, message, ...}]}``, and adds up
the tests' scores against the runners' ``max_score``.  Written from the student's view of the result.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from grader.exports.graded import test_points
from grader.messages import Catalogue, catalogue
from grader.reports.for_students import redact
from grader.results import SubmissionResult

VERSION = 1
OUTPUT_NAME = "result"


def result(submission: SubmissionResult, assignment, cat: Catalogue | None = None) -> dict[str, Any]:
    """What Classroom's reporter reads: a test per check, its message in ``cat``'s language (English by default)."""
    cat = cat or catalogue("en", assignment)
    seen = redact(submission)
    tests = []
    for exercise in seen.exercises:
        for test, (points, score) in zip(exercise.tests, test_points(exercise)):
            message = "" if test.passed else cat.message(test, exercise.name, not seen.load_issues)[0]
            tests.append({"name": f"{exercise.name}: {test.name}", "status": "pass" if test.passed else "fail",
                          "score": score, "message": message, "test_code": exercise.name,
                          "filename": Path(seen.source).name, "line_no": 0, "duration": 0})
    status = "pass" if seen.score >= seen.max_score else ("error" if seen.load_issues and not seen.score else "fail")
    return {"version": VERSION, "status": status, "max_score": seen.max_score, "tests": tests}


def encoded(data: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(data, ensure_ascii=False).encode("utf-8")).decode("ascii")


def write_output(data: dict[str, Any], environ: dict[str, str] | None = None) -> Path | None:
    """Append ``result=<base64>`` to ``$GITHUB_OUTPUT``; None outside GitHub Actions."""
    target = (environ if environ is not None else os.environ).get("GITHUB_OUTPUT")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"{OUTPUT_NAME}={encoded(data)}\n")
    return Path(target)
