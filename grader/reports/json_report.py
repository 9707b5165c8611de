"""``result.json``: a submission's result as JSON (the shape other tools consume)."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import Any

from grader.results import ExerciseResult, LoadIssue, SubmissionResult, TestResult

SCHEMA_VERSION = 1


def _test(test: TestResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": test.name,
        "passed": test.passed,
        "outcome": test.outcome.value,
        "visibility": test.visibility.value,
        "message": test.message,
        "weight": test.weight,
    }
    if test.diagnosis:
        data["diagnosis"] = test.diagnosis
    _keyed(data, test)
    if test.counterexample is not None:
        data["counterexample"] = asdict(test.counterexample)
    if test.traceback:
        data["traceback"] = test.traceback
    return data


def _keyed(data: dict[str, Any], result: TestResult | ExerciseResult | LoadIssue) -> dict[str, Any]:
    if result.message_key:  # the message by key, for reports in other languages (grader.messages)
        data["message_key"] = result.message_key
        data["message_args"] = result.message_args
    return data


def _exercise(exercise: ExerciseResult) -> dict[str, Any]:
    data = _keyed({
        "name": exercise.name,
        "score": exercise.score,
        "max_score": exercise.max_score,
        "status": exercise.status.value,
        "message": exercise.message,
        "duration_s": exercise.duration_s,
    }, exercise)
    data["tests"] = [_test(t) for t in exercise.tests]
    return data


def _load_issue(issue: LoadIssue) -> dict[str, Any]:
    return _keyed({"where": issue.where, "kind": issue.kind, "message": issue.message,
                   "traceback": issue.traceback}, issue)


def to_dict(result: SubmissionResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "assignment": result.assignment,
        "submission": result.submission,
        "source": result.source,
        "score": result.score,
        "max_score": result.max_score,
        "visibility": [v.value for v in result.visibilities],
        "exercises": [_exercise(e) for e in result.exercises],
        "load_issues": [_load_issue(i) for i in result.load_issues],
        "output": result.output,
        "isolation": result.isolation,
        "duration_s": result.duration_s,
    }


def _default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def dumps(result: SubmissionResult) -> str:
    return json.dumps(to_dict(result), ensure_ascii=False, indent=2, default=_default, allow_nan=False)


def write(result: SubmissionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(result) + "\n", encoding="utf-8")
    tmp.replace(path)  # never a half-written result after a crash
