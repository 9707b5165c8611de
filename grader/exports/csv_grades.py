"""``--format csv``: ``grade``'s own ``grades.csv`` (one source: ``grader.reports.csv_report``)."""

from __future__ import annotations

from pathlib import Path

from grader.assignment import Assignment
from grader.exports import Options, Plan
from grader.exports.graded import Graded
from grader.reports import csv_report


class CsvExporter:
    name = "csv"
    needs_roster = False

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan:
        penalties = ({g.key: (g.late_penalty_percent, g.score) for g in graded}
                     if any(g.late_penalty_percent for g in graded) else None)
        notes = [f"{g.key}: {g.late_penalty_reason}" for g in graded if g.late_penalty_reason]

        def write() -> list[Path]:
            csv_report.write([g.result for g in graded], [e.name for e in assignment.exercises], out,
                             penalties=penalties)
            return [out]

        return Plan([], notes, write)


EXPORTER = CsvExporter()
