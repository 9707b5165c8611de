"""Grades back into the LMS: one small module per format behind one interface.

An exporter takes the graded submissions (``graded.Graded``, read from the gradebook or ``grade``'s
folder) and the options, and returns a ``Plan``: what did not match (problems: the command refuses
unless ``--allow-unmatched``), what the instructor should know (notes), and how to write the output.
Nothing is written before the plan is accepted, so a mismatch never leaves a half-right file behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from grader.assignment import Assignment
from grader.exports.graded import Graded
from grader.exports.late import LatePenalty
from grader.messages import Catalogue, catalogue, normalize_lang
from grader.reports.for_students import redact


@dataclass(frozen=True)
class Options:
    roster: Path | None = None
    column: str | None = None  # Canvas: an existing "Title (id)" column
    missing_zero: bool = False
    late_penalty: LatePenalty | None = None
    due: datetime | None = None
    for_students: bool = False
    hidden_visibility: str = "after_published"  # Gradescope
    granularity: str = "check"  # Gradescope: a test per check or per exercise
    output_format: str = "md"  # Gradescope
    now: datetime | None = None  # Moodle's "Last modified (grade)"; tests fix it
    lang: str | None = None  # the feedback's language (``feedback_catalogue``); None: not chosen


@dataclass
class Plan:
    problems: list[str] = field(default_factory=list)  # refuse unless --allow-unmatched
    notes: list[str] = field(default_factory=list)  # say, do not refuse
    write: Callable[[], list[Path]] = lambda: []  # the files written


def feedback_catalogue(options: Options, assignment: Assignment, spoken: str | None = None) -> Catalogue:
    """The sentences of the feedback students read in the LMS: ``--lang``, else the language the LMS's own
    file speaks where the grader has it (a Moodle worksheet downloaded in Chinese), else the locale's, as
    the reports; built once per export (it costs milliseconds, a class has hundreds of rows)."""
    return catalogue(options.lang or normalize_lang(spoken), assignment)


class Exporter(Protocol):
    name: str
    needs_roster: bool

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan: ...


@dataclass
class Matching:
    """Graded submissions by roster id, and what did not match."""

    by_id: dict[str, Graded]
    problems: list[str]
    notes: list[str]


def match(graded: list[Graded], roster_ids: list[str], *, what: str) -> Matching:
    """Map each roster id to its graded submission.  Never a guess: an id the roster holds twice, a
    student graded twice, a graded student the roster lacks, a roster with no graded student in it
    are problems; roster students without a submission are notes."""
    problems: list[str] = []
    counts = Counter(roster_ids)
    duplicated = sorted(i for i, n in counts.items() if n > 1 and i)
    for dup in duplicated:
        problems.append(f"{what} {dup!r} appears {counts[dup]} times in the roster: left blank")
    owners: dict[str, list[Graded]] = {}
    for g in graded:
        for sid in g.student_ids:
            owners.setdefault(sid, []).append(g)
    by_id: dict[str, Graded] = {}
    for sid, gs in sorted(owners.items()):
        if len(gs) > 1:
            problems.append(f"{what} {sid!r} has {len(gs)} graded submissions "
                            f"({', '.join(g.key for g in gs)}): left blank")
        elif sid not in counts:
            problems.append(f"graded submission {gs[0].key!r} ({what} {sid!r}) is not in the roster")
        elif sid not in duplicated:
            by_id[sid] = gs[0]
    roster_set = {i for i in roster_ids if i}
    if graded and roster_set and not (roster_set & set(owners)):
        problems.insert(0, f"no graded student is in this roster ({len(roster_set)} students): "
                           "is it the roster of another course or assignment?")
    missing = sorted(roster_set - set(owners))
    notes = [f"{len(missing)} student(s) in the roster have no graded submission: {', '.join(missing)}"] \
        if missing else []
    return Matching(by_id, problems, notes)


def apply_late_penalty(graded: list[Graded], options: Options) -> list[Graded]:
    """With ``--late-penalty``, each late submission's penalty; without it, what the gradebook recorded."""
    if options.late_penalty is None:
        return graded
    out = []
    for g in graded:
        percent, reason = options.late_penalty.apply(g.result.identity, options.due)
        out.append(replace(g, late_penalty_percent=percent, late_penalty_reason=reason))
    return out


def for_students(graded: list[Graded]) -> list[Graded]:
    return [replace(g, result=redact(g.result)) for g in graded]


