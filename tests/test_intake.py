"""Intake: LMS downloads (built as each LMS builds them) and hostile archives turned into the submissions to grade."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT
from grader import engine, intake
from grader.assignment import find
from grader.errors import UsageProblem
from grader.intake import Limits, archive
from lms_archives import (
    CanvasUpload,
    GradescopeSubmission,
    RawName,
    canvas_text_entry,
    canvas_zip,
    corrupt_entry_data,
    encrypted,
    gradescope_zip,
    moodle_entry,
    moodle_zip,
    symlink,
    truncated,
    write_zip,
    zip_bytes,
)

REFERENCE = (ROOT / "reference" / "conv_layer.py").read_bytes()
CODE = b"def corr2d(X, K):\n    return X\n\n\nclass Conv2D:\n    pass\n"
HELPER = b"def helper():\n    return 1\n"


@pytest.fixture(scope="module")
def assignment():
    return find("conv-layer", ROOT)


def jobs(assignment, *paths: Path, lms: str | None = None) -> list[engine.Job]:
    """The jobs for ``paths``, their chosen files copied out of the work folder (removed when intake ends)."""
    kept = Path(tempfile.mkdtemp(prefix="intake-test-"))
    out = []
    with engine.jobs_for(list(paths), assignment=assignment, lms=lms) as found:
        for n, job in enumerate(found):
            if job.path is not None and not job.path.is_relative_to(paths[0].parent):
                copy = kept / str(n) / job.path.name
                copy.parent.mkdir()
                shutil.copyfile(job.path, copy)
                job = replace(job, path=copy)
            out.append(job)
    return out


def by_id(found: list[engine.Job]) -> dict[str, engine.Job]:
    return {j.id: j for j in found}


def kinds(job: engine.Job) -> list[str]:
    return [i.kind for i in job.issues]


# ------------------------------------------------------------------ Canvas


def test_canvas_download_gives_ids_names_late_flags_and_attachments(tmp_path, assignment):
    path = canvas_zip(tmp_path / "cs101-hw1_submissions.zip", [
        CanvasUpload("Doe, Jane", 4021, 998877, "conv_layer.py", CODE, late=True),
        CanvasUpload("Smith, John", 4022, 1000, "conv_layer.py", b"x = 'first attempt'\n"),
        CanvasUpload("Smith, John", 4022, 1500, "conv_layer-1.py", CODE),
        CanvasUpload("Smith, John", 4022, 1501, "notes.pdf", b"%PDF-1.4"),
        CanvasUpload("张, 三", 4024, 1700, "conv_layer.ipynb", b'{"cells": [], "nbformat": 4, "metadata": {}}'),
    ], text_entries=[canvas_text_entry("Lee, Bo", 4023, late=True)])
    found = by_id(jobs(assignment, path))
    assert set(found) == {"4021", "4022", "4023", "4024"}

    jane = found["4021"]
    assert jane.identity.system == "canvas" and jane.identity.late
    assert [(p.id, p.name) for p in jane.identity.students] == [("4021", "doejane")]
    assert jane.identity.submission_id == "998877"
    assert jane.identity.entry == "doejane_LATE_4021_998877_conv_layer.py"
    assert jane.path.read_bytes() == CODE and jane.issues == ()

    john = found["4022"]  # re-uploaded: the latest upload wins, and the result says so
    assert not john.identity.late and john.identity.submission_id == "1500"
    assert john.path.read_bytes() == CODE
    [note] = [i for i in john.issues if i.kind == "latest_attempt"]
    assert note.is_note and note.message_key == "note.latest_attempt"
    assert note.message_args["file"] == "conv_layer-1.py" and note.message_args["earlier"] == "conv_layer.py"

    # a name in Chinese survives rubyzip's unflagged UTF-8 names
    assert found["4024"].identity.students[0].name == "张三"

    bo = found["4023"]  # a text entry: no code, a clear problem, not a crash
    assert bo.path is None and bo.identity.late and bo.identity.students[0].id == "4023"
    assert kinds(bo) == ["no_code"]


def test_canvas_anonymous_grading(tmp_path, assignment):
    path = canvas_zip(tmp_path / "anon.zip", [
        CanvasUpload("", 0, 2001, "conv_layer.py", CODE, anonymous_id="xK3d9"),
        CanvasUpload("", 0, 2002, "conv_layer.py", CODE, anonymous_id="Qm7Lp", late=True),
    ])
    assert [n for n in zipfile.ZipFile(path).namelist()] == ["anon_xK3d9_2001_conv_layer.py",
                                                             "LATE_anon_Qm7Lp_2002_conv_layer.py"]
    found = by_id(jobs(assignment, path))
    assert set(found) == {"xK3d9", "Qm7Lp"}
    first, late = found["xK3d9"].identity, found["Qm7Lp"].identity
    assert first.anonymous and first.students[0].id == "" and first.submission_id == "2001" and not first.late
    assert late.anonymous and late.late


def test_a_students_own_zip_inside_the_canvas_download_is_opened_once(tmp_path, assignment):
    inner = zip_bytes([("hw1/conv_layer.py", CODE), ("hw1/helpers.py", HELPER),
                       ("hw1/deeper.zip", zip_bytes([("x.py", CODE)]))])
    path = canvas_zip(tmp_path / "nested.zip", [CanvasUpload("Doe, Jane", 4021, 77, "hw1.zip", inner)])
    [job] = jobs(assignment, path)
    assert job.path.read_bytes() == CODE and job.path.name == "conv_layer.py"
    chosen = next(i for i in job.issues if i.kind == "chosen_file")
    assert chosen.message_key == "note.chosen_by_name" and chosen.message_args["file"] == "hw1.zip/hw1/conv_layer.py"
    nested = next(i for i in job.issues if i.kind == "nested_archive")
    assert "deeper.zip" in nested.message and nested.message_key == "problem.nested_archive"


# ------------------------------------------------------------------ Moodle


@pytest.mark.parametrize("mode", ["folders", "flat", "trailing"])
def test_moodle_download_in_each_mode(tmp_path, assignment, mode):
    path = moodle_zip(tmp_path / f"CS101-HW1-{mode}-42.zip", [
        ("Jane Doe", 1234567, "conv_layer.py", CODE),
        ("Jane Doe", 1234567, "helpers.py", HELPER),
        ("Jean_Luc Picard", 1234568, "my_answer.py", CODE),
        ("Participant", 1234569, "conv_layer.ipynb", b'{"cells": [], "nbformat": 4, "metadata": {}}'),
    ], mode=mode)
    expected_name = {"folders": "Jane Doe_1234567_assignsubmission_file/conv_layer.py",
                     "flat": "Jane Doe_1234567_assignsubmission_file_conv_layer.py",
                     "trailing": "Jane Doe_1234567_assignsubmission_file_/conv_layer.py"}[mode]
    assert expected_name in zipfile.ZipFile(path).namelist()
    found = by_id(jobs(assignment, path))
    assert set(found) == {"1234567", "1234568", "1234569"}
    jane = found["1234567"]
    assert jane.identity.system == "moodle"
    assert [(p.id, p.name) for p in jane.identity.students] == [("1234567", "Jane Doe")]
    assert jane.path.name.endswith("conv_layer.py") and jane.path.read_bytes() == CODE
    assert "chosen_file" in kinds(jane)
    assert found["1234568"].identity.students[0].name == "Jean Luc Picard"  # Moodle turns "_" into " "
    blind = found["1234569"].identity
    assert blind.anonymous and blind.students[0].name == "" and blind.students[0].id == "1234569"


def test_moodle_online_text_alone_is_no_code(tmp_path, assignment):
    path = write_zip(tmp_path / "m.zip", [
        (moodle_entry("Jane Doe", 11, "conv_layer.py"), CODE),
        (moodle_entry("Bo Lee", 12, "onlinetext.html", plugin="onlinetext"), b"<p>see text</p>"),
    ])
    found = by_id(jobs(assignment, path))
    assert found["12"].path is None and kinds(found["12"]) == ["no_code"]


# ------------------------------------------------------------------ Gradescope


def test_gradescope_export_with_metadata_and_a_group_submission(tmp_path, assignment):
    path = gradescope_zip(tmp_path / "export.zip", [
        GradescopeSubmission(123456, [("Jane Doe", "2024001", "jane@example.edu")], {"conv_layer.py": CODE}),
        GradescopeSubmission(123457, [("Ann Lee", "2024002", "ann@example.edu"),
                                      ("Bo Wu", "", "bo@example.edu")],
                             {"conv_layer.ipynb": b"{}", "helpers.py": HELPER, "report.pdf": b"%PDF"},
                             created_at="2024-01-16 09:30:00.123456789 -08:00"),
    ], due_date="2024-01-15 23:59:00.000000000 -08:00")
    found = by_id(jobs(assignment, path))
    assert set(found) == {"123456", "123457"}
    jane = found["123456"].identity
    assert jane.system == "gradescope" and jane.submission_id == "123456"
    assert [(p.id, p.name, p.email) for p in jane.students] == [("2024001", "Jane Doe", "jane@example.edu")]
    assert jane.submitted_at == "2024-01-15T10:00:00-08:00" and not jane.late
    assert jane.entry == "assignment_4242_export/submission_123456/conv_layer.py"  # the file graded
    group = found["123457"]
    assert [(p.id, p.name, p.email) for p in group.identity.students] == [
        ("2024002", "Ann Lee", "ann@example.edu"), ("", "Bo Wu", "bo@example.edu")]
    assert group.identity.late and group.identity.submitted_at.startswith("2024-01-16T09:30:00.123456")
    assert group.path.name == "conv_layer.ipynb" and "chosen_file" in kinds(group)


def test_gradescope_metadata_that_is_not_yaml_is_a_clear_error(tmp_path, assignment):
    path = write_zip(tmp_path / "export.zip", [("assignment_1_export/submission_metadata.yml", b"a: [unclosed"),
                                               ("assignment_1_export/submission_1/conv_layer.py", CODE)])
    with pytest.raises(UsageProblem, match="export.zip.*submission_metadata.yml is not readable YAML"):
        jobs(assignment, path)


def test_gradescope_metadata_with_alias_bombs_is_read_without_expanding_them(tmp_path, assignment):
    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    metadata = "\n".join(laughs) + "\nsubmission_1:\n  :submitters: *a8\n  :created_at: *a8\n"
    path = write_zip(tmp_path / "export.zip", [("submission_metadata.yml", metadata.encode()),
                                               ("submission_1/conv_layer.py", CODE),
                                               ("submission_2/conv_layer.py", CODE)])  # not in the metadata
    found = by_id(jobs(assignment, path))
    assert found["1"].identity.students == () and found["1"].identity.submitted_at == ""
    assert found["2"].identity.submission_id == "2" and found["2"].path.read_bytes() == CODE


# ------------------------------------------------------------------ plain zips and folders


def test_plain_zip_of_files_and_folders_chooses_each_students_file(tmp_path, assignment):
    path = write_zip(tmp_path / "class.zip", [
        ("hw1/alice.py", CODE),
        ("hw1/bob/conv_layer.py", CODE), ("hw1/bob/helpers.py", HELPER),
        ("hw1/carol/attempt.py", HELPER), ("hw1/carol/final.py", CODE), ("hw1/carol/report.pdf", b"%PDF"),
        ("hw1/dave/a.py", HELPER), ("hw1/dave/b.py", HELPER),
        ("hw1/erin/essay.pdf", b"%PDF"),
        ("__MACOSX/hw1/._alice.py", b"junk"), ("hw1/.DS_Store", b"junk"),
    ])
    found = by_id(jobs(assignment, path))
    assert set(found) == {"alice", "bob", "carol", "dave"}  # erin handed in no code folder: as for folders
    assert found["alice"].identity.system == "plain" and found["alice"].identity.entry == "hw1/alice.py"
    assert found["alice"].source == f"{path}:hw1/alice.py"
    assert found["bob"].path.name == "conv_layer.py"
    carol = found["carol"]
    assert carol.path.name == "final.py"
    note = next(i for i in carol.issues if i.kind == "chosen_file")
    assert note.message_key == "note.chosen_by_names" and note.message_args["n"] == 2
    assert note.message.startswith("graded final.py, which defines 2 of the assignment's")
    dave = found["dave"]
    assert dave.path is None and dave.issues[0].message_key == "problem.several_files"


def test_plain_zip_of_one_students_folder_is_one_submission(tmp_path, assignment):
    path = write_zip(tmp_path / "jane.zip", [("jane/conv_layer.py", CODE), ("jane/data.csv", b"1,2")])
    [job] = jobs(assignment, path)
    assert job.id == "jane" and job.path.read_bytes() == CODE


def test_lms_can_be_forced_and_strangers_keep_a_note(tmp_path, assignment):
    path = write_zip(tmp_path / "c.zip", [("doejane_4021_11_conv_layer.py", CODE), ("stray.py", CODE)])
    found = by_id(jobs(assignment, path, lms="canvas"))
    assert found["4021"].identity.system == "canvas"
    assert found["stray"].identity.system == "plain" and "unrecognised_name" in kinds(found["stray"])
    assert {j.identity.system for j in jobs(assignment, path, lms="plain")} == {"plain"}


def test_an_extracted_download_folder_is_read_like_the_archive(tmp_path, assignment):
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / "doejane_LATE_4021_998877_conv_layer.py").write_bytes(CODE)
    [job] = jobs(assignment, folder)
    assert job.id == "4021" and job.identity.system == "canvas" and job.identity.late
    assert job.path == folder / "doejane_LATE_4021_998877_conv_layer.py" and job.source == str(job.path)


def test_a_symlink_in_a_folder_is_not_read(tmp_path, assignment):
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "conv_layer.py").symlink_to("/etc/passwd")
    (folder / "bob.py").write_bytes(CODE)
    (folder / "carol.py").write_bytes(CODE)
    found = by_id(jobs(assignment, folder))
    assert found["alice"].path is None and found["alice"].issues[0].message_key == "problem.link"
    assert found["bob"].path == folder / "bob.py"


def test_a_download_unzipped_and_zipped_again_in_a_folder_is_still_read_as_its_lms(tmp_path, assignment):
    path = write_zip(tmp_path / "again.zip", [("cs101-hw1 submissions/doejane_LATE_4021_998877_conv_layer.py", CODE),
                                              ("cs101-hw1 submissions/smithjohn_4022_998878_conv_layer.py", CODE)])
    found = by_id(jobs(assignment, path))
    assert set(found) == {"4021", "4022"} and found["4021"].identity.late
    assert found["4021"].source == f"{path}:cs101-hw1 submissions/doejane_LATE_4021_998877_conv_layer.py"


def test_colliding_keys_across_downloads_stay_distinct(tmp_path, assignment):
    one = canvas_zip(tmp_path / "a.zip", [CanvasUpload("Doe, Jane", 4021, 1, "conv_layer.py", CODE)])
    two = canvas_zip(tmp_path / "b.zip", [CanvasUpload("Doe, Jane", 4021, 2, "conv_layer.py", CODE)])
    found = jobs(assignment, one, two)
    assert [j.id for j in found] == ["4021-py", "4021-py-2"]
    assert [j.identity.student_id for j in found] == ["4021", "4021"]


# ------------------------------------------------------------------ the work folder


def test_archives_are_extracted_into_a_private_folder_removed_at_the_end(tmp_path):
    path = canvas_zip(tmp_path / "a.zip", [CanvasUpload("Doe, Jane", 4021, 1, "conv_layer.py", CODE)])
    with intake.opened([path]) as found:
        file = found[0].files[0].path
        work = next(p for p in file.parents if p.name.startswith("grader-intake-"))
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
        assert file.read_bytes() == CODE
    assert not work.exists()


def test_the_work_folder_is_removed_when_an_archive_fails(tmp_path):
    good = canvas_zip(tmp_path / "a.zip", [CanvasUpload("Doe, Jane", 4021, 1, "conv_layer.py", CODE)])
    bad = tmp_path / "b.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    before = set(Path(tempfile.gettempdir()).glob("grader-intake-*"))
    with pytest.raises(UsageProblem, match="b.zip"):
        with intake.opened([good, bad]):
            pass
    assert set(Path(tempfile.gettempdir()).glob("grader-intake-*")) <= before


# ------------------------------------------------------------------ hostile archives


def _escaped(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "evil.py", tmp_path.parent / "evil.py", Path("/tmp/evil_intake.py")) if p.exists()]


@pytest.mark.parametrize("name", ["../evil.py", "../../evil.py", "/tmp/evil_intake.py", "a/../../evil.py",
                                  "..\\evil.py", "C:/evil.py"])
def test_entries_that_point_outside_are_refused(tmp_path, assignment, name):
    path = write_zip(tmp_path / "evil.zip", [(name, CODE), ("alice.py", CODE), ("bob.py", CODE)])
    found = jobs(assignment, path, lms="plain")
    assert not _escaped(tmp_path)
    bad = [j for j in found if "unsafe_entry" in kinds(j)]
    assert len(bad) == 1 and bad[0].path is None
    assert bad[0].issues[0].message_key == "problem.unsafe_entry" and repr(name) in bad[0].issues[0].message
    assert any(j.path is not None for j in found)  # the rest is still graded


def test_an_unsafe_entry_inside_a_students_folder_is_that_students_problem(tmp_path, assignment):
    path = write_zip(tmp_path / "m.zip", [
        (moodle_entry("Jane Doe", 11, "conv_layer.py"), CODE),
        ("Jane Doe_11_assignsubmission_file/../../../evil.py", CODE)])
    [job] = jobs(assignment, path)
    assert job.path is not None and "unsafe_entry" in kinds(job) and not _escaped(tmp_path)


def test_symlink_entries_are_never_created(tmp_path, assignment):
    path = write_zip(tmp_path / "s.zip", [symlink("doejane_4021_1_conv_layer.py", "/etc/passwd"),
                                          ("smithjohn_4022_2_conv_layer.py", CODE)])
    found = by_id(jobs(assignment, path))
    jane = found["4021"]
    assert jane.path is None and kinds(jane)[0] == "unsafe_entry"
    assert jane.issues[0].message_key == "problem.special_entry" and "symbolic link" in jane.issues[0].message
    assert found["4022"].path.read_bytes() == CODE


def test_encrypted_entries_are_a_problem_of_their_submission(tmp_path, assignment):
    path = write_zip(tmp_path / "e.zip", [("doejane_4021_1_conv_layer.py", CODE),
                                          ("smithjohn_4022_2_conv_layer.py", CODE)])
    encrypted(path, "doejane_4021_1_conv_layer.py")
    jane = by_id(jobs(assignment, path))["4021"]
    assert jane.path is None and kinds(jane) == ["encrypted"] and "password" in jane.issues[0].message


def test_a_zip_bomb_entry_is_refused_by_its_inflated_size(tmp_path, assignment):
    path = write_zip(tmp_path / "bomb.zip", [("doejane_4021_1_conv_layer.py", b"\0" * (40 * 1024 * 1024)),
                                             ("smithjohn_4022_2_conv_layer.py", CODE)])
    assert path.stat().st_size < 200_000
    found = by_id(jobs(assignment, path))
    jane = found["4021"]
    assert jane.path is None and kinds(jane) == ["too_large"]
    assert jane.issues[0].message_key in ("problem.entry_bomb", "problem.entry_too_large")
    assert found["4022"].path.read_bytes() == CODE


def test_the_ratio_cap_stops_a_bomb_below_the_size_cap(tmp_path):
    path = write_zip(tmp_path / "bomb.zip", [("a/conv_layer.py", b"\0" * (3 * 1024 * 1024)), ("b/x.py", CODE)])
    with intake.opened([path]) as found:
        a = next(f for f in found if f.key == "a")
        assert a.problems[0].message_key == "problem.entry_bomb"


def test_declared_sizes_are_not_trusted(tmp_path):
    path = write_zip(tmp_path / "lie.zip", [("a/conv_layer.py", b"x = 1\n" * 200_000), ("b/x.py", CODE)])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a/conv_layer.py")
    central = data.find(b"PK\x01\x02")  # the first central directory header: a/conv_layer.py
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size: "100 bytes"
    path.write_bytes(bytes(data))
    with intake.opened([path], limits=Limits(entry_bytes=1000)) as found:
        a = next(f for f in found if f.key == "a")
        assert not a.files and a.problems  # never more than it said (and its CRC fails): not extracted
    assert info.file_size == 1_200_000


def test_the_total_cap_ends_the_whole_archive(tmp_path):
    entries = [(f"s{i}/conv_layer.py", os.urandom(300_000)) for i in range(5)]
    path = write_zip(tmp_path / "big.zip", entries)
    with pytest.raises(UsageProblem, match=r"big.zip: inflates to more than 1,000,000 bytes"):
        with intake.opened([path], limits=Limits(total_bytes=1_000_000)):
            pass


def test_non_utf8_names_are_read_not_refused(tmp_path, assignment):
    gbk = RawName("作业/张三/conv_layer.py".encode("gbk"))  # Windows in a Chinese locale, no UTF-8 flag
    utf8 = RawName("作业/李四/conv_layer.py".encode("utf-8"))  # UTF-8 without the flag (rubyzip, macOS)
    path = write_zip(tmp_path / "names.zip", [(gbk, CODE), (utf8, CODE)])
    found = jobs(assignment, path)
    assert len(found) == 2 and all(j.path is not None for j in found)
    assert "作业" in {j.id for j in found}


def test_a_name_flagged_utf8_that_is_not_is_a_clear_error(tmp_path):
    class Flagged(RawName):
        def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
            return self.raw, self.flag_bits | 0x800

    path = write_zip(tmp_path / "bad.zip", [(Flagged(b"\xff/conv_layer.py"), CODE)])
    with pytest.raises(UsageProblem, match="bad.zip"):
        with intake.opened([path]):
            pass


def test_truncated_and_corrupt_archives_are_clear_errors(tmp_path, assignment):
    good = canvas_zip(tmp_path / "good.zip", [CanvasUpload("Doe, Jane", 4021, 1, "conv_layer.py", REFERENCE)])
    with pytest.raises(UsageProblem, match=r"half.zip: not a readable zip archive, or truncated or corrupt"):
        jobs(assignment, truncated(tmp_path / "half.zip", good))
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("these are my notes")
    with pytest.raises(UsageProblem, match="notes.zip"):
        jobs(assignment, not_zip)


def test_a_corrupt_entry_is_a_problem_of_its_submission(tmp_path, assignment):
    path = canvas_zip(tmp_path / "c.zip", [CanvasUpload("Doe, Jane", 4021, 1, "conv_layer.py", REFERENCE),
                                           CanvasUpload("Smith, John", 4022, 2, "conv_layer.py", CODE)])
    corrupt_entry_data(path, "doejane_4021_1_conv_layer.py")
    found = by_id(jobs(assignment, path))
    assert found["4021"].path is None and kinds(found["4021"]) == ["corrupt_entry"]
    assert found["4021"].issues[0].message_key == "problem.corrupt_entry"
    assert found["4022"].path.read_bytes() == CODE


def test_an_archive_with_no_code_at_all_is_a_clear_error(tmp_path, assignment):
    path = canvas_zip(tmp_path / "pdfs.zip", [CanvasUpload("Doe, Jane", 4021, 1, "hw1.pdf", b"%PDF"),
                                              CanvasUpload("Smith, John", 4022, 2, "hw1.docx", b"PK")])
    with pytest.raises(UsageProblem, match=r"pdfs.zip: the archive holds no .py or .ipynb file"):
        jobs(assignment, path)
    empty = write_zip(tmp_path / "empty.zip", [])
    with pytest.raises(UsageProblem, match="empty.zip: the archive is empty"):
        jobs(assignment, empty)


def test_a_duplicate_entry_keeps_the_first(tmp_path):
    buffer = tmp_path / "dup.zip"
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("a/conv_layer.py", CODE)
        with pytest.warns(UserWarning):
            zf.writestr("a/conv_layer.py", HELPER)
    with intake.opened([buffer]) as found:
        [a] = found
        assert a.files[0].path.read_bytes() == CODE and a.problems[0].kind == "duplicate_entry"


def test_entry_names_are_checked_before_anything_is_written():
    assert archive.safe_parts("a/b.py") == ("a", "b.py")
    assert archive.safe_parts("./a//b.py") == ("a", "b.py")
    for bad in ("../a.py", "/etc/passwd", "a/../../b", "C:\\x.py", "\\\\server\\share\\x.py", "x" * 300):
        assert archive.safe_parts(bad) is None, bad


# ------------------------------------------------------------------ end to end


@pytest.mark.slow
def test_grade_a_canvas_download_end_to_end(tmp_path):
    from click.testing import CliRunner

    from grader import cli

    path = canvas_zip(tmp_path / "cs101-hw1_submissions.zip", [
        CanvasUpload("Doe, Jane", 4021, 998877, "conv_layer.py", REFERENCE, late=True),
        CanvasUpload("Smith, John", 4022, 1000, "conv_layer.py", b"x = 1\n"),
        CanvasUpload("Smith, John", 4022, 1500, "conv_layer-1.py", REFERENCE),
        CanvasUpload("Lee, Bo", 4023, 1600, "notes.pdf", b"%PDF"),
    ])
    out = tmp_path / "out"
    done = CliRunner().invoke(cli.main, ["grade", str(path), "--out", str(out), "-j", "1", "--course", str(ROOT)])
    assert done.exit_code == 0, done.output
    jane = json.loads((out / "4021" / "result.json").read_text(encoding="utf-8"))
    assert jane["score"] == jane["max_score"] == 100
    assert jane["identity"] == {
        "system": "canvas", "students": [{"id": "4021", "name": "doejane", "email": ""}], "late": True,
        "submission_id": "998877", "submitted_at": "", "entry": "doejane_LATE_4021_998877_conv_layer.py",
        "anonymous": False}
    assert jane["source"] == f"{path}:doejane_LATE_4021_998877_conv_layer.py"
    john = json.loads((out / "4022" / "result.json").read_text(encoding="utf-8"))
    assert john["score"] == 100 and john["identity"]["submission_id"] == "1500"
    assert [i["kind"] for i in john["load_issues"]] == ["latest_attempt"]
    bo = json.loads((out / "4023" / "result.json").read_text(encoding="utf-8"))
    assert bo["score"] == 0 and bo["load_issues"][0]["message_key"] == "problem.no_code_among"
    assert "problems while loading" not in next(line for line in done.output.splitlines() if "4022" in line)
    assert not list(Path(tempfile.gettempdir()).glob("grader-intake-*/*/x/doejane*"))


def test_a_note_is_not_reported_as_a_loading_problem(assignment):
    from grader.messages import catalogue
    from grader.reports import html_report, terminal
    from grader.results import LoadIssue, SubmissionResult

    note = LoadIssue("file", "chosen_file", "graded a.py, the assignment's file name; also there: b.py",
                     message_key="note.chosen_by_name", message_args={"file": "a.py", "others": "b.py"})
    problem = LoadIssue("file", "unsafe_entry", "'../x.py': the entry's name points outside the archive's folder; "
                        "not extracted", message_key="problem.unsafe_entry", message_args={"entry": "../x.py"})
    cat = catalogue("en", assignment)
    for issues, loaded in (((note,), True), ((note, problem), False)):
        result = SubmissionResult("conv-layer", "s", "s.py", 0, 100, (), issues)
        text = terminal.render(result, cat)
        assert "  i file: The submission holds several code files; this one was graded." in text
        assert ("  ! file: An entry of the archive was refused" in text) is not loaded
        assert ("problems while loading" in terminal.progress_line(result, cat)) is not loaded
        assert html_report._loaded(result) is loaded
        page = html_report.render(result, cat)
        assert "What was graded" in page and "graded a.py, the assignment&#39;s file name" in page
        assert ("Problems while loading your code" in page) is not loaded
