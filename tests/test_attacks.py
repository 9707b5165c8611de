"""The attack suite: each attack of issue 3 as a real submission, graded in the real sandbox.

Every attack file (tests/attacks/) is an honest solution plus the attack, so each test knows exactly what
the submission deserves: the score of its honest part.  Each test then checks concretely that the attack
was contained: the score, what reached the result, what was left on disk and in the process table,
whether a connection was made, and that the grader still works.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import torch

from attack_kit import (ATTACKS, assert_contained, free_slot, leftovers, lost, output_record, result_text,
                        submission)
from conftest import ROOT, by_name, grade
from grader.engine import ALL, Grader, Job, grade_batch
from grader.results import Status
from grader.sandbox import confine, harness
from grader.sandbox.workers import Limits

pytestmark = pytest.mark.slow  # the real sandbox, often its time limits


@pytest.fixture(scope="module")
def grader(assignment):
    """A grader on a slot of its own: every process of its uid is this module's doing."""
    with Grader(assignment, visibilities=ALL, limits=Limits(slot=free_slot())) as grader:
        assert grader.template.layers == dict.fromkeys(confine.LAYERS, True), grader.template.layer_errors
        yield grader


# ------------------------------------------------------------------ comparisons


@pytest.mark.parametrize("name, loses", [
    ("always_equal.py", {"corr2d", "second_derivative_kernel"}),
    ("patched_comparisons.py", {"corr2d", "conv2d_strict"}),
    ("tensor_subclass.py", {"corr2d"}),
])
def test_faked_comparisons_earn_nothing(grader, tmp_path, name, loses):
    result = grade(grader, submission(tmp_path, name))
    points = {e.name: e.max_score for e in result.exercises}
    assert_contained(grader, result, score=100 - sum(points[n] for n in loses), loses=loses)
    # The patches stayed in the student's process: the grader's own comparisons still tell 0 from 1.
    assert not torch.allclose(torch.zeros(2), torch.ones(2))
    assert by_name(result)["corr2d"].status is Status.FAILED


# ------------------------------------------------------------------ exits and fake results


def test_exit_status_zero_is_not_a_pass(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "exit_in_calls.py"))
    assert_contained(grader, result, score=80, loses={"conv2d_strict", "derivative_kernel"})
    for name in ("conv2d_strict", "derivative_kernel"):
        assert by_name(result)[name].status is Status.ERROR
        assert "exit" in by_name(result)[name].message


def test_exit_at_load_loses_only_what_was_never_defined(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "exit_at_load.py"))
    assert_contained(grader, result, score=95, loses={"integral_kernel"})
    assert by_name(result)["integral_kernel"].status is Status.ERROR
    # Told as what it was: the statement ended the process (not "did not finish in time").
    assert [issue.kind for issue in result.load_issues] == ["died"]
    assert "ended the process" in result.load_issues[0].message


# ------------------------------------------------------------------ secrets


def test_reference_and_hidden_tests_are_not_on_the_students_disk(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "read_reference_from_disk.py", ROOT=ROOT))
    assert_contained(grader, result, score=80, loses={"corr2d"})
    assert by_name(result)["corr2d"].status is Status.NOT_IMPLEMENTED
    assert "found: []" in result.output


def test_reference_is_not_in_the_students_memory(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "reference_in_memory.py"))
    assert_contained(grader, result, score=80, loses={"corr2d"})
    assert by_name(result)["corr2d"].status is Status.NOT_IMPLEMENTED
    found = re.search(r"found in memory: (\[.*\])", result.output).group(1)
    for word in ("grader_reference", "hidden", "Oracles", "Suite", "Grader", "grader_assignments", "checks"):
        assert word not in found


