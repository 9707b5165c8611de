"""Moodle: the assignment's grading worksheet, filled in.

Moodle's offline grading import (mod/assign/feedback/offline) finds its columns by their exact header in
the importing user's language (``moodle_names``), needs the identifier, grade and "last modified (grade)"
columns, skips a grade that is empty, negative or above the maximum, and skips a row whose "last
modified (grade)" is older than the grade Moodle holds.  We change the grade, "last modified (grade)" and
the feedback comments and keep every other cell, the header row byte for byte and its order as
downloaded, in whichever language the worksheet speaks.

Grades are read back with ``unformat_float``, which turns the language's decimal separator into a point
and casts what is left (``8,5`` in English becomes 8), so a grade is written with the language's
separator, as Moodle's own ``format_float`` wrote the maximum.  "Last modified (grade)" is read with
PHP's ``strtotime``, which reads no language's written-out dates but ISO-8601 in every language.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from grader.assignment import Assignment
from grader.exports import ExportError, Options, Plan, feedback, feedback_catalogue, match, number, roster_needed
from grader.exports import sheet
from grader.exports.graded import Graded
from grader.exports.moodle_names import ENGLISH, LANGUAGES, Names

_PARTICIPANT = re.compile(r"(\d+)\s*$")


def participant_id(identifier: str) -> str:
    """The number at the end of "Participant 1234567" in any language ("Teilnehmer/in1234567")."""
    found = _PARTICIPANT.search(identifier.strip())
    return found.group(1) if found else ""


def _grade_value(text: str) -> float | None:
    try:
        return float(re.sub(r"\s", "", text).replace(",", "."))
    except ValueError:
        return None


def _index(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def language(header: list[str]) -> Names | None:
    """The language whose names the header carries for every column the importer needs."""
    return next((names for names in LANGUAGES
                 if all(_index(header, wanted) is not None for wanted in names.required)), None)


def _refusal(path: Path, header: list[str]) -> ExportError:
    missing = [wanted[0] for wanted in ENGLISH.required if _index(header, wanted) is None]
    found = ", ".join(repr(c) for c in header[:30]) + (", ..." if len(header) > 30 else "")
    known = ", ".join(n.language for n in LANGUAGES[1:])
    return ExportError(f"{path} is not a Moodle grading worksheet: it lacks {', '.join(missing)} (the English "
                       f"names; the worksheet may also be in {known}). Its columns: {found}")


class MoodleExporter:
    name = "moodle"
    needs_roster = True

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan:
        path = roster_needed(self.name, options)
        roster = sheet.read(path)
        header = roster.header
        names = language(header)
        if names is None:
            raise _refusal(path, header)
        maximum = _index(header, names.maximum)
        if maximum is None:
            if _index(header, names.scale) is not None:
                raise ExportError(f"{path}: this Moodle assignment is graded on a scale; grade it in points to export")
            raise ExportError(f"{path} lacks the {names.maximum[0]!r} column ({ENGLISH.maximum[0]} in English): "
                              "download the worksheet again")
        ident, grade, modified = (_index(header, wanted) for wanted in names.required)
        comments = _index(header, names.feedback)
        changeable = _index(header, names.changeable)
        locked = {no.casefold() for no in names.no}
        notes = [] if comments is not None else [f"the worksheet has no {names.feedback[0]!r} column: grades only"]
        matching = match(graded, [participant_id(r[ident]) for r in roster.rows], what="participant")
        cat = feedback_catalogue(options, assignment, spoken=names.language)
        when = (options.now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        stamp = when.isoformat(timespec="seconds")  # PHP strtotime reads ISO-8601 with its offset
        rows = []
        for row in roster.rows:
            row = list(row)
            g = matching.by_id.get(participant_id(row[ident]))
            top = _grade_value(row[maximum])
            if top is None:
                if g is not None:
                    matching.problems.append(f"{row[ident]}: {header[maximum]} {row[maximum]!r} is not a number")
                rows.append(row)
                continue
            if g is not None:
                fraction = g.score / assignment.max_score if assignment.max_score else 0.0
                row[grade] = number(min(top, max(0.0, fraction * top)), decimal=names.decimal)
                row[modified] = stamp
                if comments is not None:
                    row[comments] = feedback.html(g, assignment, cat)
                if g.late_penalty_reason:
                    notes.append(f"{row[ident]}: {g.late_penalty_reason}")
            elif options.missing_zero:
                row[grade], row[modified] = number(0.0, decimal=names.decimal), stamp
            if g is not None and changeable is not None and row[changeable].strip().casefold() in locked:
                notes.append(f"{row[ident]}: Moodle says this grade cannot be changed; the import will skip it")
            rows.append(row)
        if names is not ENGLISH:
            notes.append(f"the worksheet is in Moodle's {names.language!r} language; import it with Moodle in "
                         "that language (the importer reads the column names in the importing user's language)")
        output = sheet.Sheet(header, rows, roster.delimiter, roster.bom, roster.newline, roster.header_line)

        def write() -> list[Path]:
            sheet.write(output, out)
            return [out]

        return Plan(matching.problems, matching.notes + notes, write)


EXPORTER = MoodleExporter()
