"""grader export: each LMS's file from rosters built exactly as the LMS writes them, read back by that
LMS's import rules (tests/lms_import.py).  Results come from real grading (the session's warm grader)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import replace
from datetime import datetime, timezone

import jsonschema
import junitparser
import pytest
from click.testing import CliRunner

from grader import exports
from grader.cli import main
from grader.exports import github_classroom, sheet
from grader.exports.graded import Graded
from grader.exports.late import LatePenalty
from grader.reports import json_report
from grader.results import Identity, Person
import lms_import
from conftest import CORPUS, grade

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def graded(grader_all):
    """Two real results: a flipped kernel (80 of 100) and a right answer (100)."""
    return {"flipped": grade(grader_all, CORPUS / "flipped_kernel.py"),
            "right": grade(grader_all, CORPUS / "correct_loops.py")}


def _folder(tmp_path, results):
    folder = tmp_path / "graded"
    for result in results:
        json_report.write(result, folder / result.submission / "result.json")
    return folder


def _as(result, system, key, *people, late=False, submitted_at=""):
    return replace(result, submission=key, identity=Identity(system=system, students=tuple(people), late=late,
                                                             submitted_at=submitted_at))


# ------------------------------------------------------------------ Canvas

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 1 (11111)",
                 "Image convolution (12345)", "Current Score", "Final Score"]


def canvas_roster(path, students, *, bom=False, delimiter=",", extra_rows=()):
    """The gradebook CSV as Canvas exports it: the Points Possible row (four leading spaces), CRLF."""
    rows = [CANVAS_HEADER, ["    Points Possible", "", "", "", "", "10.00", "100.00", "(read only)", "(read only)"]]
    rows += [[name, uid, f"S{uid}", f"login{uid}", "CS101-01", "8.50", "", "85.00", "85.00"] for name, uid in students]
    rows += list(extra_rows)
    return _csv_file(path, rows, bom=bom, delimiter=delimiter)


def _csv_file(path, rows, *, bom, delimiter):
    """CSV as the LMS (and Excel) write it: quoted only where needed, CRLF; Excel adds a BOM and uses ';'."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


@pytest.mark.parametrize("bom,delimiter", [(False, ","), (True, ";")], ids=["canvas", "excel"])
def test_canvas_round_trip(graded, tmp_path, bom, delimiter):
    results = [_as(graded["flipped"], "canvas", "4021", Person("4021", "Doe, Jane")),
               _as(graded["right"], "canvas", "4022", Person("4022", "Roe, Rick"))]
    roster = canvas_roster(tmp_path / "roster.csv", [("Doe, Jane", "4021"), ("Roe, Rick", "4022"),
                                                     ("=HYPERLINK(\"x\"), Eve", "4023")], bom=bom, delimiter=delimiter)
    out = tmp_path / "canvas.csv"
    outcome = exports.export(_folder(tmp_path, results), fmt="canvas", out=out, assignment=_assignment(), options=exports.Options(roster=roster, column="Image convolution (12345)"))
    assert not outcome.refused and outcome.written == [out]
    assert any("4023" in note for note in outcome.notes)  # listed, not an error
    imported = lms_import.canvas(out)
    assert imported["columns"] == {"Image convolution (12345)": ("Image convolution", "12345")}
    assert imported["points"] == {"Image convolution (12345)": 100.0}
    grades = {uid: cells["Image convolution (12345)"] for uid, cells in imported["grades"].items()}
    assert grades == {"4021": 80.0, "4022": 100.0, "4023": None}
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom and b"\r\n" in raw
    assert "80.00" in raw.decode("utf-8-sig")
    # The roster's own formula comes back as text, never as a formula.
    names = [row[0] for row in sheet.read(out).rows]
    assert "'=HYPERLINK(\"x\"), Eve" in names and not any(n.startswith("=") for n in names)


def _assignment():
    from grader.assignment import find
    from conftest import ROOT

    return find("conv-layer", ROOT)


def test_canvas_new_column_missing_zero(graded, tmp_path):
    results = [_as(graded["flipped"], "canvas", "4021", Person("4021"))]
    roster = canvas_roster(tmp_path / "roster.csv", [("Doe, Jane", "4021"), ("Roe, Rick", "4022")])
    out = tmp_path / "canvas.csv"
    exports.export(_folder(tmp_path, results), fmt="canvas", out=out, assignment=_assignment(),
                   options=exports.Options(roster=roster, missing_zero=True))
    imported = lms_import.canvas(out)
    title = _assignment().title
    assert imported["columns"] == {title: (title, None)}  # Canvas creates the assignment
    assert {u: c[title] for u, c in imported["grades"].items()} == {"4021": 80.0, "4022": 0.0}