def test_grader_environment_is_not_visible(assignment, tmp_path, monkeypatch):
    # Set before the grader starts its template process, which must not inherit it.
    secret = f"sk-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("GRADER_ATTACK_SECRET", secret)
    with Grader(assignment, visibilities=ALL, limits=Limits(slot=free_slot())) as fresh:
        result = grade(fresh, submission(tmp_path, "env_secrets.py"))
        assert_contained(fresh, result, score=80, loses={"corr2d"}, secrets=(secret, "GRADER_ATTACK_SECRET"))
    assert any("RuntimeError" in t.message for t in by_name(result)["corr2d"].tests)  # the loot reached the report...
    assert "PATH" in result.output  # ...and the output: only the sandbox's own environment was there to take


def test_no_network_not_even_loopback(grader, tmp_path):
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    abstract = f"grader-attack-{uuid.uuid4().hex}"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + abstract)
    unix.listen(8)
    try:
        result = grade(grader, submission(tmp_path, "network.py", PORT=port, ABSTRACT=abstract))
        for listener in (tcp, udp, unix):
            listener.setblocking(False)
        # A TCP or unix connection completes in the kernel's backlog even if nobody calls accept().
        for listener in (tcp, unix):
            with pytest.raises(BlockingIOError):
                listener.accept()
        with pytest.raises(BlockingIOError):
            udp.recv(100)
    finally:
        tcp.close(), udp.close(), unix.close()
    assert_contained(grader, result, score=80, loses={"corr2d"})
    assert "reached: []" in result.output


# ------------------------------------------------------------------ resources


def test_a_loop_that_ignores_signals_costs_its_exercise(grader, tmp_path):
    started = time.monotonic()
    result = grade(grader, submission(tmp_path, "ignore_signals.py"))
    assert_contained(grader, result, score=80, loses={"corr2d"})
    assert by_name(result)["corr2d"].status is Status.TIMEOUT
    assert time.monotonic() - started < 90


def test_memory_bomb_is_capped(grader, tmp_path, monkeypatch):
    # The bomb goes off at its first call only: a replayed example's call would set it off, and the fallback's
    # rewound output would lose what it printed (grader.replay), so this test sees the full run alone.
    monkeypatch.setattr(grader, "replay", None)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = grade(grader, submission(tmp_path, "memory_bomb.py"))
    assert_contained(grader, result, score=80, loses={"corr2d"})
    bombed = re.search(r"bombed: \[(\d+), '(\w+)'\]", result.output)
    assert bombed, (result.output[:1000], [t.message for e in result.exercises for t in e.tests if not t.passed])
    # Stopped by the address-space limit (template size + 3 GiB): at most 12 blocks of 256 MiB.
    assert 1 <= int(bombed.group(1)) <= 12
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200 * 1024, "the grader's own memory grew"


def test_fork_bomb_is_capped_and_cleaned_up(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "fork_bomb.py"))
    assert_contained(grader, result, score=80, loses={"corr2d"})
    forked = [int(n) for n in re.findall(r"forked (\d+)", result.output)]
    assert forked and max(forked) < grader.limits.processes


def test_setsid_and_double_fork_do_not_outlive_the_session(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "outlive.py"))
    assert_contained(grader, result, score=100, loses=set())


def test_output_flood_costs_a_truncated_log(grader, tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = grade(grader, submission(tmp_path, "output_flood.py"))
    assert_contained(grader, result, score=80, loses={"corr2d"})
    kept, note = result.output.rsplit("\n", 1)
    assert len(kept.encode()) <= grader.limits.output_bytes
    dropped = int(re.search(r"\[\.\.\. (\d+) more bytes of output not kept\]", note).group(1))
    assert dropped >= 1024 * 1024**2 - grader.limits.output_bytes
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024


def test_crashes_cost_only_their_exercise(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "crashes.py"))
    assert_contained(grader, result, score=75, loses={"conv2d_strict", "kernel_matrix", "integral_kernel"})
    for name in ("conv2d_strict", "kernel_matrix", "integral_kernel"):
        assert by_name(result)[name].status is Status.ERROR
        assert "ended" in by_name(result)[name].message


