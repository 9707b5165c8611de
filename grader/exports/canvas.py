"""Canvas: the gradebook CSV the instructor exported, with this assignment's column filled in.

Canvas's importer (lib/gradebook_importer.rb) wants ``Student`` and ``ID`` first, the student columns
ending with ``Section``, assignment columns named ``Title (id)`` and matches students by ``ID``, the
Canvas user id, which the download's file names carry.  Blank means "no change".
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.assignment import Assignment
from grader.exports import ExportError, Options, Plan, match, number, roster_needed
from grader.exports import sheet
from grader.exports.graded import Graded

TITLE_WITH_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")  # the importer's own pattern
POINTS_POSSIBLE = "Points Possible"


def _student_columns(header: list[str], path: Path) -> int:
    """How many columns describe the student (through ``Section``), after checking it is a Canvas gradebook."""
    if len(header) < 3 or "Student" not in header[0] or "ID" not in header[1]:
        raise ExportError(f"{path} is not a Canvas gradebook export: its header must start with Student, ID "
                          f"(it starts with {', '.join(header[:3])})")
    for index, name in enumerate(header):
        if "Section" in name:
            return index + 1
    raise ExportError(f"{path} is not a Canvas gradebook export: it has no Section column")


class CanvasExporter:
    name = "canvas"
    needs_roster = True

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan:
        path = roster_needed(self.name, options)
        roster = sheet.read(path)
        width = _student_columns(roster.header, path)
        id_column = 1
        points_rows = [r for r in roster.rows if r[0].strip() == POINTS_POSSIBLE]
        students = [r for r in roster.rows if r[0].strip() != POINTS_POSSIBLE and r[id_column].strip()]
        notes = []
        max_points = assignment.max_score
        if options.column is not None:
            if not TITLE_WITH_ID.match(options.column):
                raise ExportError(f"--column {options.column!r} is not a Canvas assignment column: "
                                  "give it as it appears in the roster, 'Title (12345)'")
            where = roster.column(options.column)
            if where is None:
                known = [c for c in roster.header[width:] if TITLE_WITH_ID.match(c)]
                raise ExportError(f"the roster has no column {options.column!r} (its assignment columns: "
                                  f"{', '.join(known) or 'none'})")
            title = options.column
            if points_rows and points_rows[0][where].strip():
                try:
                    max_points = float(points_rows[0][where].replace(",", "."))
                except ValueError:
                    pass
                if max_points != assignment.max_score:
                    notes.append(f"{title} is worth {max_points:g} points in Canvas and {assignment.max_score:g} "
                                 "here: scores are scaled to Canvas's points")
        else:
            title = assignment.title
            if TITLE_WITH_ID.match(title):
                raise ExportError(f"the assignment's title {title!r} ends like a Canvas id: Canvas would read it "
                                  "as an existing assignment; pass --column 'Title (id)'")
        matching = match(graded, [r[id_column].strip() for r in students], what="Canvas user id")
        scale = max_points / assignment.max_score if assignment.max_score else 1.0
        rows = []
        for row in points_rows[:1]:
            rows.append(row[:width] + [number(max_points)])
        for row in students:
            g = matching.by_id.get(row[id_column].strip())
            if g is not None:
                cell = number(g.score * scale)
                if g.late_penalty_reason:
                    notes.append(f"{row[0]} ({row[id_column]}): {g.late_penalty_reason}")
            else:
                cell = number(0.0) if options.missing_zero else ""
            rows.append(row[:width] + [cell])
        output = sheet.Sheet(roster.header[:width] + [title], rows, roster.delimiter, roster.bom)

        def write() -> list[Path]:
            sheet.write(output, out)
            return [out]

        return Plan(matching.problems, matching.notes + notes, write)


EXPORTER = CanvasExporter()
