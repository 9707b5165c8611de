"""The grading engine: submissions in, ``SubmissionResult`` out.

One ``Grader`` owns a warm template for one assignment and grades
submissions one after another, each in its own student process.
``grade_batch`` runs several graders in parallel.  Nothing a submission does
raises out of here: every problem becomes part of its result.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader import intake, policy, submission
from grader.assignment import Assignment, Exercise, versions
from grader.bounded import MAX_LOAD_ISSUES
from grader.budget import Budget
from grader.checks import Check, plain_args
from grader.messages import Catalogue, catalogue, english, place
from grader.results import (
    ExerciseResult,
    Identity,
    LoadIssue,
    Outcome,
    Status,
    SubmissionResult,
    TestResult,
    Visibility,
    exercise_status,
)
from grader.replay import Replay, default_dir
from grader.runner import run_check
from grader.sandbox import confine, slots
from grader.sandbox.workers import Limits, SandboxError, Session, template_for
from grader.student import Student

MAX_TIMEOUTS_PER_EXERCISE = 2
PUBLIC = (Visibility.PUBLIC,)
ALL = (Visibility.PUBLIC, Visibility.HIDDEN)
# Sandbox layers to treat as unavailable, comma-separated: how tests (and a wary instructor) see what
# ``grader grade`` does on a weaker machine.  Read here, on the grader's side, never by student code.
DISABLE_LAYERS_ENV = "GRADER_DISABLE_LAYERS"
# "fork" or "spawn" instead of what the system supports (``Limits.process_model``): how an instructor on
# Linux sees what a student on Windows or macOS gets, and how the benchmark measures it.
PROCESS_MODEL_ENV = "GRADER_PROCESS_MODEL"


def with_env_settings(limits: Limits) -> Limits:
    """``limits`` plus what ``GRADER_DISABLE_LAYERS`` and ``GRADER_PROCESS_MODEL`` say (read by the entry points only)."""
    try:
        names = confine.check_layer_names(os.environ.get(DISABLE_LAYERS_ENV, "").replace(" ", "").split(","))
    except ValueError as exc:
        raise SandboxError(f"{DISABLE_LAYERS_ENV}: {exc}") from None
    model = os.environ.get(PROCESS_MODEL_ENV, "").strip() or limits.process_model
    if model not in ("auto", "fork", "spawn"):
        raise SandboxError(f"{PROCESS_MODEL_ENV}: unknown process model {model!r} (known: auto, fork, spawn)")
    return replace(limits, disabled_layers=tuple(dict.fromkeys(limits.disabled_layers + names)), process_model=model)


@dataclass(frozen=True)
class Job:
    """A submission to grade: its file (or folder), the id it is graded under, and who handed it in."""

    path: Path | None  # None when intake found nothing to grade: ``issues`` say why
    id: str  # its folder under --out
    source: str
    identity: Identity = Identity()
    issues: tuple[LoadIssue, ...] = ()  # what intake found: the file it chose, entries it could not extract


@contextmanager
def jobs_for(paths: list[Path], *, assignment: Assignment, lms: str | None = None) -> Iterator[list[Job]]:
    """The submissions in ``paths`` (files, folders, LMS archives) as jobs with distinct ids.

    Archives stay extracted, in a private folder, until the block ends.
    """
    with intake.opened(paths, lms=lms) as found:
        yield jobs_from(found, assignment=assignment)


def jobs_from(found: list[intake.Found], *, assignment: Assignment) -> list[Job]:
    """What intake found (``intake.opened``) as jobs of ``assignment``, each with the file chosen for it."""
    chosen = intake.chosen(found, expected_stem=assignment.expected_stem, names=[e.name for e in assignment.exercises])
    return [Job(c.path, c.key, c.source, c.identity, tuple(_issue(p) for p in c.problems)) for c in chosen]


def _issue(problem: submission.Problem) -> LoadIssue:
    return LoadIssue(problem.where, problem.kind, problem.message, message_key=problem.message_key,
                     message_args=problem.message_args)


class Grader:
    """Grades submissions of one assignment, reusing one warm template process."""

    def __init__(self, assignment: Assignment, *, visibilities: tuple[Visibility, ...] = PUBLIC,
                 limits: Limits = Limits(), one_submission: bool = False, replay_dir: Path | None | bool = True):
        self.assignment, self.visibilities, self.limits = assignment, visibilities, limits
        # A template for one submission skips warming up what only some submissions use (torch.optim).
        self.template = template_for(limits, assignment.probe_files, d2l=assignment.d2l,
                                     warm_everything=not one_submission)
        self.checks: dict[str, list[Check]] = {}
        self.english: Catalogue | None = None  # the assignment's English sentences, once its package is importable
        self.slot: slots.Slot | None = None
        # Where every verdict of this grader comes from (the fingerprint of the files this process reads).
        self.provenance = {"fingerprint": assignment.fingerprint(), **versions()}
        # Passing examples drawn once, replayed for every submission (grader.replay); True: the default folder.
        folder = default_dir() if replay_dir is True else replay_dir or None
        self.replay = Replay(Path(folder), self.provenance) if folder else None

    def __enter__(self) -> "Grader":
        # Our own sandbox uid for as long as this grader runs (see grader.sandbox.slots).
        try:
            self.slot = slots.claim(self.limits.slot)
        except (slots.SlotUnavailable, OSError) as exc:
            raise SandboxError(str(exc)) from None
        self.limits = replace(self.limits, slot=self.slot.number)
        try:
            # The template warms up torch in its own process while this one imports the checks.
            self.template.launch()
            import torch

            # Oracles run on tiny tensors: a thread pool costs ~8 ms per op here instead of ~15 us.
            torch.set_num_threads(1)
            # The first backward through a broadcast loads torch's symbolic shapes (and sympy): now,
            # while the template warms up, rather than in the middle of the first check.
            x, b = torch.ones(2, 2, requires_grad=True), torch.zeros(1, requires_grad=True)
            torch.autograd.grad((x + b).sum(), [x, b])
            checks = self.assignment.checks(self.visibilities)
            self.checks = {e.name: [c for c in checks if c.exercise == e.name] for e in self.assignment.exercises}
            self.english = catalogue("en", self.assignment)
            self.template.wait_ready()
            if self.limits.strict and self.limits.sandbox:
                self.template.require(confine.LAYERS)  # refuse before any student code runs
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.template.close()
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    def grade(self, job: Job) -> SubmissionResult:
        """Grade one submission; whatever it does, and whatever goes wrong in a check, ends in its result."""
        started = time.monotonic()
        try:
            return self._grade(job, started)
        except SandboxError:
            raise  # the machine, not this submission: the next one would fail the same way
        except Exception as exc:  # a bug of ours must cost one submission, not the batch
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
            exercises = [self._not_run(e, Status.ERROR, "not_run.grader_error", {"error": error})
                         for e in self.assignment.exercises]
            issue = LoadIssue("grader", "internal_error", english("not_run.grader_error", error=error),
                              traceback.format_exc()[-4000:], message_key="not_run.grader_error",
                              message_args={"error": error})
            return self._result(job, exercises, [issue], "", started)

    def _grade(self, job: Job, started: float) -> SubmissionResult:
        issues, path, root = list(job.issues), job.path, None
        if path is not None and path.is_dir():  # a folder given as is (``grader check``): choose its file here
            choice = intake.choose(intake.candidates(path), expected_stem=self.assignment.expected_stem,
                                   names=[e.name for e in self.assignment.exercises])
            issues += [_issue(p) for p in (choice.note, choice.problem) if p]
            path, root = (choice.file.path if choice.file else None), job.path
        if path is None:
            sub = submission.Submission(job.id, job.source, None)
        else:
            sub = submission.load(path, id=job.id, source=job.source, root=root)
            issues += [_issue(p) for p in sub.problems]
        if sub.plan is None:
            first = next((i for i in issues if not i.is_note), None) or LoadIssue(
                "file", "no_code", english("problem.nothing_to_grade"), message_key="problem.nothing_to_grade")
            issues = issues if first in issues else issues + [first]
            exercises = [self._not_run(e, Status.ERROR, first.message_key, first.message_args, first.message)
                         for e in self.assignment.exercises]
            return self._result(job, exercises, issues, "", started)
        session = Session(self.template, sub.plan, self.limits)
        try:
            report = session.start()
            issues += _load_issues(report)
            student = Student(session, report.names, Budget(self.assignment.budget_s, started),
                              probes=self.assignment.probes)
            exercises = [self._exercise(e, student, sub, issues) for e in self.assignment.exercises]
        finally:
            session.close()
        output = session.output_text()  # complete only once the process is gone (a spawned one's arrives on a thread)
        return self._result(job, exercises, issues, output, started, session.isolation)

    def _result(self, job: Job, exercises: list[ExerciseResult], issues: list[LoadIssue], output: str,
                started: float, isolation: dict[str, bool] | None = None) -> SubmissionResult:
        return SubmissionResult(
            assignment=self.assignment.name,
            submission=job.id,
            source=job.source,
            score=round(sum(e.score for e in exercises), 2),
            max_score=self.assignment.max_score,
            exercises=tuple(exercises),
            load_issues=tuple(issues),
            output=output,
            identity=job.identity,
            # The layers the student process reported it applied; nothing ran when no session started.
            isolation=dict(isolation) if isolation else dict(self.template.layers),
            duration_s=round(time.monotonic() - started, 3),
            visibilities=self.visibilities,
            provenance=dict(self.provenance),
        )

    def _not_run(self, exercise: Exercise, status: Status, message_key: str | None,
                 message_args: dict[str, Any] | None = None, message: str | None = None) -> ExerciseResult:
        """Every check of ``exercise`` ends with the sentence ``message_key``, its English ``message`` rendered
        from the catalogue (given only for a message without a key: the text of a student's exception)."""
        if message is None:
            message = english(message_key, **(message_args or {}))
        outcome = Outcome(status.value) if status.value in Outcome._value2member_map_ else Outcome.ERROR
        keyed = {"message_key": message_key, "message_args": plain_args(message_args)}
        tests = tuple(TestResult(c.title, outcome, c.visibility, message, weight=c.weight, **keyed)
                      for c in self.checks[exercise.name])
        return ExerciseResult(exercise.name, 0.0, exercise.points, status, tests, message, **keyed)

    def _exercise(self, exercise: Exercise, student: Student, sub: submission.Submission,
                  issues: list[LoadIssue]) -> ExerciseResult:
        started = time.monotonic()
        if exercise.name not in student.names:
            fatal = [i for i in issues if i.kind in ("exception", "syntax_error", "timeout", "died", "crashed")]
            cells = sub.plan["kind"] == "cells"
            if cells:  # loading went on past a cell that failed: only a cell that defines the name explains it
                defining = submission.cells_defining(sub.plan, exercise.name)
                fatal = [i for i in fatal if i.kind == "crashed" or i.where in defining]
            if fatal:
                where = fatal[0]
                detail = where.message.splitlines()[0] if where.message else where.kind
                # The issue's own sentence when it has one (a timeout); else the student's exception, as raised.
                keyed_detail = ({"key": where.message_key, "args": where.message_args, "en": detail}
                                if where.message_key and "\n" not in where.message else detail)
                args = {"name": exercise.name, "where": place(where.where), "detail": keyed_detail}
                if cells and where.kind != "crashed":
                    return self._not_run(exercise, Status.ERROR, "not_run.cell_failed", args)
                return self._not_run(exercise, Status.ERROR, "not_run.load_stopped", args)
            return self._not_run(exercise, Status.NOT_IMPLEMENTED, "not_run.not_defined", {"name": exercise.name})
        if exercise.policy is not None:
            used = policy.violations(sub.trees, exercise.name, exercise.policy)
            if used:
                return self._not_run(exercise, Status.FORBIDDEN, "not_run.forbidden",
                                     {"policy": exercise.policy.phrase, "found": used[:3]})
        student.exercise = exercise
        tests = []
        for check in self.checks[exercise.name]:
            if student.budget is not None and student.budget.spent:
                tests.append(TestResult(check.title, Outcome.TIMEOUT, check.visibility,
                                        english("not_run.budget", **student.budget.args), weight=check.weight,
                                        message_key="not_run.budget", message_args=student.budget.args))
                continue
            if student.timeouts[exercise.name] >= MAX_TIMEOUTS_PER_EXERCISE:
                # Each timeout costs the full time limit; two say enough about this exercise.
                tests.append(TestResult(check.title, Outcome.TIMEOUT, check.visibility,
                                        english("not_run.after_timeouts"), weight=check.weight,
                                        message_key="not_run.after_timeouts"))
                continue
            tests.append(run_check(check, student, self.replay, lead=lambda code: self._lead(code, exercise.name)))
        return score_exercise(exercise, tuple(tests), time.monotonic() - started)

    def _lead(self, code: str, exercise: str) -> str | None:
        """The sentence of a certain diagnosis, which a stored message starts with as the reports do; else None."""
        if self.english is None or not self.english.leads(code):
            return None
        found = self.english.diagnosis(code, exercise)
        return found[0] if found else None


def score_exercise(exercise: Exercise, tests: tuple[TestResult, ...], duration_s: float = 0.0) -> ExerciseResult:
    """Points in proportion to the weight of the passed checks; a forbidden operation forfeits them all."""
    outcomes = [t.outcome for t in tests]
    total = sum(t.weight for t in tests)
    if Outcome.FORBIDDEN in outcomes or total == 0:
        score = 0.0
    else:
        score = round(exercise.points * sum(t.weight for t in tests if t.passed) / total, 2)
    status = exercise_status(score, exercise.points, outcomes)
    first = next((t for t in tests if not t.passed), None)
    if first is None:
        return ExerciseResult(exercise.name, score, exercise.points, status, tests, "", round(duration_s, 3))
    return ExerciseResult(exercise.name, score, exercise.points, status, tests, first.message, round(duration_s, 3),
                          first.message_key, first.message_args)


def _load_issues(report) -> list[LoadIssue]:
    issues = []
    for unit in report.units:
        status = unit.get("status")
        if status in ("ok", None):
            continue
        error = unit.get("error") or {}
        label = str(unit.get("label", "?"))[:40]
        key, args = None, {}  # the student's own exception stays as raised
        if status == "timeout":
            key, args = "problem.load_timeout", {"where": place(label)}
        elif status == "died":
            key, args = "problem.load_died", {"where": place(label)}
        elif status == "crashed":
            key, args = "problem.load_crashed", {"error": str(error.get("type", "Error"))}
        message = english(key, **args) if key else f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()
        issues.append(LoadIssue(label, str(status), message[:2000], str(error.get("traceback", ""))[:4000],
                                message_key=key, message_args=args))
    if len(issues) > MAX_LOAD_ISSUES:  # a notebook of 2,000 raising cells: a bounded result all the same
        more = len(issues) - MAX_LOAD_ISSUES
        issues = issues[:MAX_LOAD_ISSUES] + [LoadIssue("file", "exception", english("problem.too_many_issues", n=more),
                                                       message_key="problem.too_many_issues",
                                                       message_args={"n": more})]
    return issues


# ------------------------------------------------------------------- batches

_worker_grader: Grader | None = None
_worker_failed: BaseException | None = None


def _init_worker(assignment: Assignment, visibilities: tuple[Visibility, ...], limits: Limits) -> None:
    global _worker_grader, _worker_failed
    # Ctrl-C is the main process's to handle: it stops the workers itself (no traceback from each), and a
    # worker it stops ends its template first, so no warm template outlives the batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    try:
        # Each worker claims its own slot, hence its own sandbox uid.
        _worker_grader = Grader(assignment, visibilities=visibilities, limits=limits).__enter__()
    except SandboxError as exc:
        _worker_failed = exc  # raised from the first job, so the main process sees why (not a broken pool)


def _stop_worker(signum: int, frame: object) -> None:
    if _worker_grader is None:
        raise SystemExit(1)  # still starting: Grader.__enter__ cleans up what it launched
    # Nothing that takes a lock: this handler may run inside the very call that holds it (Popen.wait).
    process = getattr(_worker_grader.template, "process", None)  # a forked template's interpreter
    if process is not None and process.returncode is None:
        try:
            os.kill(process.pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(1)


def _grade_in_worker(job: Job) -> SubmissionResult:
    if _worker_failed is not None:
        raise _worker_failed
    return _worker_grader.grade(job)


class LocalBackend:
    """Grades a batch on this machine with ``workers`` warm graders; results come as they finish.

    The interface every backend offers (``grader.batch`` takes any): ``results(jobs, *, assignment,
    visibilities, limits)`` yields each job's result when it is done, in no particular order.
    """

    def __init__(self, workers: int = 1):
        self.workers = max(1, workers)

    def results(self, jobs: Sequence[Job], *, assignment: Assignment, visibilities: tuple[Visibility, ...] = ALL,
                limits: Limits = Limits()) -> Iterator[SubmissionResult]:
        limits = with_env_settings(limits)  # here, in the main process: a worker's environment is stale
        if not jobs:
            return
        if self.workers <= 1 or len(jobs) <= 1:
            with Grader(assignment, visibilities=visibilities, limits=limits) as grader:
                for job in jobs:
                    yield grader.grade(job)
            return
        if limits.slot is not None:
            limits = replace(limits, slot=None)  # one slot cannot serve several workers at once
        # Grader workers are trusted processes (they never run student code), so their results may be pickled.
        if hasattr(os, "fork") and "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["grader.engine"])
        else:  # Windows
            context = multiprocessing.get_context("spawn")
        workers = min(self.workers, len(jobs))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_init_worker, initargs=(assignment, visibilities, limits))
        pending: set[Future] = set()
        queue = iter(jobs)
        finished = False
        try:
            # A few jobs ahead of the workers, not the whole batch: an interrupted batch has little to cancel.
            for job in queue:
                pending.add(pool.submit(_grade_in_worker, job))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                    following = next(queue, None)
                    if following is not None:
                        pending.add(pool.submit(_grade_in_worker, following))
            pool.shutdown(wait=True)
            finished = True
        finally:
            if not finished:  # interrupted, or a worker failed: stop the rest now (their templates die with them)
                for future in pending:
                    future.cancel()
                processes = list(getattr(pool, "_processes", {}).values())
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.join(timeout=10)
                    if process.is_alive():  # (without SIGKILL, Windows' terminate is already a kill)
                        process.kill() if hasattr(signal, "SIGKILL") else process.terminate()
                        process.join()
                pool.shutdown(wait=True, cancel_futures=True)


def grade_batch(jobs: list[Job], *, assignment: Assignment, visibilities: tuple[Visibility, ...] = ALL,
                limits: Limits = Limits(), workers: int = 1,
                on_result: Callable[[SubmissionResult], None] = lambda r: None) -> list[SubmissionResult]:
    """Grade ``jobs`` with ``workers`` graders in parallel; results come back in the order of ``jobs``."""
    by_id: dict[str, SubmissionResult] = {}
    for result in LocalBackend(workers).results(jobs, assignment=assignment, visibilities=visibilities,
                                                limits=limits):
        on_result(result)
        by_id[result.submission] = result
    return [by_id[job.id] for job in jobs]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def check(path: Path, *, assignment: Assignment, limits: Limits = Limits()) -> SubmissionResult:
    """What ``grader check`` does: the public checks on one submission."""
    with Grader(assignment, visibilities=PUBLIC, limits=with_env_settings(limits),
                one_submission=True) as grader:
        return grader.grade(Job(path, intake.natural_id(path), str(path)))
