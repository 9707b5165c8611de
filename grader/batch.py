"""Grading a course: what ``grader grade`` does around a backend, with the gradebook as its only state.

Resuming: a submission whose bytes, assignment fingerprint, versions and checks match its latest
attempt in the gradebook is not graded again.  Each result is recorded the moment it arrives (in
whatever order the backend finishes them), then its ``report.html`` and ``result.json`` are
written; ``grades.csv`` and ``summary.html`` are rebuilt from the gradebook at the end of every run.
A run killed anywhere is finished by running it again: the files of recorded results that a kill
left unwritten are written from the gradebook.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from contextlib import closing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader import killpoints
from grader.assignment import Assignment, versions
from grader.engine import ALL, Job
from grader.gradebook import Gradebook, GradebookError, Stamp
from grader.messages import Catalogue
from grader.reports import csv_report, html_report, json_report, summary_report
from grader.results import SubmissionResult, Visibility
from grader.sandbox.workers import Limits, SandboxError

GRADEBOOK_NAME = "gradebook.sqlite"
RESULT_NAME, REPORT_NAME = "result.json", summary_report.REPORT_NAME  # the summary links each report by name
SUMMARY_NAME = "summary.html"
HASH_CHUNK = 1 << 20


class Backend(Protocol):
    """Where submissions are graded: ``engine.LocalBackend`` here, a Dask cluster elsewhere."""

    def results(self, jobs: Sequence[Job], *, assignment: Assignment, visibilities: tuple[Visibility, ...],
                limits: Limits) -> Iterator[SubmissionResult]: ...


class BatchError(Exception):
    """The batch cannot go on as asked (the message says why and what to do); what was graded is kept."""


@dataclass
class Outcome:
    """What a run did: ``graded`` now, ``kept`` from earlier runs, ``problems`` among those graded now."""

    total: int
    graded: int = 0
    kept: int = 0
    problems: int = 0
    interrupted: bool = False
    unwritten: list[str] = field(default_factory=list)  # submissions whose files could not be written, and why


class Progress(Protocol):
    def start(self, total: int, kept: int) -> None: ...

    def advance(self, result: SubmissionResult) -> None: ...

    def close(self) -> None: ...


def has_problem(result: SubmissionResult) -> bool:
    """A submission the instructor should look at: it did not load cleanly, or the grader failed on it."""
    return bool(result.load_issues)


# ------------------------------------------------------------ the bytes graded


def sha256_of(path: Path | None) -> str:
    """sha256 of the exact bytes graded: a file, or every file of a submission folder with its relative name.

    ``None`` (intake found nothing to grade in the submission) is the digest of nothing.
    """
    digest = hashlib.sha256()
    if path is not None and path.is_dir() and not path.is_symlink():
        for item in sorted(p for p in path.rglob("*")):
            name = item.relative_to(path).as_posix().encode("utf-8", "surrogateescape")
            if item.is_symlink():
                kind, data = b"L", str(item.readlink()).encode("utf-8", "surrogateescape")
                digest.update(kind + len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
            elif item.is_file():
                digest.update(b"F" + len(name).to_bytes(8, "big") + name + item.stat().st_size.to_bytes(8, "big"))
                _hash_file(digest, item)
    elif path is not None:
        _hash_file(digest, path)
    return digest.hexdigest()


def _hash_file(digest, path: Path) -> None:
    # Never through a link, and never a FIFO (it would block): the grader reads as root (SECURITY.md).
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        digest.update(b"L" + str(path.readlink()).encode("utf-8", "surrogateescape"))
        return
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            digest.update(b"S")  # a FIFO or a device: loading refuses it, and so it is "graded" as nothing
            return
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)


# ------------------------------------------------------------ checks before grading


def refuse_duplicates(jobs: Sequence[Job]) -> None:
    """The same submission key, or the same LMS student, twice in one batch: say which, grade nothing."""
    seen: dict[str, Job] = {}
    students: dict[tuple[str, str], Job] = {}
    for job in jobs:
        if job.id in seen:
            raise BatchError(f"{seen[job.id].source} and {job.source} would both be graded as {job.id!r}: "
                             "grade them in separate runs or rename one")
        seen[job.id] = job
        identity = getattr(job, "identity", None)  # jobs from an LMS download say whose they are
        student = identity.student_id if identity is not None else ""
        if student and identity.system not in ("files", "plain"):
            previous = students.setdefault((identity.system, student), job)
            if previous is not job:
                raise BatchError(f"student {student} ({identity.system}) handed in twice in this batch: "
                                 f"{previous.source} and {job.source}; keep one of them and grade again")


def refuse_foreign_out(out_dir: Path, assignment: str, *, look_at: int = 20) -> None:
    """An ``--out`` folder that holds another assignment's results is not overwritten."""
    if not out_dir.is_dir():
        return
    looked = 0
    for child in sorted(out_dir.iterdir()):
        found = child / RESULT_NAME
        if not found.is_file():
            continue
        try:
            other = json.loads(found.read_text(encoding="utf-8")).get("assignment")
        except (OSError, ValueError, AttributeError):
            other = None
        if isinstance(other, str) and other != assignment:
            raise BatchError(f"{out_dir} holds results of assignment {other!r} ({found}), not {assignment!r}: "
                             "grade into another --out folder")
        looked += 1
        if looked >= look_at:
            return


def needs_grading(stamp: Stamp | None, *, sha256: str, fingerprint: str, versions: dict[str, str],
                  visibilities: tuple[str, ...]) -> bool:
    return stamp is None or (stamp.sha256, stamp.fingerprint, stamp.versions, stamp.visibilities) != (
        sha256, fingerprint, versions, visibilities)


