"""Grading on a Dask distributed cluster: ``grader grade ... --dask tcp://HOST:PORT``.

The client ships everything a worker needs as bytes: the assignment (its folder and reference, in a
worker plugin, materialised in a private folder on each worker and checked by its fingerprint) and
each submission (its file, or its folder's files, bounded in size).  A worker needs the grader
installed, nothing else at the instructor's paths.  Each worker keeps a warm ``engine.Grader`` per
assignment, so torch and the template process start once per worker, not per submission.  Results
come back as plain data (``results.to_plain``), never as pickled objects of a student's making.

The strict sandbox rule holds on every worker: a worker that cannot provide every layer refuses
(its refusal is remembered), and the client sends its submissions to the other workers; when no
worker can, grading stops with the workers' reasons.  A worker that dies has its submissions
rescheduled by Dask; each job is yielded exactly once.

Importing this module imports ``distributed``: the CLI imports it only for ``--dask``.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from distributed import Client, Future, WorkerPlugin, as_completed, get_worker

from grader import engine
from grader.assignment import Assignment, AssignmentError, find, versions
from grader.engine import Grader, Job
from grader.results import ResultFormatError, SubmissionResult, Visibility, from_plain, to_plain
from grader.sandbox.workers import Limits, SandboxError, WeakSandbox
from grader.submission import CODE_SUFFIXES, MAX_BYTES

# What one submission ships: the names of its folder's files (up to MAX_PARCEL_FILES), and the bytes of
# those no larger than the loader reads (MAX_BYTES), code first, up to MAX_PARCEL_BYTES in all; the other
# files travel as their size only.
MAX_PARCEL_BYTES = 4 * MAX_BYTES
MAX_PARCEL_FILES = 1000
WATCH_EVERY_S = 2.0  # how often the client checks, while nothing finishes, that some worker can still grade


class ClusterError(SandboxError):
    """The cluster cannot grade as asked (no scheduler, no worker, submissions lost).

    A ``SandboxError``: like a machine that cannot run the sandbox, the CLI reports it as a setup problem.
    """


class NoWorkerCanGrade(WeakSandbox):
    """Every worker of the cluster refused: none provides every sandbox layer (``--allow-weak-sandbox``)."""

    def __init__(self, reasons: dict[str, str]):
        self.missing, self.reasons = [], dict(reasons)
        SandboxError.__init__(self, "no worker of the cluster provides every sandbox layer ("
                              + "; ".join(f"{worker}: {why}" for worker, why in sorted(reasons.items())) + ")")

    def __reduce__(self):
        return (NoWorkerCanGrade, (self.reasons,))


# ------------------------------------------------------------------ parcels


def _digest(files: dict[str, bytes]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(files):
        hasher.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return hasher.hexdigest()


def _safe_parts(relative: str) -> tuple[str, ...]:
    """The parts of a relative path from a parcel, refusing anything that would leave its folder."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise ValueError(f"unsafe path in a parcel: {relative!r}")
    return parts


