"""The process model without fork: what Windows and macOS run (``grader.sandbox.spawned``).

Two kinds of tests.  In-process ones force ``Limits(process_model="spawn")`` on Linux and check that
grading does not depend on how a student process was started: the same verdicts, the same
containment of what a process alone can contain (comparisons forged in the student's process, exits,
crashes, floods, endless loops), nothing left behind.  And ``windows_like`` ones run the real command
line in interpreters stripped of what Windows lacks (fork, process groups, passing descriptors,
fcntl, resource, select on pipes, POSIX-only subprocess options), so any use of those on the way
from ``grader check`` to a student process and back fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from attack_kit import SECRET_TEXT, lost, result_text, stat_fields, submission
from conftest import CORPUS, ROOT, by_name, corpus_manifest, grade
from test_corpus import assert_verdict
from grader.engine import ALL, Grader
from grader.results import Status
from grader.sandbox.workers import Limits, Spawner

SPAWNED = "grader.sandbox.spawned"


def spawned_processes() -> list[int]:
    """Pids of student processes (and spares) this test process started."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except OSError:
            continue
        fields = stat_fields(entry)
        if SPAWNED.encode() in command and fields and int(fields[1]) == os.getpid() and alive(int(entry)):
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    fields = stat_fields(pid)
    return fields is not None and fields[0] not in (b"Z", b"X")


@pytest.fixture(scope="module")
def spawning(assignment):
    with Grader(assignment, visibilities=ALL, limits=Limits(process_model="spawn", call_timeout_s=5.0)) as grader:
        assert isinstance(grader.template, Spawner)
        yield grader
    assert spawned_processes() == [], "a student process or spare outlived its grader"


def summary(result) -> dict:
    """What a verdict is made of, per exercise: points, status, and the first failure's diagnosis and counterexample."""
    found = {}
    for exercise in result.exercises:
        first = next((t for t in exercise.tests if not t.passed), None)
        found[exercise.name] = (exercise.score, exercise.status.value,
                                first and (first.outcome.value, first.diagnosis, first.counterexample))
    return found


def test_a_spawned_process_grades_like_a_forked_one(spawning, grader_all):
    for name in ("flipped_kernel.py", "off_by_one.py", "correct_unfold.py"):
        spawned, forked = grade(spawning, CORPUS / name), grade(grader_all, CORPUS / name)
        assert summary(spawned) == summary(forked), name
    assert spawned.isolation["process"] and spawned.isolation["time_limits"]
    assert not spawned.isolation["namespaces"] and not spawned.isolation["uid_drop"]


@pytest.mark.slow
@pytest.mark.parametrize("entry", corpus_manifest(), ids=[e["file"] for e in corpus_manifest()])
def test_the_whole_corpus_gets_the_right_verdicts_in_the_spawn_model(spawning, entry):
    assert_verdict(grade(spawning, CORPUS / entry["file"]), entry)


def test_a_timeout_kills_the_process_and_costs_one_exercise(spawning):
    before = set(spawned_processes())
    started = time.monotonic()
    result = grade(spawning, CORPUS / "infinite_loop.py")
    assert set(lost(result)) == {"corr2d"}
    assert by_name(result)["corr2d"].status is Status.TIMEOUT
    assert time.monotonic() - started < 60
    # Every process that ran this submission is gone; what is left is the next spare.
    assert len(set(spawned_processes()) - before) <= 1


def test_what_a_spawned_process_starts_ends_with_it(spawning, tmp_path):
    code = (CORPUS / "correct_unfold.py").read_text(encoding="utf-8") + textwrap.dedent("""
        import subprocess as _subprocess
        _sleeper = _subprocess.Popen(["sleep", "600"])
        print("SLEEPER", _sleeper.pid)
    """)
    path = tmp_path / "sleeper.py"
    path.write_text(code, encoding="utf-8")
    result = grade(spawning, path)
    assert result.score == 100
    pid = int(re.search(r"SLEEPER (\d+)", result.output).group(1))
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), "a process the submission started outlived it"


