"""The result model: what grading found, as frozen plain data.

Nothing here knows how a result is shown; each output format lives in
``grader.reports`` and renders these objects.  Every value reachable from a
result is JSON-compatible data (str, int, float, bool, None, lists, dicts),
so results can cross process boundaries and be written without surprises.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(str, enum.Enum):
    """How an exercise ended.  ``PASSED`` exactly when it has full points."""

    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not_implemented"
    ERROR = "error"
    TIMEOUT = "timeout"
    FORBIDDEN = "forbidden"


class Outcome(str, enum.Enum):
    """How one test ended."""

    PASSED = "passed"
    FAILED = "failed"  # wrong answer
    ERROR = "error"  # student code raised
    TIMEOUT = "timeout"
    NOT_IMPLEMENTED = "not_implemented"
    FORBIDDEN = "forbidden"


class Visibility(str, enum.Enum):
    PUBLIC = "public"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class Counterexample:
    """The minimal failing input of a property and what it led to.

    ``inputs`` maps argument names to plain data; tensors are encoded as
    ``{"tensor": {"dtype", "shape", "values"}}`` (see ``grader.plain``).
    ``expected`` or ``got`` is None when it does not apply (the call raised).
    """

    inputs: dict[str, Any]
    expected: Any = None
    got: Any = None
    # The input a certain diagnosis was proven on (say, a larger X and another K: the same answer), with the
    # right answer and the student's: reports draw it instead of a shrunk input whose symptom may mislead.
    telling: Counterexample | None = None


@dataclass(frozen=True)
class TestResult:
    name: str
    outcome: Outcome
    visibility: Visibility
    message: str = ""
    counterexample: Counterexample | None = None
    diagnosis: str | None = None  # a mistake code from grader.diagnosis, e.g. "sign_flipped"
    traceback: str = ""  # the student's traceback, trimmed to their code
    weight: float = 1.0
    # The message by key, for reports in other languages (see grader.messages); ``message`` stays English.
    # Arguments are plain data; an argument may itself be a phrase {"key", "args", "en"}.
    message_key: str | None = None
    message_args: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclass(frozen=True)
class ExerciseResult:
    name: str
    score: float
    max_score: float
    status: Status
    tests: tuple[TestResult, ...] = ()
    message: str = ""  # the first failing test's message, or why the exercise did not run (English)
    duration_s: float = 0.0
    message_key: str | None = None  # ``message`` by key, as in TestResult
    message_args: dict[str, Any] = field(default_factory=dict)


# Load issues that only say what intake decided (which file it graded), not that something went wrong.
NOTE_KINDS = ("chosen_file", "latest_attempt", "unrecognised_name")


@dataclass(frozen=True)
class LoadIssue:
    """Something that went wrong while loading the submission (not an exercise), or a note (``NOTE_KINDS``)."""

    where: str  # "cell 3", "line 12", "file"
    kind: str  # "syntax_error", "exception", "timeout", "unreadable", ...
    message: str  # English, or the text of the student's own exception (then without a key)
    traceback: str = ""
    message_key: str | None = None  # ``message`` by key, as in TestResult
    message_args: dict[str, Any] = field(default_factory=dict)

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS


@dataclass(frozen=True)
class Person:
    """A student as the LMS download names them; empty strings where it does not say."""

    id: str = ""  # Canvas user id, Moodle participant id, Gradescope's sid (the institution's id)
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class Identity:
    """Who handed a submission in, as the download said: what exports map grades back by.

    Apart from the submission's folder key under ``--out`` (``SubmissionResult.submission``), which
    may carry suffixes to stay distinct.
    """

    system: str = "files"  # "files" (paths given), "plain" (a plain zip), "canvas", "moodle", "gradescope"
    students: tuple[Person, ...] = ()  # several for a group submission
    late: bool = False  # the download marked it late (Canvas LATE, or after Gradescope's due date)
    submission_id: str = ""  # Canvas attachment id, Gradescope submission id
    submitted_at: str = ""  # ISO-8601, when the download says
    entry: str = ""  # the entry or path in the download it came from
    anonymous: bool = False

    @property
    def student_id(self) -> str:
        return self.students[0].id if self.students else ""


@dataclass(frozen=True)
class SubmissionResult:
    assignment: str
    submission: str
    source: str
    score: float
    max_score: float
    exercises: tuple[ExerciseResult, ...]
    load_issues: tuple[LoadIssue, ...] = ()
    output: str = ""  # what the student's code printed while loading, truncated
    isolation: dict[str, Any] = field(default_factory=dict)  # which sandbox layers were on
    duration_s: float = 0.0
    visibilities: tuple[Visibility, ...] = (Visibility.PUBLIC,)
    identity: Identity = Identity()
    # Where the verdict came from: grader, torch and Hypothesis versions, the assignment's fingerprint.
    provenance: dict[str, Any] = field(default_factory=dict)


def exercise_status(score: float, max_score: float, outcomes: list[Outcome]) -> Status:
    """The status of an exercise from its score and the outcomes of its tests."""
    if Outcome.FORBIDDEN in outcomes:
        return Status.FORBIDDEN
    if max_score > 0 and score >= max_score:
        return Status.PASSED
    if score > 0:
        return Status.PARTIAL
    for outcome, status in (
        (Outcome.NOT_IMPLEMENTED, Status.NOT_IMPLEMENTED),
        (Outcome.TIMEOUT, Status.TIMEOUT),
        (Outcome.ERROR, Status.ERROR),
    ):
        if outcome in outcomes:
            return status
    return Status.FAILED


# ------------------------------------------------------------- plain data
#
# The one plain shape of a result: ``result.json`` is it, and the gradebook stores it.  ``from_plain``
# inverts ``to_plain`` exactly, so a result read back renders the same JSON, reports and rows.

SCHEMA_VERSION = 2  # 2: identity and provenance


def _keyed(data: dict[str, Any], item: TestResult | ExerciseResult | LoadIssue) -> dict[str, Any]:
    if item.message_key:  # the message by key, for reports in other languages (grader.messages)
        data["message_key"] = item.message_key
        data["message_args"] = item.message_args
    return data


def _test_plain(test: TestResult) -> dict[str, Any]:
    data: dict[str, Any] = {"name": test.name, "passed": test.passed, "outcome": test.outcome.value,
                            "visibility": test.visibility.value, "message": test.message, "weight": test.weight}
    if test.diagnosis:
        data["diagnosis"] = test.diagnosis
    _keyed(data, test)
    if test.counterexample is not None:
        c = test.counterexample
        data["counterexample"] = {"inputs": c.inputs, "expected": c.expected, "got": c.got}
        if c.telling is not None:
            t = c.telling
            data["counterexample"]["telling"] = {"inputs": t.inputs, "expected": t.expected, "got": t.got}
    if test.traceback:
        data["traceback"] = test.traceback
    return data


def _exercise_plain(exercise: ExerciseResult) -> dict[str, Any]:
    data = _keyed({"name": exercise.name, "score": exercise.score, "max_score": exercise.max_score,
                   "status": exercise.status.value, "message": exercise.message,
                   "duration_s": exercise.duration_s}, exercise)
    data["tests"] = [_test_plain(t) for t in exercise.tests]
    return data


def _identity_plain(identity: Identity) -> dict[str, Any]:
    return {"system": identity.system,
            "students": [{"id": p.id, "name": p.name, "email": p.email} for p in identity.students],
            "late": identity.late, "submission_id": identity.submission_id, "submitted_at": identity.submitted_at,
            "entry": identity.entry, "anonymous": identity.anonymous}


def to_plain(result: SubmissionResult) -> dict[str, Any]:
    """The result as JSON-compatible data (the shape of ``result.json``)."""
    return {
        "schema": SCHEMA_VERSION,
        "assignment": result.assignment,
        "submission": result.submission,
        "source": result.source,
        "identity": _identity_plain(result.identity),
        "score": result.score,
        "max_score": result.max_score,
        "visibility": [v.value for v in result.visibilities],
        "exercises": [_exercise_plain(e) for e in result.exercises],
        "load_issues": [_keyed({"where": i.where, "kind": i.kind, "message": i.message,
                                "traceback": i.traceback}, i) for i in result.load_issues],
        "output": result.output,
        "isolation": result.isolation,
        "duration_s": result.duration_s,
        "provenance": result.provenance,
    }


def _counterexample_from(c: dict[str, Any] | None) -> Counterexample | None:
    if c is None:
        return None
    return Counterexample(c["inputs"], c.get("expected"), c.get("got"), _counterexample_from(c.get("telling")))


def _test_from(data: dict[str, Any]) -> TestResult:
    return TestResult(
        name=data["name"], outcome=Outcome(data["outcome"]), visibility=Visibility(data["visibility"]),
        message=data.get("message", ""),
        counterexample=_counterexample_from(data.get("counterexample")),
        diagnosis=data.get("diagnosis"), traceback=data.get("traceback", ""), weight=data.get("weight", 1.0),
        message_key=data.get("message_key"), message_args=data.get("message_args", {}))


def _exercise_from(data: dict[str, Any]) -> ExerciseResult:
    return ExerciseResult(
        name=data["name"], score=data["score"], max_score=data["max_score"], status=Status(data["status"]),
        tests=tuple(_test_from(t) for t in data.get("tests", [])), message=data.get("message", ""),
        duration_s=data.get("duration_s", 0.0), message_key=data.get("message_key"),
        message_args=data.get("message_args", {}))


def _identity_from(data: dict[str, Any] | None) -> Identity:
    if not data:
        return Identity()
    return Identity(system=data.get("system", "files"),
                    students=tuple(Person(p.get("id", ""), p.get("name", ""), p.get("email", ""))
                                   for p in data.get("students", [])),
                    late=bool(data.get("late", False)), submission_id=data.get("submission_id", ""),
                    submitted_at=data.get("submitted_at", ""), entry=data.get("entry", ""),
                    anonymous=bool(data.get("anonymous", False)))


class ResultFormatError(ValueError):
    """Plain data that is not a result this grader can read (a newer schema, a missing field)."""


def from_plain(data: dict[str, Any]) -> SubmissionResult:
    """The result ``to_plain`` made ``data`` from; raises ``ResultFormatError`` for anything else."""
    schema = data.get("schema") if isinstance(data, dict) else None
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise ResultFormatError(f"result schema {schema!r} is not one this grader reads (up to {SCHEMA_VERSION}): "
                                "written by a newer grader?")
    try:
        return SubmissionResult(
            assignment=data["assignment"], submission=data["submission"], source=data["source"],
            score=data["score"], max_score=data["max_score"],
            exercises=tuple(_exercise_from(e) for e in data["exercises"]),
            load_issues=tuple(LoadIssue(i["where"], i["kind"], i["message"], i.get("traceback", ""),
                                        i.get("message_key"), i.get("message_args", {}))
                              for i in data.get("load_issues", [])),
            output=data.get("output", ""), isolation=data.get("isolation", {}),
            duration_s=data.get("duration_s", 0.0),
            visibilities=tuple(Visibility(v) for v in data.get("visibility", ["public"])),
            identity=_identity_from(data.get("identity")), provenance=data.get("provenance", {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultFormatError(f"not a valid result: {type(exc).__name__}: {exc}") from None