# ------------------------------------------------------------------ the grader and other students


def test_forged_replies_are_refused_not_trusted(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "forged_replies.py"))
    assert_contained(grader, result, score=55,
                     loses={"corr2d", "conv2d_strict", "corr2d_matmul", "laplacian_kernel"})
    for name in ("corr2d", "conv2d_strict", "corr2d_matmul"):
        assert "not a valid answer" in by_name(result)[name].message


def test_killing_the_grader_only_kills_the_student(grader, tmp_path):
    template, starts = grader.template.process.pid, grader.template.starts
    result = grade(grader, submission(tmp_path, "kill_grader.py", GRADER_PID=os.getpid(), ZYGOTE_PID=template))
    assert_contained(grader, result, score=90, loses={"conv2d_strict"})
    assert (grader.template.process.pid, grader.template.starts) == (template, starts)
    assert grade(grader, ATTACKS / "victim.py").score == 100  # the same grader carries on


def test_a_student_cannot_touch_another_submission_in_a_batch(assignment, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    victim = folder / "victim.py"
    victim.write_text((ATTACKS / "victim.py").read_text())
    before = victim.read_bytes()
    out = tmp_path / "out"
    (out / "victim").mkdir(parents=True)
    thief = submission(folder, "batch_thief.py", VICTIM=victim, OUT=out)
    jobs = [Job(thief, "batch_thief", str(thief)), Job(victim, "victim", str(victim))]
    results = {r.submission: r for r in grade_batch(jobs, assignment=assignment, workers=2)}
    assert results["victim"].score == 100
    assert victim.read_bytes() == before
    assert list((out / "victim").iterdir()) == []
    thief_result = results["batch_thief"]
    assert lost(thief_result) == {"corr2d": 20}
    assert "VICTIM-ORIGINAL-SOURCE" not in result_text(thief_result)
    assert "cannot read the victim" in thief_result.output


# ------------------------------------------------------------------ privileges and the filesystem


def test_student_code_has_no_privileges(grader, tmp_path):
    result = grade(grader, submission(tmp_path, "escalate.py"))
    assert_contained(grader, result, score=100, loses=set())
    seen = output_record(result, "ESCALATE")
    assert seen["uid"] == seen["euid"] == seen["gid"] == grader.limits.uid != 0
    assert seen["groups"] == []
    assert int(seen["CapEff"], 16) == int(seen["CapPrm"], 16) == int(seen["CapBnd"], 16) == 0
    assert (seen["Seccomp"], seen["NoNewPrivs"]) == ("2", "1")
    assert seen["hostname"] == "sandbox"
    assert max(seen["pids"]) < 10, "it sees processes outside its own pid namespace"
    attempts = {k: v for k, v in seen.items() if k not in ("uid", "euid", "gid", "groups", "hostname", "pids",
                                                           "CapEff", "CapPrm", "CapBnd", "Seccomp", "NoNewPrivs")}
    assert len(attempts) == 11 and all(v.startswith("failed") for v in attempts.values()), attempts


def test_nothing_is_written_outside_the_scratch_space(grader, tmp_path):
    host = tmp_path / "host"
    host.mkdir()
    result = grade(grader, submission(tmp_path, "filesystem.py", ROOT=ROOT, HOSTDIR=host))
    assert_contained(grader, result, score=100, loses=set())
    seen = output_record(result, "FILESYSTEM")
    planted = [p for p in seen if p.startswith("/") and seen[p] == "written"]
    assert planted == []
    for path in ("/planted", "/usr/planted", ROOT / "planted", host / "planted",
                 Path(harness.__file__).parents[1] / "planted.py"):
        assert not os.path.exists(path)
    assert seen["one_file_bytes"] <= grader.limits.file_size
    assert seen["one_file_error"] == "OSError"  # EFBIG: RLIMIT_FSIZE
    assert seen["scratch_bytes"] <= grader.limits.scratch_bytes
    assert seen["scratch_error"] == "OSError"  # ENOSPC: the scratch tmpfs is full


def test_concurrent_graders_run_students_as_distinct_uids(assignment, grader, tmp_path):
    with Grader(assignment, visibilities=ALL, limits=Limits(slot=free_slot())) as other:
        uids = [output_record(grade(g, submission(tmp_path, "escalate.py")), "ESCALATE")["uid"]
                for g in (grader, other)]
        assert uids == [grader.limits.uid, other.limits.uid]
        assert uids[0] != uids[1]
        assert leftovers(other) == []


def test_batch_workers_each_have_their_own_uid(assignment, tmp_path):
    honest = (ATTACKS / "victim.py").read_text()
    paths = []
    for i in range(4):
        path = tmp_path / f"student{i}.py"
        path.write_text(honest + "\nimport os, time\nprint('SPAN', os.getuid(), time.time())\ntime.sleep(2)\n"
                                 "print('SPAN', os.getuid(), time.time())\n")
        paths.append(path)
    results = grade_batch([Job(p, p.stem, str(p)) for p in paths], assignment=assignment, workers=2)
    spans = []
    for result in results:
        (uid, start), (_, end) = [(int(u), float(t)) for u, t in re.findall(r"SPAN (\d+) ([\d.]+)", result.output)]
        spans.append((uid, start, end))
        assert result.score == 100
    overlapping = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:] if a[1] < b[2] and b[1] < a[2]]
    assert overlapping, "two workers never ran at the same time"
    for a, b in overlapping:
        assert a[0] != b[0], "two students ran at the same time as the same uid"
    assert all(uid >= confine.UID_BASE for uid, _, _ in spans)