def test_each_submission_gets_its_own_empty_scratch_folder(spawning, tmp_path):
    base = (CORPUS / "correct_unfold.py").read_text(encoding="utf-8")
    writer = tmp_path / "writer.py"
    writer.write_text(base + "\nimport os as _os\nopen('left_behind.txt', 'w').write('x')\n"
                      "print('WHERE', _os.getcwd())\n", encoding="utf-8")
    reader = tmp_path / "reader.py"
    reader.write_text(base + "\nimport os as _os\nprint('SEEN', sorted(_os.listdir('.')))\n", encoding="utf-8")
    first, second = grade(spawning, writer), grade(spawning, reader)
    assert first.score == second.score == 100
    assert "SEEN []" in second.output
    where = re.search(r"WHERE (\S+)", first.output).group(1)
    assert not Path(where).exists(), "a student's scratch folder was left on disk"


def test_the_environment_is_clean(assignment, tmp_path, monkeypatch):
    secret = "sk-spawn-secret-0123456789"
    monkeypatch.setenv("GRADER_ATTACK_SECRET", secret)
    with Grader(assignment, visibilities=ALL, limits=Limits(process_model="spawn")) as fresh:
        result = grade(fresh, submission(tmp_path, "env_secrets.py"))
    assert secret not in result_text(result) and "GRADER_ATTACK_SECRET" not in result_text(result)
    assert set(lost(result)) == {"corr2d"}


# What a separate process contains, whatever started it.  (Network, the filesystem, privileges and fork
# bombs need the Linux layers; SECURITY.md says so.)
@pytest.mark.slow
@pytest.mark.parametrize("name, loses, status", [
    ("always_equal.py", {"corr2d", "second_derivative_kernel"}, None),
    ("patched_comparisons.py", {"corr2d", "conv2d_strict"}, None),
    ("tensor_subclass.py", {"corr2d"}, None),
    ("exit_in_calls.py", {"conv2d_strict", "derivative_kernel"}, Status.ERROR),
    ("exit_at_load.py", {"integral_kernel"}, Status.ERROR),
    ("crashes.py", {"conv2d_strict", "kernel_matrix", "integral_kernel"}, Status.ERROR),
    ("ignore_signals.py", {"corr2d"}, Status.TIMEOUT),
    ("reference_in_memory.py", {"corr2d"}, Status.NOT_IMPLEMENTED),
])
def test_attacks_a_process_alone_contains(spawning, tmp_path, name, loses, status):
    result = grade(spawning, submission(tmp_path, name))
    assert set(lost(result)) == loses
    assert all(by_name(result)[n].score == 0 for n in loses)
    if status is not None:
        assert {by_name(result)[n].status for n in loses} == {status}
    if name == "exit_at_load.py":
        assert [issue.kind for issue in result.load_issues] == ["died"]
    text = result_text(result)
    assert "internal grader error" not in text
    for secret in SECRET_TEXT:
        assert secret not in text


@pytest.mark.slow
def test_an_output_flood_costs_a_truncated_log(spawning, tmp_path):
    result = grade(spawning, submission(tmp_path, "output_flood.py"))
    assert set(lost(result)) == {"corr2d"}
    kept, note = result.output.rsplit("\n", 1)
    assert len(kept.encode()) <= spawning.limits.output_bytes
    dropped = int(re.search(r"\[\.\.\. (\d+) more bytes of output not kept\]", note).group(1))
    assert dropped >= 1024 * 1024**2 - spawning.limits.output_bytes


# ------------------------------------------------------------------ a Windows-like interpreter


