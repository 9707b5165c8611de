"""Running one check with Hypothesis against a student, and turning the outcome into data.

Hypothesis generates inputs in the grader's process and shrinks failures to
a minimal counterexample; the student only ever sees the calls.  Runs are
reproducible: a fixed seed per check and no example database.
"""

from __future__ import annotations

import zlib
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings
from hypothesis import strategies as st

from grader.checks import Abort, Check, Mismatch, StudentRaised
from grader.plain import to_plain
from grader.results import Counterexample, Outcome, TestResult
from grader.student import Student


def _settings(check: Check) -> settings:
    fixed_only = check.given is None and check.examples
    return settings(
        database=None,
        max_examples=check.max_examples,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=(Phase.explicit,) if fixed_only else (Phase.explicit, Phase.generate, Phase.shrink),
        print_blob=False,
    )


def _seed(check: Check) -> int:
    return zlib.crc32(check.id.encode())


def _unwrap(exc: BaseException) -> BaseException:
    """The first of our own failures inside an exception group (Hypothesis's Flaky errors are groups)."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _unwrap(inner)
            if isinstance(found, (Mismatch, StudentRaised, Abort)):
                return found
    return exc


def run_check(check: Check, student: Student) -> TestResult:
    """Run ``check`` to completion; never raises for anything the student did."""
    last_inputs: dict[str, Any] = {}

    def attempt(inputs: dict) -> None:
        last_inputs.clear()
        last_inputs.update(inputs)
        try:
            check.body(student, **inputs)
        except (Mismatch, StudentRaised, Abort) as exc:
            exc.inputs = dict(inputs)
            raise

    strategy = check.given if check.given is not None else st.just({})
    test = given(inputs=strategy)(attempt)
    for case in reversed(check.examples):
        test = example(inputs=case)(test)
    test = hypothesis.seed(_seed(check))(_settings(check)(test))
    try:
        test()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as raised:  # everything the student can cause becomes a result
        return _failure(check, _unwrap(raised), last_inputs, student)
    return TestResult(check.title, Outcome.PASSED, check.visibility, weight=check.weight)


def _diagnose(check: Check, student: Student, inputs: dict, exc: BaseException) -> tuple[str, str] | None:
    """The check's own diagnosis of the minimal counterexample (it may call the student again)."""
    if check.diagnose is None:
        return None
    try:
        return check.diagnose(student, inputs, exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a diagnosis is a bonus: the student breaking it changes nothing
        return None


def _failure(check: Check, exc: BaseException, last_inputs: dict, student: Student) -> TestResult:
    inputs = getattr(exc, "inputs", None) or dict(last_inputs)
    plain_inputs = to_plain(inputs)
    if isinstance(exc, (Mismatch, StudentRaised)):
        found = _diagnose(check, student, inputs, exc)
    if isinstance(exc, Mismatch):
        code, message = exc.diagnosis, exc.message
        if found:
            code, message = found[0], f"{message}: {found[1]}"
        return TestResult(
            check.title, Outcome.FAILED, check.visibility, message,
            Counterexample(plain_inputs, to_plain(exc.expected), to_plain(exc.got)),
            code, weight=check.weight,
        )
    if isinstance(exc, StudentRaised):
        message = f"your code raised {exc.type_name}: {exc.message}"
        return TestResult(
            check.title, Outcome.ERROR, check.visibility, f"{message} ({found[1]})" if found else message,
            Counterexample(plain_inputs), found[0] if found else None, traceback=exc.traceback,
            weight=check.weight,
        )
    if isinstance(exc, Abort):
        counterexample = Counterexample(plain_inputs) if inputs else None
        return TestResult(check.title, Outcome(exc.outcome), check.visibility, exc.message, counterexample,
                          traceback=exc.traceback, weight=check.weight)
    # A bug in the check itself: report it as the grader's, not the student's.
    return TestResult(check.title, Outcome.ERROR, check.visibility,
                      f"internal grader error in this check ({type(exc).__name__}: {exc}); please report it",
                      weight=check.weight)
