"""What each LMS's import does with a file, as ../shared/lms-formats.md describes it: the checkers the
export tests read their output back with.  Written from those rules, not from our exporters."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

CANVAS_TITLE = re.compile(r"\A(.*)\s\((\d+)\)\Z")


class ImportRejected(AssertionError):
    pass


def _table(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","  # Canvas detects , or ;
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]


def canvas(path: Path) -> dict:
    """Canvas's gradebook importer: {"columns": {title: (name, id|None)}, "points": {title: value},
    "grades": {user id: {title: float | "EX" | None (no change)}}}."""
    rows = _table(path)
    header = rows[0]
    if "Student" not in header[0] or "ID" not in header[1] or len(header) <= 3:
        raise ImportRejected(f"not a Canvas gradebook header: {header}")
    section = max(i for i, name in enumerate(header) if "Section" in name)
    columns = {}
    for title in header[section + 1:]:
        found = CANVAS_TITLE.match(title)
        columns[title] = (found.group(1), found.group(2)) if found else (title, None)  # no id: a new assignment
    points, grades = {}, {}
    for row in rows[1:]:
        if row[0].strip() == "Points Possible":
            points = {t: float(v.replace(",", ".")) for t, v in zip(header[section + 1:], row[section + 1:]) if v}
            continue
        user = row[1].strip()
        cells = {}
        for title, value in zip(header[section + 1:], row[section + 1:]):
            value = value.strip()
            if value in ("", "-"):
                cells[title] = None
            elif value == "EX":
                cells[title] = "EX"
            else:
                if not re.fullmatch(r"\d+[.,]\d\d", value):
                    raise ImportRejected(f"{user}: score {value!r} is not a number with two decimals")
                cells[title] = float(value.replace(",", "."))
        if user in grades and grades[user] != cells:
            raise ImportRejected(f"user {user} twice, with different grades")
        grades[user] = cells
    return {"columns": columns, "points": points, "grades": grades}


def _parseable_date(text: str) -> bool:
    """What PHP's strtotime reads among the forms we meet: ISO-8601, and Moodle's own userdate format."""
    for attempt in (lambda t: datetime.fromisoformat(t),
                    lambda t: datetime.strptime(t, "%A, %d %B %Y, %I:%M %p")):
        try:
            attempt(text)
            return True
        except ValueError:
            pass
    return False


def moodle(path: Path, previous: dict[str, datetime] | None = None) -> dict[str, dict]:
    """Moodle's offline grading import: {participant id: {"grade", "feedback", "modified"}} of the rows it takes."""
    rows = _table(path)
    header = rows[0]
    for needed in ("Identifier", "Grade", "Last modified (grade)"):
        if needed not in header:
            raise ImportRejected(f"the worksheet lacks {needed}")
    col = {name: header.index(name) for name in header}
    taken = {}
    for row in rows[1:]:
        found = re.fullmatch(r"Participant (\d+)", row[col["Identifier"]])
        if not found:
            raise ImportRejected(f"bad identifier {row[col['Identifier']]!r}")
        text = row[col["Grade"]].strip()
        if not text:
            continue  # empty: skipped
        grade = float(text.replace(",", "."))
        maximum = float(row[col["Maximum Grade"]].replace(",", "."))
        if grade < 0 or grade > maximum:
            continue  # out of range: skipped
        modified = row[col["Last modified (grade)"]]
        if not _parseable_date(modified):
            continue  # read as the epoch: older than any grade Moodle holds, skipped
        taken[found.group(1)] = {"grade": grade, "modified": modified,
                                 "feedback": row[col["Feedback comments"]] if "Feedback comments" in col else None}
    return taken
