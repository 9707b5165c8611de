"""What a student may see of a result: the hidden checks' verdicts, never their inputs.

One place decides it for every student-facing file (``grade``/``export --for-students``, Moodle
feedback, JUnit, GitHub Classroom, the parts of a Gradescope result visible before publication).
A hidden check keeps its name, outcome, weight and the name of the mistake; its message (which may
quote values), counterexample (inputs, expected value, the student's value) and traceback go.  The
student's printed output goes too when hidden checks ran: their code could have printed the
hidden inputs it was called with.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

from grader.messages import english
from grader.results import ExerciseResult, SubmissionResult, TestResult, Visibility

HIDDEN_FAILED_KEY = "for_students.hidden_failed"
HIDDEN_FAILED = english(HIDDEN_FAILED_KEY)
OUTPUT_WITHHELD = "(printed output withheld: hidden checks ran)"


def _test(test: TestResult) -> TestResult:
    if test.visibility is not Visibility.HIDDEN:
        return test
    if test.passed:
        return replace(test, message="", counterexample=None, traceback="", message_key=None, message_args={})
    return replace(test, message=HIDDEN_FAILED, counterexample=None, traceback="",
                   message_key=HIDDEN_FAILED_KEY, message_args={})


def _exercise(exercise: ExerciseResult) -> ExerciseResult:
    tests = tuple(_test(t) for t in exercise.tests)
    first = next((t for t in exercise.tests if not t.passed), None)
    if first is None or first.visibility is not Visibility.HIDDEN:
        return replace(exercise, tests=tests)
    # The exercise's message is its first failing test's: a hidden one's words go with it.
    return replace(exercise, tests=tests, message=HIDDEN_FAILED, message_key=HIDDEN_FAILED_KEY, message_args={})


def hidden_ran(result: SubmissionResult) -> bool:
    return Visibility.HIDDEN in result.visibilities or any(
        t.visibility is Visibility.HIDDEN for e in result.exercises for t in e.tests)


def redact(result: SubmissionResult) -> SubmissionResult:
    """``result`` as a student may see it (idempotent)."""
    output = result.output
    if hidden_ran(result) and output:
        output = OUTPUT_WITHHELD
    # The file's name only: the instructor's folders are not the student's business.
    return replace(result, exercises=tuple(_exercise(e) for e in result.exercises), output=output,
                   source=PurePath(result.source).name if result.source else "")