# ------------------------------------------------------------------ through the real command line


def test_grade_command_keeps_fake_results_and_secrets_out(tmp_path):
    """``grader grade`` in its own process, as an instructor runs it, with a secret in its environment."""
    folder, out, cwd = tmp_path / "submissions", tmp_path / "out", tmp_path / "cwd"
    folder.mkdir(), cwd.mkdir()
    files = [submission(folder, "fake_results_stdout.py"),
             submission(folder, "fake_results_file.py", OUT=out, SUBMISSIONS=folder),
             submission(folder, "env_secrets.py")]
    secret = f"sk-test-{uuid.uuid4().hex}"
    env = dict(os.environ, GRADER_ATTACK_SECRET=secret)
    env.pop("GRADER_DISABLE_LAYERS", None)
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", *map(str, files), "--out", str(out),
                          "--course", str(ROOT), "-j", "2"],
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert {name: rows[name]["score"] for name in rows} == {
        "fake_results_stdout": "80", "fake_results_file": "80", "env_secrets": "80"}
    assert all(rows[name]["corr2d"] == "0" for name in rows)
    for name in rows:
        written = json.loads((out / name / "result.json").read_text())
        assert written["score"] == 80 and len(written["exercises"]) == 10
        assert written["isolation"] == dict.fromkeys(confine.LAYERS, True)
    # The fake result is only ever the student's own output, quoted as such.
    stdout_result = json.loads((out / "fake_results_stdout" / "result.json").read_text())
    assert '"score": 100.0' in stdout_result["output"]
    # Nothing planted: the output folder holds the grader's files only, the rest is as it was.
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted(
        ["gradebook.sqlite", "grades.csv", "summary.html", *rows, *(f"{name}/{file}" for name in rows
                                                 for file in ("result.json", "report.html"))])
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in files)
    assert list(cwd.iterdir()) == []  # nothing left in the working directory, not even a Hypothesis cache
    everything = run.stdout + run.stderr + "".join(p.read_bytes().decode("utf-8", "replace")
                                                   for p in out.rglob("*") if p.is_file())
    assert secret not in everything and "GRADER_ATTACK_SECRET" not in everything
