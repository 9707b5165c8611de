"""The gradebook: real SQLite files; results read back render the same bytes; every bad gradebook ends in a clear error."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import CORPUS, ROOT, grade
from grader import batch
from grader.assignment import find, versions
from grader.gradebook import SCHEMA_VERSION, Gradebook, GradebookError
from grader.messages import catalogue
from grader.reports import csv_report, html_report, json_report, summary_report
from grader.results import Identity, Person

FILES = ("flipped_kernel.py", "syntax_error.py", "chapter_answers.ipynb", "not_utf8.py", "global_kernel.py")
STAMP = dict(sha256="ab" * 32, fingerprint="cd" * 32, versions={"grader": "0.1.0", "torch": "2.13.0"},
             visibilities=("public", "hidden"))


@pytest.fixture(scope="module")
def graded(grader_all):
    results = [grade(grader_all, CORPUS / name) for name in FILES]
    # As the intake gives it: a group, a name in Chinese, a late flag.
    group = Identity("gradescope", (Person("2024001", "张伟", "zw@example.edu"), Person("2024002", "Ana Ñ", "")),
                     late=True, submission_id="991", submitted_at="2026-11-30T23:59:59Z", entry="submission_991/")
    results[0] = replace(results[0], identity=group)
    return results


def record(book, result, **changes):
    return book.record(result, **{**STAMP, **changes}, duration_s=result.duration_s)


def test_a_result_read_back_renders_the_same_json_html_csv_and_summary(graded, assignment, tmp_path):
    with Gradebook.open(tmp_path / "g.sqlite", assignment="conv-layer") as book:
        for result in graded:
            record(book, result)
    with Gradebook.open(tmp_path / "g.sqlite", create=False) as book:
        back = {r.key: r.result for r in book.latest("conv-layer")}
    assert list(back) == sorted(r.submission for r in graded)  # ordered by key
    names = [e.name for e in assignment.exercises]
    for lang in ("en", "zh"):
        cat = catalogue(lang, assignment)
        for result in graded:
            again = back[result.submission]
            assert again == result
            assert json_report.dumps(again) == json_report.dumps(result)
            assert html_report.render(again, cat) == html_report.render(result, cat)
        in_order = sorted(graded, key=lambda r: r.submission)
        assert summary_report.render([back[r.submission] for r in in_order], cat) == summary_report.render(in_order, cat)
    csv_report.write(in_order, names, tmp_path / "memory.csv")
    csv_report.write((back[r.submission] for r in in_order), names, tmp_path / "book.csv")
    assert (tmp_path / "memory.csv").read_bytes() == (tmp_path / "book.csv").read_bytes()


def test_attempts_are_numbered_and_latest_is_the_last_one(graded, tmp_path):
    first, second = graded[0], graded[1]
    with Gradebook.open(tmp_path / "g.sqlite") as book:
        record(book, first)
        record(book, second)
        changed = replace(first, score=first.score + 10)
        again = record(book, changed, sha256="ef" * 32)
        assert again.attempt == 2 and again.graded_at.endswith("Z")
        attempts = book.attempts(first.submission)
        assert [a.attempt for a in attempts] == [1, 2]
        assert [a.result.score for a in attempts] == [first.score, first.score + 10]
        latest = {r.key: r for r in book.latest()}
        assert latest[first.submission].result.score == first.score + 10 and latest[first.submission].attempt == 2
        assert latest[first.submission].versions == STAMP["versions"]
        assert book.stamps()[first.submission].sha256 == "ef" * 32
        # An LMS student id finds the submission too.
        assert book.keys_of_student("2024002") == [first.submission]
        assert book.integrity() == "ok"


def test_a_late_penalty_is_kept_with_the_key(graded, tmp_path):
    with Gradebook.open(tmp_path / "g.sqlite") as book:
        record(book, graded[0])
        book.set_late_penalty(graded[0].submission, percent=10, reason="2 days late")
        record(book, graded[0])  # a later attempt keeps it
        found = book.latest()[0]
        assert (found.late_penalty_percent, found.late_penalty_reason) == (10.0, "2 days late")
        assert book.latest_of(graded[1].submission) is None
        with pytest.raises(GradebookError, match="0 to 100"):
            book.set_late_penalty(graded[0].submission, percent=150, reason="")


def test_wal_mode_and_the_schema_version_are_stored(tmp_path):
    Gradebook.open(tmp_path / "g.sqlite").close()
    db = sqlite3.connect(tmp_path / "g.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_empty_sqlite_file_is_migrated_to_the_current_schema(tmp_path):
    sqlite3.connect(tmp_path / "old.sqlite").execute("CREATE TABLE unrelated (x)").connection.close()
    with Gradebook.open(tmp_path / "old.sqlite", assignment="conv-layer") as book:
        assert book.assignment == "conv-layer" and book.latest() == []


def test_a_gradebook_from_a_newer_grader_is_refused(tmp_path):
    Gradebook.open(tmp_path / "g.sqlite").close()
    db = sqlite3.connect(tmp_path / "g.sqlite")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(GradebookError, match="newer grader"):
        Gradebook.open(tmp_path / "g.sqlite")


def test_a_gradebook_of_another_assignment_is_refused(graded, tmp_path):
    Gradebook.open(tmp_path / "g.sqlite", assignment="other-assignment").close()
    with pytest.raises(GradebookError, match="'other-assignment', not 'conv-layer'"):
        Gradebook.open(tmp_path / "g.sqlite", assignment="conv-layer")
    with Gradebook.open(tmp_path / "g.sqlite") as book, pytest.raises(GradebookError, match="other-assignment"):
        record(book, graded[0])  # nor is a result of another assignment recorded into it
    with Gradebook.open(tmp_path / "g.sqlite") as book:
        assert book.count() == 0


def test_a_file_that_is_not_a_gradebook_is_called_corrupt(tmp_path):
    (tmp_path / "text.sqlite").write_text("id,score\nalice,100\n" * 100)
    with pytest.raises(GradebookError, match="corrupt or not a gradebook"):
        Gradebook.open(tmp_path / "text.sqlite")
    with pytest.raises(GradebookError, match="no gradebook"):
        Gradebook.open(tmp_path / "missing.sqlite", create=False)


def test_a_damaged_gradebook_says_so_and_keeps_its_file(graded, tmp_path):
    path = tmp_path / "g.sqlite"
    with Gradebook.open(path) as book:
        for result in graded:
            record(book, result)
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # every page after the first overwritten
    path.write_bytes(bytes(data))
    with pytest.raises(GradebookError, match="corrupt"):
        with Gradebook.open(path) as book:
            book.latest()
    assert path.read_bytes() == bytes(data)  # nothing written over it


def test_a_locked_gradebook_is_refused_with_a_clear_message(graded, tmp_path):
    path = tmp_path / "g.sqlite"
    Gradebook.open(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another grader in the middle of writing
    try:
        with pytest.raises(GradebookError, match="locked by another process"):
            Gradebook.open(path, assignment="conv-layer", timeout=0.2)
        with Gradebook.open(path, timeout=0.2) as book, pytest.raises(GradebookError, match="locked"):
            record(book, graded[0])
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Gradebook.open(path) as book:
        record(book, graded[0])  # and usable once the other is done
        assert book.count() == 1


@contextlib.contextmanager
def small_disk(folder: Path, size: str):
    """A real full disk: a tmpfs of ``size`` mounted at ``folder`` (the tests run as root)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_ends_in_a_clear_error_and_keeps_what_was_recorded(graded, tmp_path):
    with small_disk(tmp_path / "disk", "192k") as disk:
        recorded = 0
        with Gradebook.open(disk / "g.sqlite") as book:
            with pytest.raises(GradebookError, match="disk holding the gradebook .* is full"):
                for n in range(1000):
                    record(book, replace(graded[n % len(graded)], submission=f"s{n:04}"))
                    recorded += 1
        assert recorded > 0
        with Gradebook.open(disk / "g.sqlite", create=False) as book:
            assert book.integrity() == "ok"
            assert [r.key for r in book.latest()] == [f"s{n:04}" for n in range(recorded)]


