"""Running one check with Hypothesis against a student, and turning the outcome into data.

Hypothesis generates inputs in the grader's process and shrinks failures to
a minimal counterexample; the student only ever sees the calls.  Runs are
reproducible: a fixed seed per check and no example database.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings
from hypothesis import strategies as st

from grader.checks import Abort, Check, Mismatch, StudentRaised
from grader.messages import english
from grader.plain import to_plain
from grader.replay import Example, Recorder, Replay, Tape, run_taped
from grader.results import Counterexample, Outcome, TestResult
from grader.seeded import ignore_local_constants
from grader.student import Student


# Calls spent simplifying a failure with the check's own candidates.
SIMPLIFY_CALLS = 150

# A diagnosis code -> the English sentence a message leads with when the diagnosis is certain, else None
# (the engine's catalogue decides: grader.messages.CERTAIN_DIAGNOSES and the assignment's own).
Lead = Callable[[str], str | None]


def _no_lead(code: str) -> str | None:
    return None


ignore_local_constants()  # counterexamples from the seed alone; says so loudly when it cannot (grader.seeded)


def _phases(check: Check) -> tuple[Phase, ...]:
    if check.given is None and check.examples:
        return (Phase.explicit,)
    if check.simplify is not None and not check.shrink:
        # Hypothesis's shrinker spends seconds on grids of floats (its own bookkeeping, not the calls);
        # the check's domain simplifier reaches a smaller grid in a few dozen calls, deterministically.
        return (Phase.explicit, Phase.generate)
    return (Phase.explicit, Phase.generate, Phase.shrink)


def _settings(check: Check) -> settings:
    return settings(
        database=None,
        max_examples=check.max_examples,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=_phases(check),
        print_blob=False,
    )


def _seed(check: Check) -> int:
    return zlib.crc32(check.id.encode())


def replay_settings(check: Check) -> dict[str, Any]:
    """What the runner decides of a check's examples (the rest is in its source and the versions)."""
    return {"seed": _seed(check), "max_examples": check.max_examples, "phases": [p.name for p in _phases(check)],
            "explicit": len(check.examples), "generated": check.given is not None}


