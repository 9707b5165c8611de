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


@dataclass(frozen=True)
class LoadIssue:
    """Something that went wrong while loading the submission (not an exercise)."""

    where: str  # "cell 3", "line 12", "file"
    kind: str  # "syntax_error", "exception", "timeout", "unreadable", ...
    message: str  # English, or the text of the student's own exception (then without a key)
    traceback: str = ""
    message_key: str | None = None  # ``message`` by key, as in TestResult
    message_args: dict[str, Any] = field(default_factory=dict)


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
