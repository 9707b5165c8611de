"""Grading on a Dask cluster: real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1.

The parcels (what travels to a worker) are checked on their own, quickly; the cluster tests start a
scheduler and workers as separate processes, grade part of the corpus through them (killing a worker
with SIGKILL half-way, or with a worker that cannot provide the sandbox), and compare every result
with the local run's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from grader import engine
from grader.assignment import AssignmentError, find
from grader.cluster import ClusterError, CourseParcel, DaskBackend, NoWorkerCanGrade, SubmissionParcel
from grader.engine import Job
from grader.results import to_plain
from grader.sandbox.workers import Limits
from grader.submission import MAX_BYTES

# ------------------------------------------------------------------ parcels


def tree(folder: Path) -> dict[str, bytes | int]:
    """Every file under ``folder``: its content, or its size when large."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size if p.stat().st_size > MAX_BYTES else p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_travels_with_its_names_and_bytes_and_large_files_as_their_size(tmp_path):
    student = tmp_path / "client" / "Ann Lee_1234_assignsubmission_file"
    (student / "sub" / ".ipynb_checkpoints").mkdir(parents=True)
    (student / "conv_layer.py").write_text("def corr2d(X, K):\n    return X\n", encoding="utf-8")
    (student / "sub" / "helper.py").write_bytes(b"x = 1\n")
    (student / "sub" / ".ipynb_checkpoints" / "old.ipynb").write_bytes(b"{}")
    (student / "notes.pdf").write_bytes(b"%PDF-1.4 " + bytes(range(256)))
    with (student / "video.mp4").open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # too large to read: travels as its size
    job = Job(student, "1234", str(student))

    parcel = SubmissionParcel.pack(job)
    sizes = dict(parcel.files)
    assert sizes["video.mp4"] == MAX_BYTES + 1
    (tmp_path / "worker").mkdir()
    unpacked = parcel.unpack(tmp_path / "worker")

    assert unpacked.path == tmp_path / "worker" / student.name and unpacked.path.is_dir()
    assert (unpacked.id, unpacked.source) == ("1234", str(student))  # graded under the client's id and path
    assert tree(unpacked.path) == tree(student)
    assert (unpacked.path / "video.mp4").stat().st_blocks == 0  # a sparse stand-in, not 2 MiB of zeros


def test_a_lone_file_travels_under_its_own_name(tmp_path):
    job = Job(CORPUS / "flipped_kernel.py", "flipped_kernel", "tests/corpus/flipped_kernel.py")
    unpacked = SubmissionParcel.pack(job).unpack(tmp_path)
    assert unpacked.path == tmp_path / "flipped_kernel.py"
    assert unpacked.path.read_bytes() == job.path.read_bytes()


def test_a_parcel_cannot_write_outside_its_folder(tmp_path):
    job = Job(tmp_path / "x", "x", "x")
    for n, evil in enumerate(("../outside.py", "/etc/evil.py", "a/../../outside.py", "")):
        (tmp_path / f"worker{n}").mkdir()
        with pytest.raises(ValueError, match="unsafe path"):
            SubmissionParcel(job, "x", True, ((evil, b"print(1)"),)).unpack(tmp_path / f"worker{n}")
    with pytest.raises(ValueError, match="unsafe path"):
        SubmissionParcel(job, "..", False, (("", b"x"),)).unpack(tmp_path)
    assert not (tmp_path / "outside.py").exists()


def test_the_assignment_travels_whole_and_checked_by_its_fingerprint(assignment):
    parcel = CourseParcel.of(assignment)
    assert "reference/conv_layer.py" in parcel.files and "assignments/conv_layer/hidden/__init__.py" in parcel.files
    assert not any("__pycache__" in name for name in parcel.files)
    root = parcel.materialise()
    try:
        assert oct(root.stat().st_mode & 0o777) == "0o700"  # the hidden checks are for this user only
        copy = find(assignment.name, root)
        assert copy.has_hidden and copy.exercises == assignment.exercises
        assert CourseParcel.of(copy).fingerprint == parcel.fingerprint
    finally:
        shutil.rmtree(root)
        find(assignment.name, ROOT).checks(engine.PUBLIC)  # mount the checkout's assignments again
    changed = dict(parcel.files, **{"reference/conv_layer.py": b"def corr2d(X, K):\n    return X\n"})
    with pytest.raises(AssignmentError, match="did not arrive intact"):
        CourseParcel(parcel.name, changed, parcel.fingerprint).materialise()


def test_grader_check_does_not_import_distributed():
    code = "import sys, grader.cli; assert 'distributed' not in sys.modules, 'distributed imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ------------------------------------------------------------------ a real cluster