def exporter(name: str) -> Exporter:
    from grader.exports import canvas, csv_grades, gradescope, junit, moodle

    return {m.EXPORTER.name: m.EXPORTER for m in (canvas, moodle, gradescope, junit, csv_grades)}[name]


FORMATS = ("canvas", "moodle", "gradescope", "junit", "csv")


def number(x: float, places: int = 2, decimal: str = ".") -> str:
    """A score as the LMS wants it: fixed decimals, the roster's decimal separator."""
    return f"{x:.{places}f}".replace(".", decimal)


class ExportError(Exception):
    """The export cannot be made as asked (a roster of the wrong kind, an unknown column); the message says why."""


def roster_needed(name: str, options: Options) -> Path:
    if options.roster is None:
        raise ExportError(f"--format {name} needs --roster FILE: the grade file downloaded from the LMS")
    return options.roster


@dataclass
class Outcome:
    written: list[Path]
    problems: list[str]
    notes: list[str]
    refused: bool


def export(folder: Path, *, fmt: str, assignment: Assignment, out: Path, options: Options = Options(),
           allow_unmatched: bool = False, gradebook: Path | None = None,
           gradescope_metadata: Path | None = None) -> Outcome:
    """Read the graded submissions (never grade), map them onto the LMS's file, and write it unless
    something did not match (then nothing is written, unless ``allow_unmatched``)."""
    from grader.exports import graded as source
    from grader.exports.gradescope import read_metadata, with_metadata

    from grader.batch import default_gradebook

    if gradebook is None and default_gradebook(folder).is_file():
        gradebook = default_gradebook(folder)  # grade's own: the state of record
    if gradebook is not None:
        found, problems = source.load_gradebook(gradebook, assignment=assignment.name), []
    else:
        found, problems = source.load(folder, assignment=assignment.name)
    if gradescope_metadata is not None:  # run_autograder's one submission: who, when, and the due date
        identity, due = read_metadata(gradescope_metadata)
        found = with_metadata(found, identity)
        options = replace(options, due=options.due or due)
    found = apply_late_penalty(found, options)
    penalised = found
    if options.for_students:
        found = for_students(found)
    plan = exporter(fmt).plan(found, assignment=assignment, options=options, out=out)
    problems += plan.problems
    broken = [g.key for g in found if any(i.kind == "internal_error" for i in g.result.load_issues)]
    if broken:  # exported as graded (0 points), but worth a look before they reach students
        plan.notes.append(f"{len(broken)} submission(s) hit an internal grader error, exported with what was "
                          f"graded: {', '.join(broken)}")
    if problems and not allow_unmatched:
        return Outcome([], problems, plan.notes, refused=True)
    written = plan.write()
    if gradebook is not None and options.late_penalty is not None:
        source.record_penalties(gradebook, found)
        restate_reports(folder, penalised, assignment)
    return Outcome(written, problems, plan.notes, refused=False)


STUDENT_FOLDER = "for-students"


def restate_reports(folder: Path, graded: list[Graded], assignment: Assignment) -> None:
    """The reports ``grade`` wrote in ``folder`` (the instructor's, and the students' copies, and the class
    summary) state the penalty just recorded (or its absence, if an earlier export's no longer holds), each in
    its own language."""
    from grader.batch import REPORT_NAME, SUMMARY_NAME
    from grader.messages import catalogue
    from grader.reports import html_report, summary_report

    cats = {}
    for g in graded:
        for path, result in ((folder / g.key / REPORT_NAME, g.result),
                             (folder / STUDENT_FOLDER / g.key / REPORT_NAME, redact(g.result))):
            lang = html_report.language(path) if path.is_file() else None
            if lang is not None:
                cat = cats.setdefault(lang, catalogue(lang, assignment))
                html_report.write(result, path, cat, late_penalty=g.late_penalty_percent)
    summary = folder / SUMMARY_NAME
    lang = html_report.language(summary) if summary.is_file() else None
    if lang is not None:
        summary_report.write([g.result for g in graded], summary, cats.get(lang) or catalogue(lang, assignment),
                             penalties={g.result.submission: g.late_penalty_percent for g in graded
                                        if g.late_penalty_percent is not None})


def write_student_copies(results, out_dir: Path, cat) -> Path:
    """``out_dir/for-students/<id>/`` with each result and report as a student may see them."""
    from grader.reports import html_report, json_report

    folder = out_dir / STUDENT_FOLDER
    for result in results:
        shown = redact(result)
        json_report.write(shown, folder / shown.submission / "result.json")
        html_report.write(shown, folder / shown.submission / "report.html", cat)
    return folder