@dataclass(frozen=True)
class CourseParcel:
    """An assignment as bytes: ``assignments/__init__.py``, its folder and its reference."""

    name: str
    files: dict[str, bytes]  # path relative to the course root -> content
    fingerprint: str

    @classmethod
    def of(cls, assignment: Assignment) -> "CourseParcel":
        assignments = assignment.folder.parent
        files = {"assignments/__init__.py": (assignments / "__init__.py").read_bytes()}
        for path in sorted(assignment.folder.rglob("*")):
            relative = path.relative_to(assignment.folder)
            if path.is_file() and not any(p.startswith((".", "__pycache__")) for p in relative.parts):
                files[f"assignments/{assignment.folder.name}/{relative.as_posix()}"] = path.read_bytes()
        if assignment.has_hidden:  # the hidden checks build on the reference
            reference = assignment.course_root / "reference" / f"{assignment.expected_stem}.py"
            files[f"reference/{reference.name}"] = reference.read_bytes()
        return cls(assignment.name, files, _digest(files))

    def materialise(self) -> Path:
        """A private course root holding exactly these files (checked by their fingerprint)."""
        root = Path(tempfile.mkdtemp(prefix=f"grader-course-{self.fingerprint[:12]}-"))  # mode 0700
        (root / "reference").mkdir()
        for relative, content in self.files.items():
            target = root.joinpath(*_safe_parts(relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        written = {rel: root.joinpath(*_safe_parts(rel)).read_bytes() for rel in self.files}
        if _digest(written) != self.fingerprint:
            shutil.rmtree(root, ignore_errors=True)
            raise AssignmentError(f"the assignment {self.name!r} did not arrive intact on this worker")
        return root


@dataclass(frozen=True)
class SubmissionParcel:
    """A submission as bytes: its file, or its folder's files, and the job it is graded under."""

    job: Job  # as the client made it (its id, source and identity); ``path`` is replaced on the worker
    name: str  # the file's or the folder's name, kept: the loader and the messages use it
    folder: bool
    # relative path ("" for a lone file) -> its bytes; or its size, for a file too large to read (the worker
    # makes a sparse stand-in of that size, so the loader says "too large" as it would have); None: unreadable
    files: tuple[tuple[str, bytes | int | None], ...]

    @classmethod
    def pack(cls, job: Job) -> "SubmissionParcel":
        path = job.path
        if not path.is_dir():
            return cls(job, path.name, False, (("", _read(path, MAX_BYTES)),))
        found = []
        for top, dirs, names in os.walk(path):
            dirs.sort()
            for name in sorted(names):
                full = Path(top, name)
                if full.is_file():
                    relative = full.relative_to(path)
                    ignored = any(p.startswith((".", "__")) for p in relative.parts)  # what the loader skips
                    found.append((ignored, full.suffix not in CODE_SUFFIXES, relative.as_posix(), full))
        found.sort()  # code the loader may read first, so the budget goes to it
        files, budget = [], MAX_PARCEL_BYTES
        for _ignored, _not_code, relative, full in found[:MAX_PARCEL_FILES]:
            content = _read(full, min(MAX_BYTES, budget))
            if isinstance(content, bytes):
                budget -= len(content)
            files.append((relative, content))
        return cls(job, path.name, True, tuple(files))

    def unpack(self, into: Path) -> Job:
        """Write the submission under ``into``; the job to grade, pointing there."""
        top = into / _safe_parts(self.name)[-1]
        if self.folder:
            top.mkdir()
        for relative, content in self.files:
            target = top.joinpath(*_safe_parts(relative)) if self.folder else top
            target.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                target.symlink_to(into / "unreadable")  # the loader gets an OSError, as on the client
            elif isinstance(content, int):
                with target.open("wb") as handle:
                    handle.truncate(content)
            else:
                target.write_bytes(content)
        return replace(self.job, path=top)


def _read(path: Path, limit: int) -> bytes | int | None:
    try:
        size = path.stat().st_size
        return path.read_bytes() if size <= limit else size
    except OSError:
        return None


# ------------------------------------------------------------------ workers


class CoursePlugin(WorkerPlugin):
    """Delivers an assignment to every worker, present and future, and cleans up after it."""

    idempotent = True  # registered again by the next run: same name, same bytes (the name holds the fingerprint)

    def __init__(self, parcel: CourseParcel):
        self.parcel = parcel
        self.root: Path | None = None

    @property
    def plugin_name(self) -> str:
        return f"grader-course-{self.parcel.fingerprint[:16]}"

    def setup(self, worker) -> None:
        self.root = self.parcel.materialise()

    def teardown(self, worker) -> None:
        _POOL.close(self.parcel.fingerprint)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def assignment(self) -> Assignment:
        return find(self.parcel.name, self.root)


class _Pool:
    """Warm graders of this worker process, idle ones by assignment and settings; and the refusals."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[tuple, list[Grader]] = {}
        self.refused: dict[tuple, WeakSandbox] = {}
        self.starting = threading.Lock()

    def take(self, key: tuple, make) -> Grader:
        with self.lock:
            if key in self.refused:
                raise self.refused[key]  # this machine will not grow the missing layers
            if self.idle.get(key):
                return self.idle[key].pop()
            # One assignment at a time stays warm: a template per old one would hold its memory for nothing.
            stale = [g for k, graders in self.idle.items() if k != key for g in graders]
            self.idle = {k: v for k, v in self.idle.items() if k == key}
        for grader in stale:
            grader.__exit__()
        try:
            with self.starting:  # one at a time: starting a grader mounts its assignment's modules
                return make()
        except WeakSandbox as exc:
            with self.lock:
                self.refused[key] = exc
            raise

    def give(self, key: tuple, grader: Grader) -> None:
        with self.lock:
            self.idle.setdefault(key, []).append(grader)

    def close(self, fingerprint: str | None = None) -> None:
        with self.lock:
            closing = [g for k, graders in self.idle.items() if fingerprint in (None, k[0]) for g in graders]
            self.idle = {k: v for k, v in self.idle.items() if fingerprint not in (None, k[0])}
        for grader in closing:
            grader.__exit__()


_POOL = _Pool()
atexit.register(_POOL.close)


def grade_on_worker(plugin_name: str, parcel: SubmissionParcel, visibilities: tuple[Visibility, ...],
                    limits: Limits, client_versions: dict[str, str]) -> dict:
    """The task a worker runs: ``{"result": plain, "worker": address}``, or ``{"refused": why, "weak": bool, ...}``."""
    worker = get_worker()
    try:
        here = versions()
        if here != client_versions:  # another Hypothesis draws other inputs: the verdicts could differ
            mine = ", ".join(f"{k} {v}" for k, v in here.items())
            theirs = ", ".join(f"{k} {v}" for k, v in client_versions.items())
            raise AssignmentError(f"this worker has {mine}; the client has {theirs}")
        course = worker.plugins.get(plugin_name)
        if course is None:
            raise AssignmentError("the assignment has not arrived on this worker")
        # This machine's own settings (GRADER_DISABLE_LAYERS, GRADER_PROCESS_MODEL), as for a local batch.
        limits = engine.with_env_settings(replace(limits, slot=None))
        key = (course.parcel.fingerprint, visibilities, limits)
        grader = _POOL.take(key, lambda: Grader(course.assignment(), visibilities=visibilities,
                                                limits=limits).__enter__())
    except (SandboxError, AssignmentError) as exc:
        return {"refused": str(exc), "weak": isinstance(exc, WeakSandbox), "worker": worker.address}
    with tempfile.TemporaryDirectory(prefix="grader-submission-") as folder:
        try:
            result = grader.grade(parcel.unpack(Path(folder)))
        except SandboxError as exc:  # the machine failed, not the submission: let another worker grade it
            grader.__exit__()
            return {"refused": str(exc), "weak": False, "worker": worker.address}
    _POOL.give(key, grader)
    return {"result": to_plain(result), "worker": worker.address}


# ------------------------------------------------------------------ client


class DaskBackend:
    """Grades jobs on the Dask cluster whose scheduler is at ``address``; results as they finish."""

    def __init__(self, address: str, *, connect_timeout_s: float | None = None, no_worker_timeout_s: float = 120.0):
        self.address = address
        # None: Dask's own setting (distributed.comm.timeouts.connect, 30 s unless configured otherwise)
        self.connect_timeout_s = connect_timeout_s
        self.no_worker_timeout_s = no_worker_timeout_s  # how long to wait for a worker to join an empty cluster
        self.refusals: dict[str, str] = {}  # worker address -> why it would not grade (after ``results``)
        self._weak: set[str] = set()  # those of them that lack sandbox layers
        self.graded_by: dict[str, str] = {}  # job id -> the worker whose result was yielded

    def _connect(self) -> Client:
        try:
            timeout = {} if self.connect_timeout_s is None else {"timeout": self.connect_timeout_s}
            return Client(self.address, set_as_default=False, **timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address} ({exc})") from None

    def results(self, jobs: Sequence[Job], *, assignment: Assignment,
                visibilities: tuple[Visibility, ...] = engine.ALL, limits: Limits = Limits()
                ) -> Iterator[SubmissionResult]:
        """Grade ``jobs`` on the cluster, yielding each result once, as it finishes."""
        client = self._connect()
        pending: dict[Future, tuple[Job, frozenset[str] | None]] = {}  # future -> its job, where it may run
        try:
            plugin = CoursePlugin(CourseParcel.of(assignment))
            client.register_plugin(plugin, name=plugin.plugin_name)
            mine = versions()
            queue = list(reversed(jobs))  # submitted a window at a time: the client's memory stays flat
            lost: dict[str, str] = {}
            finished = as_completed([], loop=client.loop)

            def submit(job: Job, workers: frozenset[str] | None = None) -> None:
                workers = workers or None  # none connected just now: whichever joins
                future = client.submit(grade_on_worker, plugin.plugin_name, SubmissionParcel.pack(job),
                                       tuple(visibilities), limits, mine, key=f"grade-{job.id}-{os.urandom(4).hex()}",
                                       workers=sorted(workers) if workers else None, allow_other_workers=False)
                pending[future] = (job, workers)
                finished.add(future)

            def refill() -> None:
                window = max(4, 2 * sum(client.nthreads().values()))
                while queue and len(pending) < window:
                    submit(queue.pop())

            refill()
            last_progress = next_watch = time.monotonic()
            while pending:
                batch = finished.next_batch(block=False) if finished.has_ready() else []
                if not batch:
                    time.sleep(0.1)
                    if time.monotonic() > next_watch:
                        self._watch(client, pending, submit, last_progress)
                        next_watch = time.monotonic() + WATCH_EVERY_S
                    continue
                last_progress = time.monotonic()
                next_watch = last_progress + WATCH_EVERY_S
                for future in batch:
                    if future not in pending:
                        continue  # cancelled and resubmitted already
                    job, _ = pending.pop(future)
                    outcome = self._outcome(future)
                    if "refused" in outcome:
                        self.refusals[outcome["worker"]] = outcome["refused"]
                        if outcome["weak"]:
                            self._weak.add(outcome["worker"])
                        submit(job, self._able(client))
                    elif "lost" in outcome:
                        lost[job.id] = outcome["lost"]
                    elif job.id not in self.graded_by:
                        self.graded_by[job.id] = outcome["worker"]
                        yield outcome["result"]
                refill()
            if lost:
                listed = "; ".join(f"{job_id}: {why}" for job_id, why in list(lost.items())[:10])
                raise ClusterError(f"{len(lost)} submission(s) were not graded ({listed}); the others were. "
                                   "Run the same command again to grade them.")
        finally:
            if pending:
                client.cancel(list(pending), force=True)
            client.close()

    @staticmethod
    def _outcome(future: Future) -> dict:
        # A task whose worker died is rescheduled by Dask: its status may still change while it is read here,
        # so the result decides, not the status seen a moment before.
        try:
            outcome = future.result()
        except BaseException as exc:  # noqa: BLE001 - died with its workers (KilledWorker), cancelled, a bug of ours
            return {"lost": f"{type(exc).__name__}: {str(exc)[:300]}"}
        if "result" in outcome:
            try:
                outcome = dict(outcome, result=from_plain(outcome["result"]))
            except ResultFormatError as exc:  # a worker with another grader version
                return {"lost": str(exc)}
        return outcome

    def _able(self, client: Client) -> frozenset[str]:
        """The workers now connected that have not refused; an error when every one of them has."""
        connected = frozenset(client.nthreads())
        able = connected - set(self.refusals)
        if connected and not able:
            if set(self.refusals) <= self._weak:
                raise NoWorkerCanGrade(self.refusals)
            raise ClusterError("no worker of the cluster can grade: " + "; ".join(
                f"{worker}: {why}" for worker, why in sorted(self.refusals.items())))
        return able

    def _watch(self, client: Client, pending: dict, submit, last_progress: float) -> None:
        """Nothing finished for a while: make sure every pending job can still run somewhere."""
        if not client.nthreads():
            if time.monotonic() - last_progress > self.no_worker_timeout_s:
                raise ClusterError(f"no Dask worker has been connected to {self.address} for "
                                   f"{self.no_worker_timeout_s:g} s")
            return
        workers = self._able(client)
        # Jobs sent to workers that refused others have gone: send them to the workers left.
        for future, (job, allowed) in list(pending.items()):
            if allowed is not None and not allowed & workers:
                del pending[future]
                future.cancel()
                submit(job, workers)