@pytest.mark.parametrize("case", ["not_in_roster", "duplicate_id", "other_course", "graded_twice"])
def test_canvas_mismatch_refuses(graded, tmp_path, case):
    results = [_as(graded["flipped"], "canvas", "4021", Person("4021")),
               _as(graded["right"], "canvas", "4022", Person("4022"))]
    students = {"not_in_roster": [("A", "4021")], "duplicate_id": [("A", "4021"), ("B", "4022"), ("C", "4022")],
                "other_course": [("X", "9001"), ("Y", "9002")], "graded_twice": [("A", "4021"), ("B", "4022")]}[case]
    if case == "graded_twice":
        results[1] = _as(graded["right"], "canvas", "4021-2", Person("4021"))
    roster = canvas_roster(tmp_path / "roster.csv", students)
    out = tmp_path / "canvas.csv"
    folder = _folder(tmp_path, results)
    args = ["export", str(folder), "--format", "canvas", "--roster", str(roster), "--out", str(out)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 5, refused.output
    assert not out.exists()  # nothing half-right left behind
    expected = {"not_in_roster": "'4022') is not in the roster", "duplicate_id": "'4022' appears 2 times",
                "other_course": "no graded student is in this roster", "graded_twice": "has 2 graded submissions"}
    assert expected[case] in refused.output
    allowed = CliRunner().invoke(main, args + ["--allow-unmatched"])
    assert allowed.exit_code == 0, allowed.output
    grades = lms_import.canvas(out)["grades"]
    if case == "duplicate_id":
        assert grades["4022"][_assignment().title] is None  # never a guess
    if case == "graded_twice":
        assert grades["4021"][_assignment().title] is None


def test_canvas_late_penalty(graded, tmp_path):
    late = _as(graded["right"], "canvas", "4022", Person("4022"), late=True)
    on_time = _as(graded["flipped"], "canvas", "4021", Person("4021"))
    roster = canvas_roster(tmp_path / "roster.csv", [("A", "4021"), ("B", "4022")])
    out = tmp_path / "canvas.csv"
    outcome = exports.export(_folder(tmp_path, [late, on_time]), fmt="canvas", out=out, assignment=_assignment(),
                             options=exports.Options(roster=roster, late_penalty=LatePenalty.parse("10%")))
    title = _assignment().title
    assert {u: c[title] for u, c in lms_import.canvas(out)["grades"].items()} == {"4021": 80.0, "4022": 90.0}
    assert any("late: 10% off" in n for n in outcome.notes)


def test_late_penalty_per_day():
    penalty = LatePenalty.parse("10%/day")
    due = datetime(2026, 3, 1, 23, 59, tzinfo=timezone.utc)
    two_days = Identity(submitted_at="2026-03-03T10:00:00+00:00")
    assert penalty.apply(two_days, due) == (20.0, "late by 2 day(s): 20% off (10% per day)")
    assert penalty.apply(Identity(submitted_at="2026-03-01T12:00:00+00:00"), due) == (0.0, "")
    assert penalty.apply(Identity(late=True), None)[0] == 10.0  # late by an unknown time: one day
    assert LatePenalty.parse("100%/day").apply(Identity(submitted_at="2026-03-09T00:00:00Z"), due)[0] == 100.0
    with pytest.raises(ValueError):
        LatePenalty.parse("ten")


# ------------------------------------------------------------------ Moodle

MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def moodle_worksheet(path, participants, *, bom=False, delimiter=","):
    rows = [MOODLE_HEADER]
    for pid, name in participants:
        rows.append([f"Participant {pid}", name, f"{pid}@example.edu", "Submitted for grading", "", "10.00", "Yes",
                     "Monday, 15 January 2024, 10:00 AM", "-", ""])
    return _csv_file(path, rows, bom=bom, delimiter=delimiter)


@pytest.mark.parametrize("bom,delimiter", [(False, ","), (True, ";")], ids=["moodle", "excel"])
def test_moodle_round_trip(graded, tmp_path, bom, delimiter):
    results = [_as(graded["flipped"], "moodle", "1234567", Person("1234567", "Jane Doe")),
               _as(graded["right"], "moodle", "1234568", Person("1234568", "Rick Roe"))]
    roster = moodle_worksheet(tmp_path / "Grades-CS101-conv-42.csv",
                              [("1234567", "Jane Doe"), ("1234568", "Rick Roe"), ("1234569", "@Eve, Smith")],
                              bom=bom, delimiter=delimiter)
    out = tmp_path / "moodle.csv"
    outcome = exports.export(_folder(tmp_path, results), fmt="moodle", out=out, assignment=_assignment(),
                             options=exports.Options(roster=roster, now=NOW))
    assert not outcome.refused
    taken = lms_import.moodle(out)
    assert set(taken) == {"1234567", "1234568"}  # the participant without a submission stays as it was
    assert taken["1234567"]["grade"] == 8.0 and taken["1234568"]["grade"] == 10.0  # scaled to Maximum Grade
    assert taken["1234567"]["modified"] == "2026-03-02T09:30:00+00:00"
    feedback = taken["1234567"]["feedback"]
    assert "80/100 points" in feedback and "corr2d: 0/20" in feedback and "mistake:" in feedback
    before, after = sheet.read(roster), sheet.read(out)
    assert after.header == before.header and after.delimiter == before.delimiter and after.bom == bom
    changed = {MOODLE_HEADER.index(c) for c in ("Grade", "Last modified (grade)", "Feedback comments")}
    for old, new in zip(before.rows, after.rows):
        for i, (a, b) in enumerate(zip(old, new)):
            if i not in changed:
                assert b == a or b == "'" + a, (MOODLE_HEADER[i], a, b)
    assert after.rows[2][1] == "'@Eve, Smith"


def test_moodle_refuses_other_worksheet(graded, tmp_path):
    results = [_as(graded["flipped"], "moodle", "1234567", Person("1234567"))]
    roster = moodle_worksheet(tmp_path / "w.csv", [("7654321", "Someone Else")])
    outcome = exports.export(_folder(tmp_path, results), fmt="moodle", out=tmp_path / "o.csv",
                             assignment=_assignment(), options=exports.Options(roster=roster))
    assert outcome.refused and not (tmp_path / "o.csv").exists()
    assert any("another course" in p for p in outcome.problems)
    german = tmp_path / "de.csv"
    german.write_text("ID,Vollständiger Name,Status,Bewertung\r\nTeilnehmer/in 1,A,x,\r\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(_folder(tmp_path, results)), "--format", "moodle",
                                       "--roster", str(german), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "lacks Identifier" in result.output


def php_csv_line(cells, delimiter=","):
    """A row as PHP's fputcsv writes it (Moodle's CSV download goes through Spout, which calls it): a cell
    is quoted when it holds the separator, a quote, a backslash, a space, a tab or a line break; LF ends it."""
    quoted = ['"' + c.replace('"', '""') + '"' if any(x in c for x in (delimiter, '"', "\\", " ", "\t", "\r", "\n"))
              else c for c in cells]
    return delimiter.join(quoted) + "\n"


def moodle_download(path, lang, participants, *, maximum="7.00", locked=(), excel=False, header=None):
    """The grading worksheet as Moodle writes it for a user whose language is ``lang``: the columns'
    names, "Participant" prefix, maximum (format_float), status, yes/no and dates in that language; a BOM,
    ',' and LF.  ``excel``: the same file opened and saved again by Excel in that locale (';', CRLF)."""
    s = lms_import.MOODLE_STRINGS[lang]
    header = header or [s[k] for k in ("recordid", "fullname", "email", "status", "grade", "maxgrade",
                                        "gradecanbechanged", "lastmodifiedsubmission", "lastmodifiedgrade",
                                        "feedback")]
    rows = [header]
    for pid, name in participants:
        rows.append([s["hiddenuser"] + pid, name, f"{pid}@example.edu", s["submitted"], "",
                     maximum.replace(".", s["decsep"]), s["no"] if pid in locked else s["yes"], s["date"], "-", ""])
    if excel:
        return _csv_file(path, rows, bom=True, delimiter=";")
    path.write_bytes(sheet.BOM.encode() + "".join(php_csv_line(r) for r in rows).encode("utf-8"))
    return path


MOODLE_LANGS = ["en", "de", "fr", "es", "zh_cn", "ja", "ru"]


@pytest.fixture
def english_locale(monkeypatch):
    """A user whose locale is English, whatever the machine running the tests says."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def test_the_feedback_speaks_lang_else_the_worksheets_language_else_the_locales(graded, tmp_path, english_locale):
    """What students read in the LMS: ``--lang`` wins; a Chinese worksheet gets Chinese feedback (the mistake
    named by the catalogue, the points and the late penalty's words), a German one the locale's English."""
    late = _as(graded["flipped"], "moodle", "1234567", Person("1234567", "Jane Doe"), late=True)
    folder = _folder(tmp_path, [late])
    zh_sheet = moodle_download(tmp_path / "zh.csv", "zh_cn", [("1234567", "Jane Doe")])
    de_sheet = moodle_download(tmp_path / "de.csv", "de", [("1234567", "Jane Doe")])

    def feedback(roster, lang=None, *, penalty=None):
        out = tmp_path / f"{roster.stem}-{lang}-{penalty}.csv"
        exports.export(folder, fmt="moodle", out=out, assignment=_assignment(),
                       options=exports.Options(roster=roster, now=NOW, lang=lang, late_penalty=penalty))
        return lms_import.moodle(out, "zh_cn" if roster is zh_sheet else "de", maximum=7.0)["1234567"]["feedback"]

    flipped = "It computes a convolution"  # how the English catalogue names the flipped kernel
    chinese = feedback(zh_sheet)
    assert "80/100 分" in chinese and "corr2d：0/20，错误：" in chinese and flipped not in chinese
    assert "80/100 points" in feedback(zh_sheet, "en") and flipped in feedback(zh_sheet, "en")
    assert "80/100 points" in feedback(de_sheet) and "80/100 分" in feedback(de_sheet, "zh")
    penalised = feedback(zh_sheet, penalty=LatePenalty.parse("10%"))
    assert "72/100 分（逾期：late: 10% off；扣分前 80 分）" in penalised
    out = tmp_path / "cli.csv"  # the command line's --lang reaches the exporter
    run = CliRunner().invoke(main, ["export", str(folder), "--format", "moodle", "--roster", str(zh_sheet),
                                    "--out", str(out), "--lang", "en", "--assignment", "conv-layer"])
    assert run.exit_code == 0, run.output
    assert "80/100 points" in lms_import.moodle(out, "zh_cn", maximum=7.0)["1234567"]["feedback"]


def test_junit_and_gradescope_feedback_in_the_language_asked(graded, tmp_path):
    folder = _folder(tmp_path, [graded["flipped"]])
    junit = tmp_path / "junit.xml"
    exports.export(folder, fmt="junit", out=junit, assignment=_assignment(), options=exports.Options(lang="zh"))
    texts = [c.result[0].text or "" for s in junitparser.JUnitXml.fromfile(str(junit)) for c in s
             if not c.is_passed and c.result]
    assert texts and all(re.search("[\u4e00-\u9fff]", t) and "mistake:" not in t for t in texts), texts
    assert any("错误：它计算的是卷积而不是互相关" in t for t in texts)
    scope = tmp_path / "gs"
    exports.export(folder, fmt="gradescope", out=scope, assignment=_assignment(), options=exports.Options(lang="zh"))
    document = json.loads(next(scope.rglob("results.json")).read_text(encoding="utf-8"))
    outputs = [t.get("output") or "" for t in document["tests"] if t.get("status") == "failed"]
    assert outputs and any("错误：它计算的是卷积而不是互相关" in o for o in outputs), outputs


@pytest.mark.parametrize("lang,excel", [(lang, False) for lang in MOODLE_LANGS] + [("de", True), ("fr", True)],
                         ids=MOODLE_LANGS + ["de-excel", "fr-excel"])
def test_moodle_worksheet_in_any_language(graded, tmp_path, lang, excel, english_locale):
    """A worksheet downloaded in another language is filled in, read back by Moodle's importer in that
    language: the header row unchanged to the byte, grades with the language's decimal separator, the
    feedback in that language where the grader speaks it (else the locale's, English here)."""
    s = lms_import.MOODLE_STRINGS[lang]
    results = [_as(graded["flipped"], "moodle", "1234567", Person("1234567", "Jane Doe")),
               _as(graded["right"], "moodle", "1234568", Person("1234568", "Rick Roe"))]
    roster = moodle_download(tmp_path / "Grades.csv", lang, [("1234567", "Jane Doe"), ("1234568", "Rick Roe"),
                                                             ("1234569", "=Eve Smith")], excel=excel)
    out = tmp_path / "moodle.csv"
    outcome = exports.export(_folder(tmp_path, results), fmt="moodle", out=out, assignment=_assignment(),
                             options=exports.Options(roster=roster, now=NOW))
    assert not outcome.refused and not outcome.problems
    taken = lms_import.moodle(out, lang, maximum=7.0)
    assert set(taken) == {"1234567", "1234568"}
    assert taken["1234567"]["grade"] == 5.6 and taken["1234568"]["grade"] == 7.0  # 80% and 100% of 7
    assert taken["1234567"]["modified"] == "2026-03-02T09:30:00+00:00"
    points, exercise = ("80/100 分", "corr2d：0/20") if lang == "zh_cn" else ("80/100 points", "corr2d: 0/20")
    assert points in taken["1234567"]["feedback"] and exercise in taken["1234567"]["feedback"]
    before, after = roster.read_bytes(), out.read_bytes()
    newline = b"\r\n" if excel else b"\n"
    assert after.startswith(sheet.BOM.encode())
    assert after.split(newline)[0] == before.split(newline)[0]  # the header row, byte for byte
    assert after.count(newline) == before.count(newline)  # the line ends too
    old, new = sheet.read(roster), sheet.read(out)
    grade, maximum = old.header.index(s["grade"]), old.header.index(s["maxgrade"])
    assert new.rows[0][grade] == "5.60".replace(".", s["decsep"])  # as format_float writes in that language
    assert new.rows[0][maximum] == old.rows[0][maximum]
    changed = {old.header.index(s[k]) for k in ("grade", "lastmodifiedgrade", "feedback")}
    for before_row, after_row in zip(old.rows, new.rows):
        for i, (a, b) in enumerate(zip(before_row, after_row)):
            if i not in changed:
                assert b == a or b == "'" + a, (old.header[i], a, b)
    assert new.rows[2][1] == "'=Eve Smith"


def test_moodle_decimal_separator_is_the_language_s(graded, tmp_path):
    """An English worksheet whose maximum a German Excel rewrote as "3,00" still gets "2.40": the English
    importer would read "2,40" as 2 (PHP's cast stops at the comma)."""
    results = [_as(graded["flipped"], "moodle", "1234567", Person("1234567"))]
    roster = moodle_download(tmp_path / "w.csv", "en", [("1234567", "Jane Doe")], maximum="3,00", excel=True)
    out = tmp_path / "o.csv"
    exports.export(_folder(tmp_path, results), fmt="moodle", out=out, assignment=_assignment(),
                   options=exports.Options(roster=roster, now=NOW))
    assert sheet.read(out).rows[0][4] == "2.40"
    assert lms_import.moodle(out, "en", maximum=3.0)["1234567"]["grade"] == 2.4
    assert lms_import.unformat_float("2,40", ".") == 2.0  # what the other separator would have become


def test_moodle_localized_locked_and_scale(graded, tmp_path):
    results = [_as(graded["flipped"], "moodle", "1234567", Person("1234567"))]
    roster = moodle_download(tmp_path / "de.csv", "de", [("1234567", "Jane Doe")], locked=("1234567",))
    outcome = exports.export(_folder(tmp_path, results), fmt="moodle", out=tmp_path / "o.csv",
                             assignment=_assignment(), options=exports.Options(roster=roster, now=NOW))
    assert any("cannot be changed" in n for n in outcome.notes)
    assert any("'de'" in n for n in outcome.notes)  # import it with Moodle in German
    fr = lms_import.MOODLE_STRINGS["fr"]
    scale = moodle_download(tmp_path / "fr.csv", "fr", [("1234567", "Jane Doe")],
                            header=[fr["recordid"], fr["fullname"], fr["status"], fr["grade"], "Barème",
                                    fr["gradecanbechanged"], fr["lastmodifiedsubmission"], fr["lastmodifiedgrade"],
                                    fr["feedback"], "x"])
    with pytest.raises(exports.ExportError, match="on a scale"):
        exports.export(_folder(tmp_path, results), fmt="moodle", out=tmp_path / "o.csv",
                       assignment=_assignment(), options=exports.Options(roster=scale))


def test_moodle_unknown_language_refused(graded, tmp_path):
    """Polish is not in the table: refused, naming the English columns it needs and the columns it has."""
    results = [_as(graded["flipped"], "moodle", "1234567", Person("1234567"))]
    polish = tmp_path / "pl.csv"
    polish.write_bytes(sheet.BOM.encode() + php_csv_line(
        ["Identyfikator", "Imię i nazwisko", "Ocena", "Maksymalna ocena", "Ostatnia modyfikacja (ocena)"]).encode()
        + php_csv_line(["Uczestnik1234567", "Jane Doe", "", "10,00", "-"]).encode())
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(main, ["export", str(_folder(tmp_path, results)), "--format", "moodle",
                                       "--roster", str(polish), "--out", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert "lacks Identifier, Grade, Last modified (grade)" in result.output
    assert "'Identyfikator'" in result.output and "'Ostatnia modyfikacja (ocena)'" in result.output


def test_moodle_names_tell_languages_apart():
    """Each language's required names identify it: no header can pass for two languages."""
    from grader.exports.moodle import language
    from grader.exports.moodle_names import LANGUAGES

    for names in LANGUAGES:
        for alternative in range(3):
            header = [wanted[min(alternative, len(wanted) - 1)] for wanted in names.required]
            assert language(header) is names, (names.language, header)
    for lang, s in lms_import.MOODLE_STRINGS.items():  # the table agrees with the packs as transcribed here
        names = language([s["recordid"], s["grade"], s["lastmodifiedgrade"]])
        assert names is not None and names.language == lang and names.decimal == s["decsep"]
        assert (names.maximum[0], names.feedback[0], names.changeable[0], names.no[0]) == (
            s["maxgrade"], s["feedback"], s["gradecanbechanged"], s["no"])


def test_sheet_keeps_a_header_spanning_lines(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b'\n"Last\nmodified",Grade\r\nx,1\r\n')
    read = sheet.read(path)
    assert read.header_line == '"Last\nmodified",Grade' and read.newline == "\r\n"
    assert read.header == ["Last\nmodified", "Grade"] and read.rows == [["x", "1"]]


# ------------------------------------------------------------- JUnit, CSV, Classroom


def test_junit_read_by_junitparser(graded, tmp_path):
    results = [graded["flipped"], graded["right"]]
    out = tmp_path / "junit.xml"
    exports.export(_folder(tmp_path, results), fmt="junit", out=out, assignment=_assignment())
    xml = junitparser.JUnitXml.fromfile(str(out))
    suites = {s.name: s for s in xml}
    assert set(suites) == {"flipped_kernel", "correct_loops"}
    flipped = suites["flipped_kernel"]
    cases = list(flipped)
    assert len(cases) == sum(len(e.tests) for e in graded["flipped"].exercises)
    assert {c.classname for c in cases} == {e.name for e in graded["flipped"].exercises}
    failed = [c for c in cases if not c.is_passed]
    assert failed and all(c.classname == "corr2d" for c in failed)
    assert flipped.failures == len(failed)
    names = [(c.classname, c.name) for c in cases]
    assert len(set(names)) == len(names)  # public and hidden checks of the same title stay apart
    public_failure = next(c for c in failed if "(hidden)" not in c.name and c.result)
    text = public_failure.result[0].text or ""
    assert "mistake:" in text and "input:" in text
    props = {p.name: p.value for p in flipped.properties()}
    assert props["score"] == "80" and props["points.corr2d"] == "0/20"
    assert all(c.is_passed for c in suites["correct_loops"])


def test_csv_is_grades_csv(graded, tmp_path):
    late = _as(graded["flipped"], "canvas", "4021", Person("4021"), late=True)
    out = tmp_path / "grades.csv"
    exports.export(_folder(tmp_path, [late]), fmt="csv", out=out, assignment=_assignment(),
                   options=exports.Options(late_penalty=LatePenalty.parse("25")))
    lines = out.read_text().splitlines()
    assert lines[0].startswith("id,score,max_score,late_penalty_percent,final_score,corr2d")
    assert lines[1].startswith("4021,80,100,25,60,0,15")


def test_github_classroom_result(graded, tmp_path):
    result = graded["flipped"]
    data = github_classroom.result(result, _assignment())
    target = tmp_path / "github_output"
    target.write_text("earlier=1\n")
    github_classroom.write_output(data, {"GITHUB_OUTPUT": str(target)})
    name, _, value = target.read_text().splitlines()[1].partition("=")
    decoded = json.loads(base64.b64decode(value))
    assert name == "result" and decoded == data
    assert decoded["version"] == 1 and decoded["status"] == "fail" and decoded["max_score"] == 100
    # The reporter adds up the tests' scores: they must make the grader's score.
    assert round(sum(t["score"] for t in decoded["tests"]), 2) == result.score
    assert {"name", "status", "score", "message"} <= set(decoded["tests"][0])
    # In the language the command was given (check --lang): the same tests and scores, the messages translated.
    from grader.messages import catalogue
    chinese = github_classroom.result(result, _assignment(), catalogue("zh", _assignment()))
    assert [(t["name"], t["score"]) for t in chinese["tests"]] == [(t["name"], t["score"]) for t in data["tests"]]
    assert any("个元素中有" in t["message"] for t in chinese["tests"]) and not any("entries" in t["message"] for t in chinese["tests"])


def test_export_reads_the_gradebook_and_records_penalties(graded, tmp_path):
    from grader.gradebook import Gradebook

    folder = tmp_path / "out"
    late = _as(graded["right"], "canvas", "4022", Person("4022"), late=True)
    on_time = _as(graded["flipped"], "canvas", "4021", Person("4021"))
    with Gradebook.open(folder / "gradebook.sqlite", assignment="conv-layer") as book:
        for result in (late, on_time):
            book.record(result, sha256="0" * 64, fingerprint="f", versions={}, visibilities=result.visibilities,
                        duration_s=result.duration_s)
    roster = canvas_roster(tmp_path / "roster.csv", [("A", "4021"), ("B", "4022")])
    out = tmp_path / "canvas.csv"
    run = CliRunner().invoke(main, ["export", str(folder), "--format", "canvas", "--roster", str(roster),
                                    "--out", str(out), "--late-penalty", "10%/day"])
    assert run.exit_code == 0, run.output
    title = _assignment().title
    assert {u: c[title] for u, c in lms_import.canvas(out)["grades"].items()} == {"4021": 80.0, "4022": 90.0}
    with Gradebook.open(folder / "gradebook.sqlite", create=False) as book:
        records = {r.key: r for r in book.latest("conv-layer")}
    assert records["4022"].late_penalty_percent == 10.0 and "1 day" in records["4022"].late_penalty_reason
    assert not records["4021"].late_penalty_percent
    # Without --late-penalty, the next export applies what the gradebook recorded.
    again = CliRunner().invoke(main, ["export", str(folder), "--format", "csv", "--out", str(tmp_path / "g.csv")])
    assert again.exit_code == 0, again.output
    assert "4022,100,100,10,90" in (tmp_path / "g.csv").read_text()



def test_reports_state_the_penalty_recorded(graded, tmp_path):
    """grade's reports say a submission was late; after an export with --late-penalty they state the penalty
    the gradebook recorded, each report in its own language, the students' copies too."""
    from grader.gradebook import Gradebook
    from grader.messages import catalogue
    from grader import batch
    from grader.reports import html_report, summary_report

    folder = tmp_path / "out"
    late = _as(graded["flipped"], "canvas", "4022", Person("4022"), late=True)
    on_time = _as(graded["right"], "canvas", "4021", Person("4021"))
    with Gradebook.open(folder / "gradebook.sqlite", assignment="conv-layer") as book:
        for result in (late, on_time):
            book.record(result, sha256="0" * 64, fingerprint="f", versions={}, visibilities=result.visibilities,
                        duration_s=result.duration_s)
    zh, en = catalogue("zh", _assignment()), catalogue("en", _assignment())
    html_report.write(late, folder / "4022" / "report.html", zh)  # as grade --lang zh wrote it
    html_report.write(on_time, folder / "4021" / "report.html", en)
    html_report.write(late, folder / exports.STUDENT_FOLDER / "4022" / "report.html", en)
    summary_report.write([late, on_time], folder / "summary.html", en)
    assert "Submitted late." in (folder / "summary.html").read_text(encoding="utf-8")
    before = (folder / "4022" / "report.html").read_text(encoding="utf-8")
    assert "逾期提交。" in before and "扣除" not in before  # late, no penalty yet
    run = CliRunner().invoke(main, ["export", str(folder), "--format", "csv", "--out", str(tmp_path / "g.csv"),
                                    "--late-penalty", "10%"])
    assert run.exit_code == 0, run.output
    report = (folder / "4022" / "report.html").read_text(encoding="utf-8")
    assert "逾期提交：扣除 10%，扣除后得 72 / 100 分。" in report and 'lang="zh-Hans"' in report
    student = (folder / exports.STUDENT_FOLDER / "4022" / "report.html").read_text(encoding="utf-8")
    assert "Submitted late: 10% off, 72 of 100 points after the penalty." in student
    assert 'class="late"' not in (folder / "4021" / "report.html").read_text(encoding="utf-8")
    summary = (folder / "summary.html").read_text(encoding="utf-8")
    assert summary.count("Submitted late: 10% off, 72 of 100 points after the penalty.") == 1
    (folder / "summary.html").unlink()  # the next grade run rebuilds it from the gradebook, penalty included
    with Gradebook.open(folder / "gradebook.sqlite", assignment="conv-layer") as book:
        batch.write_class_files(book, _assignment(), folder, en)
    assert "10% off, 72 of 100 points" in (folder / "summary.html").read_text(encoding="utf-8")


def test_terminal_and_html_say_late(graded):
    from grader.messages import catalogue
    from grader.reports import html_report, summary_report, terminal

    cat = catalogue("en", _assignment())
    late = _as(graded["flipped"], "canvas", "4022", Person("4022"), late=True)
    assert "Submitted late." in terminal.render(late, cat)
    assert "Submitted late: 25% off, 60 of 100 points after the penalty." in terminal.render(late, cat,
                                                                                            late_penalty=25)
    assert "Submitted late" not in terminal.render(graded["flipped"], cat)
    assert '<p class="late">Submitted late.</p>' in html_report.render(late, cat)
    assert 'class="late"' not in html_report.render(graded["flipped"], cat)
    summary = summary_report.render([late, _as(graded["right"], "canvas", "4021", Person("4021"))], cat)
    assert summary.count('<span class="late">Submitted late.</span>') == 1


# ------------------------------------------------------------------ Gradescope

GRADESCOPE_SCHEMA = json.loads((CORPUS.parent / "gradescope_results.schema.json").read_text())


def gradescope_valid(document: dict) -> dict:
    jsonschema.validate(document, GRADESCOPE_SCHEMA)
    assert all("\r" not in t.get("output", "") for t in document.get("tests", []))  # \n line endings
    return document


@pytest.mark.parametrize("granularity", ["check", "exercise"])
def test_gradescope_results(graded, tmp_path, granularity):
    from grader.exports import gradescope

    result = graded["flipped"]
    doc = gradescope_valid(gradescope.results(Graded(result), _assignment(), granularity=granularity))
    assert doc["score"] == 80.0 and doc["stdout_visibility"] == "hidden"
    assert doc["extra_data"]["isolation_off"] == [n for n, on in result.isolation.items() if not on]
    scored = [t for t in doc["tests"] if "max_score" in t]
    assert round(sum(t["score"] for t in scored), 2) == 80.0 and round(sum(t["max_score"] for t in scored), 2) == 100
    before_publication = [t for t in doc["tests"] if t["visibility"] in ("visible", "after_due_date")]
    assert before_publication and all("(hidden)" not in t["name"] for t in before_publication)
    if granularity == "check":
        hidden = [t for t in doc["tests"] if t["name"].endswith("(hidden)")]
        assert hidden and {t["visibility"] for t in hidden} == {"after_published"}
        assert any("input:" in t["output"] for t in hidden)  # the instructor's view, after publication
        shown = gradescope_valid(gradescope.results(Graded(result), _assignment(), hidden_visibility="visible"))
        hidden = [t for t in shown["tests"] if t["name"].endswith("(hidden)")]
        assert {t["visibility"] for t in hidden} == {"visible"}
        assert not any("input:" in t["output"] or "expected:" in t["output"] for t in hidden)
        assert any("hidden check did not pass" in t["output"] for t in hidden)


def test_classroom_workflow_wires_the_grader_to_the_reporter():
    """The workflow in docs/github-classroom.md: the reporter reads <RUNNER ID IN CAPITALS>_RESULTS, which
    must be the grader step's output `result`."""
    import re

    from conftest import ROOT

    text = (ROOT / "docs" / "github-classroom.md").read_text(encoding="utf-8")
    workflow = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    step = re.search(r"id: (\S+)\n\s+run: grader check (\S+) --github-classroom", workflow)
    assert step, "the grader step must run grader check --github-classroom"
    runners = re.search(r"runners: (\S+)", workflow).group(1).split(",")
    for runner in runners:
        assert f'{runner.upper()}_RESULTS: "${{{{ steps.{runner}.outputs.{github_classroom.OUTPUT_NAME} }}}}"' \
            in workflow
    assert step.group(1) in runners
    assert "classroom-resources/autograding-grading-reporter@v1" in workflow
    assert "torch==2.13.0" in workflow


@pytest.mark.slow
def test_check_github_classroom_writes_the_step_output(tmp_path):
    import os
    import subprocess
    import sys

    target = tmp_path / "github_output"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(CORPUS / "flipped_kernel.py"),
                           "--github-classroom", "--no-color"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "GITHUB_OUTPUT": str(target)})
    assert done.returncode == 0, done.stderr
    name, _, value = target.read_text().strip().partition("=")
    data = json.loads(base64.b64decode(value))
    # What the reporter computes: the tests' scores against max_score.
    assert name == "result" and data["max_score"] == 100 and data["status"] == "fail"
    assert round(sum(t["score"] for t in data["tests"]), 2) == 80.0


def test_every_format_has_its_exporter():
    assert [exports.exporter(name).name for name in exports.FORMATS] == list(exports.FORMATS)


def test_gradescope_metadata_late_penalty(graded, tmp_path):
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(json.dumps({
        "id": 123456, "created_at": "2026-03-03T10:00:00.000000-08:00", "submission_method": "upload",
        "assignment": {"due_date": "2026-03-01T23:59:00.000000-08:00", "late_due_date": None, "group_size": None,
                       "group_submission": False, "id": 42, "course_id": 7, "release_date": "2026-02-01T00:00:00-08:00",
                       "title": "Image convolution", "total_points": "100.0"},
        "users": [{"email": "jane@example.edu", "id": 991, "name": "Jane Doe"}], "previous_submissions": []}))
    out = tmp_path / "results.json"
    outcome = exports.export(_folder(tmp_path, [graded["flipped"]]), fmt="gradescope", out=out,
                             assignment=_assignment(), gradescope_metadata=metadata,
                             options=exports.Options(late_penalty=LatePenalty.parse("10%/day")))
    assert outcome.written == [out]
    document = gradescope_valid(json.loads(out.read_text()))
    assert document["score"] == 64.0 and document["extra_data"]["late_penalty_percent"] == 20.0
    assert "late by 2 day(s)" in document["output"]


def test_canvas_column_must_exist_and_points_scale(graded, tmp_path):
    results = [_as(graded["flipped"], "canvas", "4021", Person("4021"))]
    roster = canvas_roster(tmp_path / "roster.csv", [("A", "4021")])
    folder = _folder(tmp_path, results)
    unknown = CliRunner().invoke(main, ["export", str(folder), "--format", "canvas", "--roster", str(roster),
                                        "--column", "Homework 9 (99999)", "--out", str(tmp_path / "o.csv")])
    assert unknown.exit_code == 2 and "Image convolution (12345)" in unknown.output  # it names the columns it has
    out = tmp_path / "canvas.csv"
    outcome = exports.export(folder, fmt="canvas", out=out, assignment=_assignment(),
                             options=exports.Options(roster=roster, column="Homework 1 (11111)"))
    imported = lms_import.canvas(out)
    assert imported["points"] == {"Homework 1 (11111)": 10.0}
    assert imported["grades"]["4021"]["Homework 1 (11111)"] == 8.0  # 80 of 100 is 8 of Canvas's 10
    assert any("scaled" in note for note in outcome.notes)


@pytest.mark.parametrize("cell,written", [
    ("=HYPERLINK(\"http://x\",\"a\")", "'=HYPERLINK(\"http://x\",\"a\")"), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("-1.50", "-1.50"), ("-", "-"), ("Doe, Jane", "Doe, Jane"), ("8.50", "8.50"), ("", "")])
def test_cells_that_would_start_a_formula_are_neutralised(cell, written):
    assert sheet.neutralise(cell) == written


def test_roster_errors_are_clear(tmp_path):
    for content, says in [(b"", "empty"), (b"\xff\xfeS\x00", "not UTF-8"), (b'Student,ID\r\n"a,1\r\n', "not a valid CSV")]:
        path = tmp_path / "r.csv"
        path.write_bytes(content)
        with pytest.raises(sheet.SheetError, match=says):
            sheet.read(path)


def test_internal_grader_errors_are_pointed_out(graded, tmp_path):
    from grader.results import LoadIssue

    broken = replace(graded["flipped"], load_issues=(LoadIssue("grader", "internal_error", "internal grader error"),))
    outcome = exports.export(_folder(tmp_path, [broken]), fmt="csv", out=tmp_path / "g.csv", assignment=_assignment())
    assert any("internal grader error" in note and "flipped_kernel" in note for note in outcome.notes)


def test_a_gradebook_that_is_not_one_exits_4(tmp_path):
    fake = tmp_path / "book.sqlite"
    fake.write_bytes(b"not a database" * 100)
    run = CliRunner().invoke(main, ["export", str(tmp_path), "--format", "csv", "--gradebook", str(fake),
                                    "--out", str(tmp_path / "g.csv"), "--assignment", "conv-layer"])
    assert run.exit_code == 4 and "book.sqlite" in run.output and not (tmp_path / "g.csv").exists()