# ------------------------------------------------------------ files under --out


def _disk_full(exc: OSError, what: Path) -> BatchError:
    if exc.errno == errno.ENOSPC:
        return BatchError(f"the disk is full while writing {what}: every result graded so far is kept in the "
                          "gradebook; free some space and run the same command again to finish")
    return BatchError(f"cannot write {what}: {exc}")


def write_files(result: SubmissionResult, out_dir: Path, cat: Catalogue) -> str | None:
    """``report.html`` first, ``result.json`` last: a ``result.json`` that matches the gradebook means both are done.

    A full disk stops the batch; any other failure costs this submission's files only (its result is in the
    gradebook, and in grades.csv): returned as a sentence, for the command to say.
    """
    folder = out_dir / result.submission
    try:
        html_report.write(result, folder / REPORT_NAME, cat)
        killpoints.reached("writing")
        json_report.write(result, folder / RESULT_NAME)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _disk_full(exc, folder) from None
        return f"{result.submission}: cannot write its result ({exc})"
    return None


def files_match(result: SubmissionResult, out_dir: Path) -> bool:
    folder = out_dir / result.submission
    try:
        on_disk = (folder / RESULT_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return on_disk == json_report.dumps(result) + "\n" and (folder / REPORT_NAME).is_file()


def write_class_files(book: Gradebook, assignment: Assignment, out_dir: Path, cat: Catalogue) -> None:
    """``grades.csv`` and ``summary.html`` from the gradebook, streaming its latest results."""
    names = [e.name for e in assignment.exercises]
    try:
        penalties: dict[str, float] = {}  # noted while grades.csv streams the records, not read a third time

        def results_noting_penalties():
            for record in book.iter_latest(assignment.name):
                if record.late_penalty_percent is not None:
                    penalties[record.result.submission] = record.late_penalty_percent
                yield record.result

        csv_report.write(results_noting_penalties(), names, out_dir / "grades.csv")
        killpoints.reached("summary")
        summary_report.write((r.result for r in book.iter_latest(assignment.name)), out_dir / SUMMARY_NAME, cat,
                             penalties=penalties)
    except OSError as exc:
        raise _disk_full(exc, out_dir) from None


# ------------------------------------------------------------ a course batch


def grade_course(jobs: Sequence[Job], *, assignment: Assignment, backend: Backend, book: Gradebook, out_dir: Path,
                 cat: Catalogue, progress: Progress, limits: Limits = Limits(),
                 visibilities: tuple[Visibility, ...] = ALL, regrade: bool = False,
                 on_result: Callable[[SubmissionResult], None] = lambda r: None) -> Outcome:
    """Grade what is new or changed in ``jobs`` (everything with ``regrade``), record it, write its files.

    A ``KeyboardInterrupt`` ends the backend's work and returns with ``interrupted`` set: whatever
    finished is recorded, and the same call again resumes.
    """
    refuse_duplicates(jobs)
    refuse_foreign_out(out_dir, assignment.name)
    fingerprint, current = assignment.fingerprint(), versions()
    names = tuple(v.value for v in visibilities)
    stamps = {} if regrade else book.stamps()
    digests: dict[str, str] = {}
    todo: list[Job] = []
    kept: list[str] = []
    for job in jobs:
        try:
            digests[job.id] = sha256_of(job.path)
        except OSError as exc:
            raise BatchError(f"cannot read {job.source}: {exc}") from None
        if needs_grading(stamps.get(job.id), sha256=digests[job.id], fingerprint=fingerprint, versions=current,
                         visibilities=names):
            todo.append(job)
        else:
            kept.append(job.id)
    del stamps
    outcome = Outcome(total=len(jobs), kept=len(kept))
    outcome.unwritten += _repair_files(book, kept, out_dir, cat)
    progress.start(len(jobs), len(kept))
    try:
        # closing: an interrupt in this loop ends the backend's workers now, not when garbage is collected
        with closing(backend.results(todo, assignment=assignment, visibilities=visibilities, limits=limits)) as results:
            for result in results:
                killpoints.reached("graded")
                book.record(result, sha256=digests[result.submission], fingerprint=fingerprint, versions=current,
                            visibilities=names, duration_s=result.duration_s)
                outcome.graded += 1
                killpoints.reached("recorded")
                unwritten = write_files(result, out_dir, cat)
                if unwritten:
                    outcome.unwritten.append(unwritten)
                outcome.problems += has_problem(result)
                on_result(result)
                progress.advance(result)
    except KeyboardInterrupt:
        outcome.interrupted = True
    except SandboxError:  # the machine or the cluster failed part-way (a Dask batch that lost submissions)
        if outcome.graded:  # class files of what was recorded before it: nothing graded is lost
            write_class_files(book, assignment, out_dir, cat)
        raise
    finally:
        progress.close()
    write_class_files(book, assignment, out_dir, cat)
    return outcome


def _repair_files(book: Gradebook, keys: list[str], out_dir: Path, cat: Catalogue) -> list[str]:
    """Files of recorded results that a killed run left unwritten (or a disk full), written from the gradebook.

    Returns why some still could not be written, as ``write_files`` says it.
    """
    unwritten = []
    for key in keys:
        result = book.latest_of(key).result
        if not files_match(result, out_dir):
            unwritten.append(write_files(result, out_dir, cat))
    return [u for u in unwritten if u]


def default_gradebook(out_dir: Path) -> Path:
    return out_dir / GRADEBOOK_NAME


__all__ = ["Backend", "BatchError", "GradebookError", "Outcome", "grade_course", "sha256_of"]
