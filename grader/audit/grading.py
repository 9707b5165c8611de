"""An audit: grade every mutant of the reference through the batch engine, then sort them into killed,
likely equivalent and surviving.

Each mutant is graded like a student's submission (a warm worker, the real sandbox, the public and
the hidden checks) and recorded in a gradebook the moment it is done, keyed by its id: an audit run
again, or interrupted and run again, grades only the mutants not yet recorded for this reference,
these checks and these versions (the gradebook's own stamps).  The reference itself is graded
first, as the baseline: an audit of checks the reference fails would mean nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from grader.assignment import Assignment, versions
from grader.audit import equivalence, mutants as mutant_set
from grader.audit.report import AuditReport, MutantOutcome, summarise
from grader.batch import Backend, needs_grading, sha256_of
from grader.engine import ALL, Job
from grader.gradebook import Gradebook
from grader.results import SubmissionResult, Visibility
from grader.sandbox.workers import Limits

BASELINE = "reference"
HARNESS = "audit.py"  # in the assignment's folder: how to call each exercise on random inputs


class AuditError(Exception):
    """The audit cannot run or means nothing (no reference, or the reference fails its own checks)."""


def reference_path(assignment: Assignment) -> Path:
    if assignment.course_root is None or not assignment.has_hidden:
        raise AuditError(f"the reference and hidden checks of {assignment.name!r} are not here: audit from the "
                         "instructor's checkout (the folder with assignments/ and reference/), or pass --course DIR")
    return assignment.course_root / "reference" / f"{assignment.expected_stem}.py"


def failed_checks(result: SubmissionResult, visibility: Visibility) -> list[str]:
    return [f"{e.name}: {t.name}" for e in result.exercises for t in e.tests
            if t.visibility is visibility and not t.passed]


def run(assignment: Assignment, *, backend: Backend, book: Gradebook, max_mutants: int | None = None,
        limits: Limits = Limits(), workers: int = 1,
        on_result: Callable[[SubmissionResult], None] = lambda r: None) -> AuditReport:
    """Generate, grade (resuming from ``book``), compare the survivors with the reference, and report."""
    started = time.monotonic()
    reference = reference_path(assignment)
    exercises = [e.name for e in assignment.exercises]
    available = mutant_set.generate(reference.read_text(encoding="utf-8"), exercises=exercises)
    chosen = mutant_set.sample(available, max_mutants)
    fingerprint, current = assignment.fingerprint(), versions()
    names = tuple(v.value for v in ALL)
    with tempfile.TemporaryDirectory(prefix="grader-audit-") as scratch:
        folder = Path(scratch)
        jobs = [Job(reference, BASELINE, str(reference))]
        for mutant in chosen:
            path = folder / f"{mutant.id}.py"
            path.write_text(mutant.source, encoding="utf-8")
            jobs.append(Job(path, mutant.id, f"mutant {mutant.id}"))
        stamps = book.stamps()
        digests = {job.id: sha256_of(job.path) for job in jobs}
        todo = [job for job in jobs if needs_grading(stamps.get(job.id), sha256=digests[job.id],
                                                     fingerprint=fingerprint, versions=current, visibilities=names)]
        with closing(backend.results(todo, assignment=assignment, visibilities=ALL, limits=limits)) as results:
            for result in results:
                book.record(result, sha256=digests[result.submission], fingerprint=fingerprint, versions=current,
                            visibilities=names, duration_s=result.duration_s)
                on_result(result)
        graded = {job.id: book.latest_of(job.id).result for job in jobs}
        baseline = graded[BASELINE]
        if failed_checks(baseline, Visibility.PUBLIC) or failed_checks(baseline, Visibility.HIDDEN) or \
                baseline.load_issues:
            wrong = (failed_checks(baseline, Visibility.PUBLIC) + failed_checks(baseline, Visibility.HIDDEN)
                     + [i.message for i in baseline.load_issues])
            raise AuditError(f"the reference {reference} fails its own checks ({'; '.join(wrong[:3])}): "
                             "fix it or the checks before auditing")
        outcomes = []
        for mutant in chosen:
            result = graded[mutant.id]
            public, hidden = failed_checks(result, Visibility.PUBLIC), failed_checks(result, Visibility.HIDDEN)
            if result.load_issues and not (public or hidden):  # a mutant that does not load is killed by both
                public = hidden = [f"loading: {result.load_issues[0].kind}"]
            outcomes.append(MutantOutcome(mutant.id, mutant.exercise, mutant.targets, mutant.operator,
                                          mutant.description, mutant.diff, bool(public), bool(hidden),
                                          tuple(public + hidden), result.duration_s))
        outcomes = _compare_survivors(assignment, reference, folder, outcomes, chosen, workers)
    return summarise(assignment.name, exercises, outcomes, available=len(available), workers=workers,
                     duration_s=round(time.monotonic() - started, 1), resumed=len(jobs) - len(todo))


def _compare_survivors(assignment: Assignment, reference: Path, folder: Path, outcomes: list[MutantOutcome],
                       chosen: list, workers: int) -> list[MutantOutcome]:
    """Each mutant the hidden checks did not kill, compared with the reference on random inputs."""
    harness = assignment.folder / HARNESS
    by_id = {m.id: m for m in chosen}
    alive = [o for o in outcomes if not o.killed_hidden]

    def verdict(outcome: MutantOutcome) -> equivalence.Verdict:
        if not harness.is_file():
            return equivalence.Verdict(False, f"not compared: {assignment.name} has no {HARNESS}")
        return equivalence.compare(reference, folder / f"{outcome.id}.py", harness=harness,
                                   exercises=list(by_id[outcome.id].targets))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        verdicts = dict(zip((o.id for o in alive), pool.map(verdict, alive)))
    return [o if o.id not in verdicts else
            MutantOutcome(**{**o.__dict__, "equivalent": verdicts[o.id].equivalent,
                             "equivalence": verdicts[o.id].reason})
            for o in outcomes]