def test_the_fingerprint_covers_the_checks_and_the_reference(tmp_path):
    import shutil

    for part in ("assignments", "reference"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    before = find("conv-layer", tmp_path).fingerprint()
    assert before == find("conv-layer", ROOT).fingerprint()  # the files, not where they are
    from grader.assignment import GRADER_DIR, _fingerprint

    for changed in ("reference/conv_layer.py", "assignments/conv_layer/hidden/conv_layer.py",
                    "assignments/conv_layer/assignment.toml", "assignments/conv_layer/common.py"):
        with (tmp_path / changed).open("a") as handle:
            handle.write("\n# changed\n")
        _fingerprint.cache_clear()
        after = find("conv-layer", tmp_path).fingerprint()
        assert after != before, changed
        before = after
    # The shared check library, seen through a copy of the package.
    package = tmp_path / "grader"
    shutil.copytree(GRADER_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    files = (tmp_path / "assignments" / "conv_layer", tmp_path / "reference" / "conv_layer.py")
    assert _fingerprint(*files, package) == before
    with (package / "tensorcheck" / "compare.py").open("a") as handle:
        handle.write("\n# changed\n")
    _fingerprint.cache_clear()
    assert _fingerprint(*files, package) != before
    assert set(versions()) == {"grader", "torch", "hypothesis"}


def test_a_graded_result_carries_its_provenance(graded, assignment):
    assert graded[1].provenance == {"fingerprint": assignment.fingerprint(), **versions()}


def test_the_same_submission_or_student_twice_in_a_batch_is_refused():
    def job(id_, source, student="", system="canvas"):
        return SimpleNamespace(id=id_, source=source, path=Path(source),
                               identity=Identity(system, (Person(student),) if student else ()))

    with pytest.raises(batch.BatchError, match="a.py and b/a.py would both be graded as 'a'"):
        batch.refuse_duplicates([job("a", "a.py"), job("a", "b/a.py")])
    with pytest.raises(batch.BatchError, match="student 42 .canvas. handed in twice"):
        batch.refuse_duplicates([job("42", "x_42_1_a.py", "42"), job("42-2", "x_42_2_a.py", "42")])
    batch.refuse_duplicates([job("a", "a.py", "", "files"), job("b", "b.py", "", "files")])


def test_the_bytes_graded_decide_the_hash(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "conv_layer.py").write_text("x = 1\n")
    first = batch.sha256_of(tmp_path / "sub")
    (tmp_path / "sub" / "helper.py").write_text("")
    assert batch.sha256_of(tmp_path / "sub") != first  # a new file in the folder is a change
    (tmp_path / "one.py").write_bytes(b"x = 1\n")
    import hashlib

    assert batch.sha256_of(tmp_path / "one.py") == hashlib.sha256(b"x = 1\n").hexdigest()


def test_the_gradebook_command_lines_name_the_changes_and_print_no_escape_sequences(graded, tmp_path):
    from grader.reports import ledger

    hostile = replace(graded[2], identity=Identity("canvas", (Person("7", "Eve\x1b[2J\x1b]0;owned\x07", ""),)))
    with Gradebook.open(tmp_path / "g.sqlite") as book:
        record(book, hostile)
        record(book, hostile, versions={"grader": "0.1.0", "torch": "2.14.0"})
        book.set_late_penalty(hostile.submission, percent=20, reason="late")
        lines = list(ledger.class_lines(book))
        history = list(ledger.attempt_lines(book.attempts(hostile.submission)))
    assert not any("\x1b" in line or "\x07" in line for line in lines + history)
    assert "Eve?[2J?]0;owned? (7)" in lines[1] and "late penalty 20%" in lines[1]
    assert history[1].startswith("  attempt 1") and history[1].endswith("first attempt")
    assert history[2].endswith("torch 2.13.0 -> 2.14.0")
