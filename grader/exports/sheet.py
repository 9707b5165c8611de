"""Spreadsheets in and out: rosters as an LMS or Excel saved them, and cells safe to open.

A roster straight from Canvas is UTF-8 with ``,`` and CRLF, Moodle's worksheet has a byte-order mark
and LF; the same file saved again by Excel gains a byte-order mark and, in many locales, ``;`` as
separator.  All read the same here, and a file we write back keeps the roster's dialect (separator,
BOM, line end), so the LMS reads it as it read its own.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from grader.files import open_atomically

BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SheetError(ValueError):
    """A roster that cannot be read as a table; the message says why."""


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    rows: list[list[str]]  # every row padded to the header's length
    delimiter: str = ","
    bom: bool = False
    newline: str = "\r\n"  # the header's line end
    header_line: str = ""  # the header record as the file spells it; written back unchanged when given

    def column(self, name: str) -> int | None:
        try:
            return self.header.index(name)
        except ValueError:
            return None


def read(path: Path) -> Sheet:
    """The table in ``path``: UTF-8 with or without BOM, ``,`` ``;`` or tab separated, any line ending."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SheetError(f"the roster {path} is not UTF-8 text: export it again as CSV (UTF-8)") from None
    bom = text.startswith(BOM)
    text = text.removeprefix(BOM)
    if not text.strip():
        raise SheetError(f"the roster {path} is empty")
    header_line, newline = _first_record(text)
    # The separator is the header's: Canvas and Moodle headers hold no ';' or tab of their own.
    delimiter = max((",", ";", "\t"), key=header_line.count)
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise SheetError(f"the roster {path} is not a valid CSV file: {exc}") from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    header = [cell.strip() for cell in table[0]]
    width = len(header)
    rows = []
    for number, row in enumerate(table[1:], start=2):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise SheetError(f"the roster {path}, row {number}, has more cells than its header")
        rows.append((row + [""] * width)[:width])
    return Sheet(header, rows, delimiter, bom, newline or "\r\n", header_line)


def _first_record(text: str) -> tuple[str, str]:
    """The first record that holds something, exactly as written (a quoted cell may span lines), and its line end."""
    start, quoted, i = 0, False, 0
    while i <= len(text):
        if i == len(text) or (not quoted and text[i] in "\r\n"):
            end = i + 2 if text.startswith("\r\n", i) else i + 1
            record = text[start:i]
            if record.strip(" \t,;"):
                return record, text[i:end]
            start = i = end
            continue
        if text[i] == '"':
            quoted = not quoted
        i += 1
    return "", ""


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe.

    A number (``-1.5``) and a lone ``-`` (Canvas: "no change") are values, not formulas, and stay.
    """
    if not cell.startswith(FORMULA_STARTS) or cell == "-" or _is_number(cell):
        return cell
    return "'" + cell


def write(sheet: Sheet, path: Path) -> None:
    """``sheet`` in its own dialect, every text cell neutralised (numbers we format never start a formula).

    A ``header_line`` is written as it came: the LMS matches its columns by their exact header, and
    the header is the LMS's own text, not a student's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_atomically(path, newline="") as handle:  # never a half-written file for the instructor to upload
        if sheet.bom:
            handle.write(BOM)
        writer = csv.writer(handle, delimiter=sheet.delimiter, lineterminator=sheet.newline)
        if sheet.header_line:
            handle.write(sheet.header_line + sheet.newline)
        else:
            writer.writerow([neutralise(c) for c in sheet.header])
        for row in sheet.rows:
            writer.writerow([neutralise(c) for c in row])