class Cluster:
    """A ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, each in a process group of its own."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        scheduler_file = folder / "scheduler.json"
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)])
        deadline = time.monotonic() + 120
        while not scheduler_file.exists():
            assert self.processes["scheduler"].poll() is None, self.log("scheduler")
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        time.sleep(0.2)  # written in one go, but let it land
        self.address = json.loads(scheduler_file.read_text())["address"]

    def _start(self, name: str, arguments: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "dask", *arguments], cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})}, start_new_session=True)

    def add_worker(self, name: str, env: dict[str, str] | None = None) -> None:
        # No nanny: the process killed below is the one that grades, and nothing restarts it.
        self._start(name, ["worker", self.address, "--nthreads", "1", "--no-nanny", "--name", name,
                           "--local-directory", str(self.folder / name)], env)

    def wait_for(self, names: list[str]) -> dict[str, str]:
        """Worker name -> address, once all of ``names`` have joined."""
        from distributed import Client

        with Client(self.address, set_as_default=False) as client:
            deadline = time.monotonic() + 180
            while True:
                joined = client.run_on_scheduler(
                    lambda dask_scheduler: {ws.name: address for address, ws in dask_scheduler.workers.items()})
                if set(names) <= set(joined):
                    return {name: joined[name] for name in names}
                for name in names:
                    assert self.processes[name].poll() is None, self.log(name)
                assert time.monotonic() < deadline, f"workers {names} did not join: {joined}"
                time.sleep(0.3)

    def kill_while_grading(self, name: str, address: str) -> None:
        """SIGKILL worker ``name`` as soon as it is running a task."""
        from distributed import Client

        with Client(self.address, set_as_default=False) as client:
            deadline = time.monotonic() + 120
            while not client.run_on_scheduler(
                    lambda dask_scheduler: len(dask_scheduler.workers[address].processing)):
                assert time.monotonic() < deadline, f"{name} was given nothing to grade"
                time.sleep(0.05)
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the worker and its template processes
            except ProcessLookupError:
                pass
            process.wait()


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path)
    try:
        yield running
    finally:
        running.stop()


# Submissions that print values of their own unseeded randomness (the chapter's training loop from
# nn.Conv2d's random weights): what they print differs from run to run, wherever they run.
RANDOM_OUTPUT = {"chapter_answers"}


def comparable(result) -> dict:
    """A result as plain data without what legitimately differs between two runs: timings, random prints."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "duration_s"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    plain = strip(to_plain(result))
    if result.submission in RANDOM_OUTPUT:
        plain["output"] = None
    return plain


def differences(got: dict, expected: dict) -> str:
    """What differs between two plain results, readably: the fields, and each test that ended otherwise."""
    lines = [f"{got['submission']}: {key}" for key in got if key != "exercises" and got[key] != expected.get(key)]
    for mine, theirs in zip(got["exercises"], expected["exercises"]):
        for a, b in zip(mine["tests"], theirs["tests"]):
            if a != b:
                lines.append(f"{mine['name']} / {a['name']}: {a['outcome']} {a['message'][:200]!r} "
                             f"instead of {b['outcome']} {b['message'][:200]!r}")
    return "\n".join(lines)


def plain_jobs(paths: list[Path], assignment) -> list[Job]:
    """Jobs of files and folders (no archive, so nothing is removed when intake's block ends)."""
    with engine.jobs_for(paths, assignment=assignment) as jobs:
        return jobs


def batch(tmp_path: Path, assignment) -> list[Job]:
    names = ["correct_loops.py", "flipped_kernel.py", "raises_at_module_level.py", "syntax_error.py",
             "not_utf8.py", "matmul_first_row.py", "forbidden_conv.py", "in_place.py", "exit_early.py",
             "chapter_answers.ipynb"]
    student = tmp_path / "submissions" / "Ann Lee_1234_assignsubmission_file"
    student.mkdir(parents=True)
    shutil.copy(CORPUS / "correct_unfold.py", student / "conv_layer.py")
    shutil.copy(CORPUS / "off_by_one.py", student / "attempt1.py")  # two files: the assignment's name wins
    (student / "notes.pdf").write_bytes(b"%PDF-1.4")
    huge = tmp_path / "submissions" / "huge.py"
    huge.write_text("#" * (MAX_BYTES + 10), encoding="utf-8")
    return plain_jobs([CORPUS / n for n in names] + [tmp_path / "submissions"], assignment)