def _unwrap(exc: BaseException) -> BaseException:
    """The first of our own failures inside an exception group (Hypothesis's Flaky errors are groups)."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _unwrap(inner)
            if isinstance(found, (Mismatch, StudentRaised, Abort)):
                return found
    return exc


def run_check(check: Check, student: Student, replay: Replay | None = None, *, lead: Lead = _no_lead) -> TestResult:
    """Run ``check`` to completion; never raises for anything the student did.

    ``lead``: the sentence of a certain diagnosis, which the message then starts with (see ``_diagnosed``).

    With ``replay``, a check whose passing examples are recorded runs on them first (``grader.replay``);
    only a submission that does not pass them all gets the full Hypothesis run, which a pass would have
    been identical to.  A check without a record runs in full, and its passing run becomes the record.
    """
    recorder = None
    if replay is not None and check.replay:
        settings = replay_settings(check)
        examples = replay.examples(check, settings)
        if examples is None:
            recorder = Recorder() if replay.records(check, settings) else None
        else:
            replayed = _replay(check, student, examples, lead)
            if replayed is not None:
                return replayed
    result = _run(check, student, recorder, lead)
    if recorder is not None and result.passed:
        replay.keep(check, settings, recorder)
    return result


def _passed(check: Check) -> TestResult:
    return TestResult(check.title, Outcome.PASSED, check.visibility, weight=check.weight)


def _replay(check: Check, student: Student, examples: list[Example], lead: Lead = _no_lead) -> TestResult | None:
    """The result of running ``check`` on its recorded examples, or None when it must run in full.

    The examples are those the full run draws, in its order, so up to the first one that does not pass the
    student sees the very calls the full run makes.  An ``Abort`` ends the full run at once on that example,
    without shrinking: its result is the replay's.  A mismatch or an exception needs the search and the
    shrinking: what the replay changed in the student's record (timeouts, printed output) is undone first.
    """
    mark = student.mark() if student is not None else None
    for example in examples:
        inputs = example.fresh_inputs()
        try:
            run_taped(Tape(example.calls), check.body, student, **inputs)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Abort as exc:
            exc.inputs = dict(inputs)
            return _failure(check, exc, inputs, student, lead)
        except BaseException:
            if student is not None:
                student.rewind(mark)
            return None
    return _passed(check)


def _run(check: Check, student: Student, recorder: Recorder | None, lead: Lead = _no_lead) -> TestResult:
    """The full Hypothesis run: search, shrinking, simplification and diagnosis."""
    last_inputs: dict[str, Any] = {}

    def attempt(inputs: dict) -> None:
        last_inputs.clear()
        last_inputs.update(inputs)
        try:
            if recorder is None:
                check.body(student, **inputs)
            else:
                run_taped(recorder.start(inputs), check.body, student, **inputs)
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
        failure = _unwrap(raised)
        if isinstance(failure, (Mismatch, StudentRaised)) and check.simplify is not None:
            failure = _simplify(check, student, failure)
        return _failure(check, failure, last_inputs, student, lead)
    return _passed(check)


def _same_failure(a: BaseException, b: BaseException) -> bool:
    if isinstance(a, Mismatch) and isinstance(b, Mismatch):
        return a.diagnosis == b.diagnosis  # the explanation must stay true of the simpler input
    if isinstance(a, StudentRaised) and isinstance(b, StudentRaised):
        return a.type_name == b.type_name
    return False


def _simplify(check: Check, student: Student, failure: BaseException) -> BaseException:
    """Greedy, deterministic simplification of the failing input with the check's own candidates.

    Hypothesis shrinks choice sequences; a smaller grid or a zeroed entry is often out of its
    reach within a budget, and it is exactly what makes a counterexample readable.
    """
    calls = 0
    improved = True
    while improved and calls < SIMPLIFY_CALLS:
        improved = False
        for candidate in check.simplify(failure.inputs):
            calls += 1
            if calls > SIMPLIFY_CALLS:
                break
            try:
                check.body(student, **candidate)
            except (Mismatch, StudentRaised) as exc:
                if _same_failure(failure, exc):
                    exc.inputs = candidate
                    failure, improved = exc, True
                    break
            except Abort:
                break  # a timeout or crash on the simpler input: keep what we have
    return failure


def _diagnose(check: Check, student: Student, inputs: dict, exc: BaseException) -> tuple | None:
    """The check's own diagnosis of the minimal counterexample (it may call the student again)."""
    if check.diagnose is None:
        return None
    try:
        return check.diagnose(student, inputs, exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a diagnosis is a bonus: the student breaking it changes nothing
        return None


def _telling(found: tuple | None) -> Counterexample | None:
    """The input a diagnosis was proven on, when it gives one: ``(code, sentence, {"inputs", "expected", "got"})``."""
    if not found or len(found) < 3 or not found[2]:
        return None
    shown = found[2]
    return Counterexample(to_plain(shown.get("inputs") or {}), to_plain(shown.get("expected")),
                          to_plain(shown.get("got"), compared_with=shown.get("expected")))


def _diagnosed(symptom: str, found: tuple, lead: Lead, *, aside: bool = False) -> str:
    """The English message of a failure the check's ``diagnose`` explained (``found``: code, sentence, ...).

    A certain diagnosis comes first, then what the check saw: the symptom it causes may point elsewhere (a
    global kernel of another size looks like an off-by-one shape).  Otherwise the symptom comes first and the
    diagnosis's sentence follows it, after a colon or, for an exception's message (``aside``), in brackets.
    """
    leading = lead(found[0])
    if leading:
        return f"{leading} {english('report.seen')}: {symptom}"
    return f"{symptom} ({found[1]})" if aside else f"{symptom}: {found[1]}"


def _failure(check: Check, exc: BaseException, last_inputs: dict, student: Student, lead: Lead = _no_lead
             ) -> TestResult:
    inputs = getattr(exc, "inputs", None) or dict(last_inputs)
    plain_inputs = to_plain(inputs)
    found = None
    if isinstance(exc, StudentRaised) or (isinstance(exc, Mismatch) and (exc.diagnosis is None or exc.tentative)):
        found = _diagnose(check, student, inputs, exc)  # only where the comparison could not name it for sure
    if isinstance(exc, Mismatch):
        code, message = exc.diagnosis, exc.message
        if found:
            code, message = found[0], _diagnosed(message, found, lead)
        return TestResult(
            check.title, Outcome.FAILED, check.visibility, message,
            Counterexample(plain_inputs, to_plain(exc.expected), to_plain(exc.got, compared_with=exc.expected),
                           _telling(found)),
            code, weight=check.weight, message_key=exc.message_key, message_args=exc.message_args,
        )
    if isinstance(exc, StudentRaised):
        args = {"type": exc.type_name, "message": exc.message}
        message = english("student_raised", **args)
        if found:
            message = _diagnosed(message, found, lead, aside=True)
        return TestResult(
            check.title, Outcome.ERROR, check.visibility, message,
            Counterexample(plain_inputs, telling=_telling(found)), found[0] if found else None, traceback=exc.traceback,
            weight=check.weight, message_key="student_raised", message_args=args,
        )
    if isinstance(exc, Abort):
        counterexample = Counterexample(plain_inputs) if inputs else None
        return TestResult(check.title, Outcome(exc.outcome), check.visibility, exc.message, counterexample,
                          traceback=exc.traceback, weight=check.weight, message_key=exc.message_key,
                          message_args=exc.message_args)
    # A bug in the check itself: report it as the grader's, not the student's.
    error = f"{type(exc).__name__}: {exc}"
    return TestResult(check.title, Outcome.ERROR, check.visibility, english("internal_error", error=error),
                      weight=check.weight, message_key="internal_error", message_args={"error": error})
