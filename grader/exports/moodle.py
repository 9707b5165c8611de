"""Moodle: the assignment's grading worksheet, filled in.

Moodle's offline grading import (mod/assign/feedback/offline) finds its columns by their exact
header, needs ``Identifier``, ``Grade`` and ``Last modified (grade)``, skips a grade that is empty,
negative or above the maximum, and skips a row whose ``Last modified (grade)`` is older than the grade
Moodle holds.  We change ``Grade``, ``Last modified (grade)`` and ``Feedback comments`` and keep every
other cell, the header and its order as downloaded.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from grader.assignment import Assignment
from grader.exports import ExportError, Options, Plan, feedback, match, number, roster_needed
from grader.exports import sheet
from grader.exports.graded import Graded
from grader.messages import catalogue

IDENTIFIER, GRADE, MAXIMUM, MODIFIED, FEEDBACK = (
    "Identifier", "Grade", "Maximum Grade", "Last modified (grade)", "Feedback comments")
CHANGEABLE = "Grade can be changed"
_PARTICIPANT = re.compile(r"(\d+)\s*$")


def participant_id(identifier: str) -> str:
    found = _PARTICIPANT.search(identifier.strip())
    return found.group(1) if found else ""


def _grade_value(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


class MoodleExporter:
    name = "moodle"
    needs_roster = True

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan:
        path = roster_needed(self.name, options)
        roster = sheet.read(path)
        header = roster.header
        if "Scale" in header and MAXIMUM not in header:
            raise ExportError(f"{path}: this Moodle assignment is graded on a scale; grade it in points to export")
        missing = [c for c in (IDENTIFIER, GRADE, MAXIMUM, MODIFIED) if c not in header]
        if missing:
            raise ExportError(f"{path} is not a Moodle grading worksheet in English: it lacks "
                              f"{', '.join(missing)} (download it with the site in English, or switch your "
                              "language to English before downloading)")
        ident, grade, maximum, modified = (header.index(c) for c in (IDENTIFIER, GRADE, MAXIMUM, MODIFIED))
        comments = roster.column(FEEDBACK)
        changeable = roster.column(CHANGEABLE)
        notes = [] if comments is not None else [f"the worksheet has no {FEEDBACK} column: grades only"]
        matching = match(graded, [participant_id(r[ident]) for r in roster.rows], what="participant")
        cat = catalogue("en", assignment)  # once: building it costs milliseconds, a class has hundreds of rows
        when = (options.now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        stamp = when.isoformat(timespec="seconds")  # PHP strtotime reads ISO-8601 with its offset
        rows = []
        for row in roster.rows:
            row = list(row)
            g = matching.by_id.get(participant_id(row[ident]))
            top = _grade_value(row[maximum])
            decimal = "," if "," in row[maximum] and "." not in row[maximum] else "."
            if top is None:
                if g is not None:
                    matching.problems.append(f"{row[ident]}: Maximum Grade {row[maximum]!r} is not a number")
                rows.append(row)
                continue
            if g is not None:
                fraction = g.score / assignment.max_score if assignment.max_score else 0.0
                row[grade] = number(min(top, max(0.0, fraction * top)), decimal=decimal)
                row[modified] = stamp
                if comments is not None:
                    row[comments] = feedback.html(g, assignment, cat)
                if g.late_penalty_reason:
                    notes.append(f"{row[ident]}: {g.late_penalty_reason}")
            elif options.missing_zero:
                row[grade], row[modified] = number(0.0, decimal=decimal), stamp
            if g is not None and changeable is not None and row[changeable].strip().lower() == "no":
                notes.append(f"{row[ident]}: Moodle says this grade cannot be changed; the import will skip it")
            rows.append(row)
        output = sheet.Sheet(header, rows, roster.delimiter, roster.bom)

        def write() -> list[Path]:
            sheet.write(output, out)
            return [out]

        return Plan(matching.problems, matching.notes + notes, write)


EXPORTER = MoodleExporter()