@pytest.mark.slow
def test_a_batch_on_two_workers_equals_the_local_run_though_one_is_killed(cluster, tmp_path, grader_all, assignment):
    cluster.add_worker("w1")
    cluster.add_worker("w2")
    jobs = batch(tmp_path, assignment)
    local = {job.id: comparable(grader_all.grade(job)) for job in jobs}  # while the workers start
    workers = cluster.wait_for(["w1", "w2"])

    backend = DaskBackend(cluster.address)
    seen: list[str] = []
    killed_after: list[int] = []  # how many results had come when w2 was killed

    def kill_w2() -> None:
        cluster.kill_while_grading("w2", workers["w2"])  # what it holds is graded again by w1
        killed_after.append(len(seen))

    killer = threading.Thread(target=kill_w2, daemon=True)
    for result in backend.results(jobs, assignment=grader_all.assignment, visibilities=engine.ALL,
                                  limits=Limits(strict=True)):
        seen.append(result.submission)
        if len(seen) == 1:
            killer.start()  # on its own thread: results keep coming in meanwhile
        got = comparable(result)
        assert got == local[result.submission], differences(got, local[result.submission])
    killer.join()

    assert Counter(seen) == Counter(job.id for job in jobs)  # each exactly once: nothing lost, nothing twice
    assert killed_after and killed_after[0] < len(jobs) and cluster.processes["w2"].poll() is not None
    assert backend.refusals == {}
    assert len(jobs) == 12 and local["1234"]["score"] == 100  # the folder, graded on its conv_layer.py
    # (beside a Moodle-named folder, intake notes first that its name is not Moodle's)
    assert [i["kind"] for i in local["huge"]["load_issues"]] == ["unrecognised_name", "too_large"]

    # The command line, through the worker left: the files of a local run, grades.csv in the same order.
    paths = [str(job.path) for job in jobs[:4]]
    done = subprocess.run([sys.executable, "-m", "grader.cli", "grade", *paths, "--out", str(tmp_path / "out"),
                           "--dask", cluster.address], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [row.split(",")[:2] for row in rows] == [[job.id, f"{local[job.id]['score']:g}"] for job in jobs[:4]]
    for job in jobs[:4]:
        written = json.loads((tmp_path / "out" / job.id / "result.json").read_text(encoding="utf-8"))
        assert written["exercises"][0]["tests"] == local[job.id]["exercises"][0]["tests"]


@pytest.mark.slow
def test_a_worker_without_the_sandbox_does_not_grade_and_others_do(cluster, tmp_path, assignment):
    # Without seccomp, strict grading must not run there, and with no other worker it must say so.
    cluster.add_worker("weak", env={engine.DISABLE_LAYERS_ENV: "syscall_filter"})
    weak = cluster.wait_for(["weak"])["weak"]
    jobs = plain_jobs([CORPUS / n for n in ("correct_loops.py", "flipped_kernel.py", "syntax_error.py",
                                            "in_place.py", "off_by_one.py", "global_kernel.py")], assignment)
    with pytest.raises(NoWorkerCanGrade, match="syscall_filter") as refused:
        list(DaskBackend(cluster.address).results(jobs, assignment=assignment, limits=Limits(strict=True)))
    assert weak in refused.value.reasons and "GRADER_DISABLE_LAYERS" in str(refused.value)

    cluster.add_worker("good")
    cluster.wait_for(["good"])
    backend = DaskBackend(cluster.address)
    results = list(backend.results(jobs, assignment=assignment, limits=Limits(strict=True)))
    assert sorted(r.submission for r in results) == sorted(job.id for job in jobs)
    assert all(all(r.isolation.values()) for r in results)  # every layer on: graded by the good worker only
    assert set(backend.refusals) == {weak}  # it was asked, and said no
    assert weak not in backend.graded_by.values()

    # --allow-weak-sandbox is the one way around the rule: then the weak worker grades too.
    weak_ok = list(DaskBackend(cluster.address).results(jobs[:2], assignment=assignment, limits=Limits(strict=False)))
    assert sorted(r.submission for r in weak_ok) == sorted(job.id for job in jobs[:2])

    # Stopping early (Ctrl-C, an error in the caller) cancels what was sent: the scheduler is left with no task.
    results = DaskBackend(cluster.address).results(jobs, assignment=assignment, limits=Limits(strict=True))
    next(results)
    results.close()
    from distributed import Client

    with Client(cluster.address, set_as_default=False) as client:
        deadline = time.monotonic() + 30
        while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
            assert time.monotonic() < deadline, "tasks left on the scheduler"
            time.sleep(0.2)


@pytest.mark.slow
def test_grade_with_an_unreachable_scheduler_says_so(tmp_path):
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    done = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(CORPUS / "correct_loops.py"),
                           "--out", str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:9"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.slow
def test_a_cluster_without_workers_says_so(cluster, assignment):
    jobs = plain_jobs([CORPUS / "correct_loops.py"], assignment)
    with pytest.raises(ClusterError, match="no Dask worker has been connected"):
        list(DaskBackend(cluster.address, no_worker_timeout_s=3).results(jobs, assignment=assignment))