@pytest.fixture(scope="module")
def windows_python(tmp_path_factory) -> str:
    wrapper = tmp_path_factory.mktemp("windows") / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I "{ROOT / "tests" / "windows_like.py"}" --as "$0" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def run_grader(python: str, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "grader.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def test_windows_like_python_really_lacks_what_windows_lacks(windows_python, tmp_path):
    probe = ("import os, select, socket, subprocess\n"
             "missing = [n for n in ('fork', 'killpg', 'setsid', 'geteuid') if hasattr(os, n)]\n"
             "assert not missing and not hasattr(socket, 'send_fds'), missing\n"
             "try:\n    import fcntl\nexcept ImportError:\n    pass\nelse:\n    raise AssertionError('fcntl')\n"
             "r, w = os.pipe()\n"
             "try:\n    select.select([r], [], [], 0)\nexcept OSError:\n    pass\nelse:\n    raise AssertionError('select')\n"
             "try:\n    subprocess.Popen(['true'], pass_fds=[w])\nexcept ValueError:\n    print('ok')\n")
    done = subprocess.run([windows_python, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


def test_grader_check_runs_on_a_windows_like_python(windows_python, tmp_path):
    target = CORPUS / "flipped_kernel.py"
    done = run_grader(windows_python, "check", str(target), "--json", str(tmp_path / "spawned.json"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Score: 80 of 100 points" in done.stdout
    assert re.search(r"sandbox: weaker isolation, \d of 9 layers off", done.stdout)
    forked = run_grader(sys.executable, "check", str(target), "--json", str(tmp_path / "forked.json"), cwd=tmp_path)
    assert forked.returncode == 0, forked.stderr
    spawned, native = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("spawned", "forked"))
    for key in ("duration_s", "isolation"):
        spawned.pop(key), native.pop(key)
    for exercise in (*spawned["exercises"], *native["exercises"]):
        exercise.pop("duration_s")
    assert spawned == native


@pytest.mark.slow
def test_grader_grade_on_a_windows_like_python_refuses_then_grades_when_allowed(windows_python, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("flipped_kernel.py", "correct_loops.py"):
        (folder / name).write_text((CORPUS / name).read_text(encoding="utf-8"), encoding="utf-8")
    refused = run_grader(windows_python, "grade", str(folder), "--out", str(tmp_path / "refused"), cwd=ROOT)
    assert refused.returncode == 3, refused.stderr
    assert "refusing to grade" in refused.stderr and "they need Linux" in refused.stderr
    assert not (tmp_path / "refused" / "grades.csv").exists()
    graded = run_grader(windows_python, "grade", str(folder), "--out", str(tmp_path / "out"), "-j", "2",
                        "--allow-weak-sandbox", cwd=ROOT)
    assert graded.returncode == 0, graded.stderr
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    scores = {row.split(",")[0]: row.split(",")[1] for row in rows[1:]}
    assert {k: float(v) for k, v in scores.items()} == {"flipped_kernel": 80.0, "correct_loops": 100.0}


def test_the_process_model_can_be_chosen_from_the_environment(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    monkeypatch.setenv("GRADER_PROCESS_MODEL", "spawn")
    done = CliRunner().invoke(main, ["check", str(CORPUS / "correct_unfold.py"), "--json", str(tmp_path / "r.json")])
    assert done.exit_code == 0, done.output
    isolation = json.loads((tmp_path / "r.json").read_text())["isolation"]
    assert isolation["process"] and not isolation["namespaces"]
    monkeypatch.setenv("GRADER_PROCESS_MODEL", "thread")
    refused = CliRunner().invoke(main, ["check", str(CORPUS / "correct_unfold.py")])
    assert refused.exit_code == 3 and "unknown process model 'thread'" in refused.output


def test_layers_turned_off_by_configuration_stay_off_when_spawning(assignment, tmp_path):
    limits = Limits(process_model="spawn", disabled_layers=("rlimits",))
    with Grader(assignment, limits=limits, one_submission=True) as grader:
        assert grader.template.layers["rlimits"] is False
        assert "GRADER_DISABLE_LAYERS" in grader.template.layer_errors["rlimits"]
        result = grade(grader, CORPUS / "correct_unfold.py")
    assert result.score == 100 and result.isolation["rlimits"] is False


def test_a_spawned_process_ends_when_its_grader_is_killed(tmp_path):
    # SIGKILL leaves the grader no chance to clean up; its student process, deep in an endless loop, must
    # still end (on Windows there is no process group to take it along: only the closed pipe tells it).
    pid_file = tmp_path / "student.pid"
    looping = tmp_path / "looping.py"
    looping.write_text((CORPUS / "infinite_loop.py").read_text(encoding="utf-8")
                       + f"\nimport os as _os\nopen({str(pid_file)!r}, 'w').write(str(_os.getpid()))\n",
                       encoding="utf-8")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from grader import engine
        from grader.assignment import find
        from grader.sandbox.workers import Limits
        engine.check(Path({str(looping)!r}), assignment=find("conv-layer", None),
                     limits=Limits(process_model="spawn", call_timeout_s=300))
    """)
    grader = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        student = int(pid_file.read_text())
        time.sleep(1.0)  # well inside corr2d's endless loop by now
        assert alive(student)
    finally:
        grader.kill()
        grader.wait()
    deadline = time.monotonic() + 10
    while alive(student) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(student), "the student process outlived its grader"
