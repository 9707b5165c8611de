"""Resuming a batch: the real ``grader grade`` killed, interrupted and run again, with its gradebook as the only state."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, ROOT
from grader import cli
from grader.gradebook import SCHEMA_VERSION, Gradebook
from grader.messages import catalogue
from grader.reports.templating import version
from test_cli import grader_command
from test_gradebook import small_disk

QUICK = ("correct_einsum.py", "empty.py", "flipped_kernel.py", "off_by_one.py", "syntax_error.py")


def submissions(folder: Path, names=QUICK) -> Path:
    folder.mkdir()
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def grade(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*grader_command(), "grade", *args, "--lang", "en"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, **kwargs)


def attempts(book: Path) -> dict[str, int]:
    with Gradebook.open(book, create=False) as gradebook:
        found = {}
        for record in gradebook.latest():
            found[record.key] = len(gradebook.attempts(record.key))
        assert gradebook.integrity() == "ok"
        return found


def _without_timings(data):
    if isinstance(data, dict):
        return {k: _without_timings(v) for k, v in data.items() if k != "duration_s"}
    if isinstance(data, list):
        return [_without_timings(v) for v in data]
    return data


def outputs(out: Path) -> dict[str, object]:
    """Every file a batch leaves under ``out``, timings aside (and the gradebook, compared on its own)."""
    generated = catalogue("en").text("report.generated", version=version(), seconds="SECONDS")
    before, after = (re.escape(part) for part in generated.split("SECONDS"))
    found: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_dir() or name.startswith("gradebook.sqlite"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "result.json":
            found[name] = _without_timings(json.loads(text))
        elif path.name == "report.html":
            found[name] = re.sub(before + r"[0-9.]+" + after, "", text)
        elif path.name == "summary.html":
            found[name] = re.sub(r'<section aria-labelledby="slowest">.*?</section>', "", text, flags=re.S)
        else:
            found[name] = text
    return found


def killed_at(point: str, n: int, args: list[str], tmp_path: Path) -> None:
    """Run ``grader grade`` until its n-th arrival at ``point`` (grader.killpoints), then SIGKILL it and its children."""
    flag = tmp_path / f"at-{point}-{n}"
    flag.unlink(missing_ok=True)  # from an earlier kill at the same point
    env = {**os.environ, "GRADER_TEST_PAUSE": f"{point}:{n}:{flag}"}
    process = subprocess.Popen([*grader_command(), "grade", *args], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not flag.exists():
        if process.poll() is not None:
            pytest.fail(f"grade ended before reaching {point} #{n}: {process.stderr.read()}")
        assert time.monotonic() < deadline, f"{point} #{n} never reached"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()


@pytest.mark.slow
def test_a_batch_killed_at_any_point_and_rerun_ends_as_an_uninterrupted_one(tmp_path):
    subs = submissions(tmp_path / "subs")
    baseline = grade(str(subs), "--out", str(tmp_path / "baseline"), "-j", "1")
    assert baseline.returncode == 0, baseline.stderr
    out = tmp_path / "out"
    book = out / "gradebook.sqlite"
    args = [str(subs), "--out", str(out), "-j", "1", "--lang", "en"]
    # In job order: correct_einsum, empty, flipped_kernel, off_by_one, syntax_error.
    killed_at("recording", 2, args, tmp_path)  # inside the transaction of the second result
    assert attempts(book) == {"correct_einsum": 1}
    killed_at("recorded", 1, args, tmp_path)  # committed, before its files
    assert attempts(book) == {"correct_einsum": 1, "empty": 1} and not (out / "empty").exists()
    killed_at("writing", 1, args, tmp_path)  # writing the files a kill left unwritten (report.html done, not result.json)
    assert (out / "empty" / "report.html").exists() and not (out / "empty" / "result.json").exists()
    killed_at("writing", 2, args, tmp_path)  # then writing a new result's files
    assert set(attempts(book)) == {"correct_einsum", "empty", "flipped_kernel"}
    killed_at("graded", 1, args, tmp_path)  # a result back from grading, not yet recorded: in flight
    assert set(attempts(book)) == {"correct_einsum", "empty", "flipped_kernel"}
    # Two workers: while the batch stops after recording one result, the other worker is grading the last one.
    killed_at("recorded", 1, [*args[:-4], "-j", "2", "--lang", "en"], tmp_path)
    assert len(attempts(book)) == 4
    killed_at("summary", 1, args, tmp_path)  # between grades.csv and summary.html, everything recorded
    assert not (out / "summary.html").exists()
    last = grade(*args)
    assert last.returncode == 0, last.stderr
    assert "graded 0 submission(s) now, kept 5" in last.stdout
    assert outputs(out) == outputs(tmp_path / "baseline")
    assert attempts(book) == {Path(name).stem: 1 for name in QUICK}  # nothing graded twice
    assert attempts(tmp_path / "baseline" / "gradebook.sqlite") == attempts(book)


@pytest.mark.slow
def test_a_rerun_grades_only_what_changed(tmp_path):
    subs = submissions(tmp_path / "subs", QUICK[:3])
    out = tmp_path / "out"
    first = grade(str(subs), "--out", str(out), "-j", "2")
    assert first.returncode == 0, first.stderr
    assert "graded 3 submission(s) now, kept 0" in first.stdout
    again = grade(str(subs), "--out", str(out), "-j", "2")
    assert "graded 0 submission(s) now, kept 3" in again.stdout and "resuming: 3 of 3" in again.stderr
    shutil.copy(CORPUS / "off_by_one.py", subs / "empty.py")  # a student's new attempt
    changed = grade(str(subs), "--out", str(out), "-j", "2")
    assert "graded 1 submission(s) now, kept 2" in changed.stdout
    assert attempts(out / "gradebook.sqlite") == {"correct_einsum": 1, "empty": 2, "flipped_kernel": 1}
    assert json.loads((out / "empty" / "result.json").read_text())["score"] == 80
    assert "empty,80,100" in (out / "grades.csv").read_text()
    history = subprocess.run([*grader_command(), "gradebook", str(out), "--student", "empty"], capture_output=True,
                             text=True, timeout=60)
    assert history.returncode == 0, history.stderr
    assert re.search(r"attempt 1 .* 0/100 .*first attempt", history.stdout)
    assert re.search(r"attempt 2 .* 80/100 \(\+80\) .*new submission bytes", history.stdout)
    glance = subprocess.run([*grader_command(), "gradebook", str(out)], capture_output=True, text=True, timeout=60)
    assert [line.split()[:3] for line in glance.stdout.splitlines()[1:]] == [
        ["correct_einsum", "100/100", "1"], ["empty", "80/100", "2"], ["flipped_kernel", "80/100", "1"]]
    # A changed reference changes the assignment's fingerprint: everything is graded again.
    course = tmp_path / "course"
    for part in ("assignments", "reference"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    with (course / "reference" / "conv_layer.py").open("a") as handle:
        handle.write("\n# a fix to the reference\n")
    fixed = grade(str(subs), "--out", str(out), "-j", "2", "--course", str(course))
    assert "graded 3 submission(s) now, kept 0" in fixed.stdout, fixed.stderr
    forced = grade(str(subs), "--out", str(out), "-j", "2", "--course", str(course), "--regrade")
    assert "graded 3 submission(s) now, kept 0" in forced.stdout
    assert attempts(out / "gradebook.sqlite") == {"correct_einsum": 3, "empty": 4, "flipped_kernel": 3}


def _session_processes(sid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: the session id
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_ctrl_c_stops_the_batch_keeps_what_finished_and_says_how_to_resume(tmp_path):
    subs = submissions(tmp_path / "subs")
    out = tmp_path / "out"
    process = subprocess.Popen([*grader_command(), "grade", str(subs), "--out", str(out), "-j", "2", "--lang", "en"],
                               cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 300
    while True:  # until the first result is recorded
        assert process.poll() is None and time.monotonic() < deadline
        try:
            with sqlite3.connect(out / "gradebook.sqlite", timeout=5) as db:
                if db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] >= 1:
                    break
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group gets it
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "run the same command again" in stderr
    assert "Traceback" not in stderr
    time.sleep(1)
    assert _session_processes(process.pid) == []  # workers, templates and student processes all ended
    done = attempts(out / "gradebook.sqlite")
    assert 1 <= len(done) < len(QUICK) and set(done.values()) == {1}
    assert (out / "grades.csv").read_text().count("\n") == 1 + len(done)  # the class files show what finished
    rest = grade(str(subs), "--out", str(out), "-j", "2")
    assert rest.returncode == 0, rest.stderr
    assert f"graded {len(QUICK) - len(done)} submission(s) now, kept {len(done)}" in rest.stdout


@pytest.mark.slow
def test_a_full_disk_stops_the_batch_with_a_clear_message_and_a_rerun_finishes_it(tmp_path):
    subs = submissions(tmp_path / "subs")
    with small_disk(tmp_path / "disk", "1m") as disk:
        ballast = disk / "ballast"
        ballast.write_bytes(b"\0" * (1024 * 1024 - 200 * 1024))  # about 200 KiB left: two or three submissions
        out = disk / "out"
        full = grade(str(subs), "--out", str(out), "-j", "1")
        assert full.returncode == 4, full.stderr
        assert "full" in full.stderr and "run the same command again" in full.stderr
        assert "Traceback" not in full.stderr
        before = attempts(out / "gradebook.sqlite")
        assert 1 <= len(before) < len(QUICK)
        ballast.unlink()  # space freed
        rest = grade(str(subs), "--out", str(out), "-j", "1")
        assert rest.returncode == 0, rest.stderr
        assert attempts(out / "gradebook.sqlite") == {Path(name).stem: 1 for name in QUICK}
        for name in QUICK:
            assert json.loads((out / Path(name).stem / "result.json").read_text())["submission"] == Path(name).stem
        assert (out / "grades.csv").read_text().count("\n") == 1 + len(QUICK)


def invoke(*args: str):
    # empty.py defines no assignment's names: grade names the assignment (two are installed, none is the default)
    return CliRunner().invoke(cli.main, [*args, "--course", str(ROOT), "--assignment", "conv-layer"]
                              if args[0] == "grade" else list(args))


def test_an_out_folder_with_another_assignments_results_is_refused(tmp_path):
    (tmp_path / "out" / "alice").mkdir(parents=True)
    (tmp_path / "out" / "alice" / "result.json").write_text(json.dumps({"assignment": "mlp-layer", "score": 3}))
    run = invoke("grade", str(CORPUS / "empty.py"), "--out", str(tmp_path / "out"))
    assert run.exit_code == 4
    assert "holds results of assignment 'mlp-layer'" in run.output and "another --out" in run.output
    assert (tmp_path / "out" / "alice" / "result.json").read_text().count("mlp-layer") == 1
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_a_gradebook_of_another_assignment_or_a_newer_grader_is_refused_by_grade(tmp_path):
    Gradebook.open(tmp_path / "other.sqlite", assignment="mlp-layer").close()
    run = invoke("grade", str(CORPUS / "empty.py"), "--out", str(tmp_path / "out"),
                 "--gradebook", str(tmp_path / "other.sqlite"))
    assert run.exit_code == 4 and "holds the results of assignment 'mlp-layer'" in run.output
    Gradebook.open(tmp_path / "newer.sqlite").close()
    with sqlite3.connect(tmp_path / "newer.sqlite") as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 3}")
    run = invoke("grade", str(CORPUS / "empty.py"), "--out", str(tmp_path / "out"),
                 "--gradebook", str(tmp_path / "newer.sqlite"))
    assert run.exit_code == 4 and "newer grader" in run.output
    (tmp_path / "notes.sqlite").write_text("not a database at all, but long enough to be read " * 40)
    run = invoke("gradebook", "--gradebook", str(tmp_path / "notes.sqlite"))
    assert run.exit_code == 4 and "corrupt or not a gradebook" in run.output


def test_the_gradebook_command_needs_a_folder_or_a_file(tmp_path):
    run = invoke("gradebook")
    assert run.exit_code == 2 and "--gradebook FILE" in run.output
    Gradebook.open(tmp_path / "g.sqlite").close()
    run = invoke("gradebook", "--gradebook", str(tmp_path / "g.sqlite"))
    assert run.exit_code == 0 and "no submissions graded yet" in run.output
    run = invoke("gradebook", "--gradebook", str(tmp_path / "g.sqlite"), "--student", "42")
    assert run.exit_code == 2 and "no submission of '42'" in run.output


@pytest.mark.slow
def test_results_come_as_they_finish_not_in_job_order(assignment, tmp_path):
    from grader.engine import Job, LocalBackend

    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(12)\n")  # under the load time limit (20 s), far slower than empty.py
    jobs = [Job(slow, "slow", str(slow)), Job(CORPUS / "empty.py", "empty", "empty.py")]
    order = [r.submission for r in LocalBackend(2).results(jobs, assignment=assignment)]
    assert order == ["empty", "slow"]
