"""Gradescope "Export Submissions" zips.

``assignment_<id>_export/submission_metadata.yml`` and one folder
``submission_<submission id>/`` per submission holding the files as uploaded.
The metadata is YAML with Ruby-symbol keys, keyed by folder name::

    submission_123456:
      :submitters:
      - :name: Jane Doe
        :sid: '2024001'
        :email: jane@example.edu
      :created_at: 2024-01-15 10:00:00.000000000 -08:00

A group submission lists several submitters.  ``:sid:`` is the institution's
student id (may be empty); the folder's number is Gradescope's submission id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grader.intake.archive import ArchiveError, Entry
from grader.intake.found import Candidate, Found
from grader.results import Identity, Person

SYSTEM = "gradescope"
METADATA = "submission_metadata.yml"
_FOLDER = re.compile(r"^submission_(?P<id>\d+)$")
MAX_METADATA_BYTES = 8 * 1024 * 1024  # some 40,000 submissions


@dataclass(frozen=True)
class Parsed:
    key: str  # the submission id


def parse_folder(name: str) -> Parsed | None:
    match = _FOLDER.match(name)
    return Parsed(match["id"]) if match else None


def metadata_entry(entries: list[Entry]) -> Entry | None:
    """The export's ``submission_metadata.yml``: at the top, or in the one ``assignment_<id>_export/`` folder."""
    found = [e for e in entries if e.parts and e.parts[-1] == METADATA and len(e.parts) <= 2]
    return min(found, key=lambda e: len(e.parts)) if found else None


def _get(record: Any, key: str) -> Any:
    """``record[":key"]`` (Ruby's symbol keys) or ``record["key"]``; None when absent or not a mapping.

    Looked up, never converted as a whole: YAML aliases can make a small file a huge tree.
    """
    if not isinstance(record, dict):
        return None
    return record.get(f":{key}", record.get(key))


def read_metadata(entry: Entry, *, origin: str) -> dict[str, Any]:
    import yaml  # Gradescope writes YAML (with Ruby-symbol keys); only this reader needs it

    if entry.path is None:
        raise ArchiveError(f"{origin}: {entry.name} could not be extracted"
                           + (f" ({entry.problem.message})" if entry.problem else ""))
    try:
        if entry.path.stat().st_size > MAX_METADATA_BYTES:
            raise ArchiveError(f"{origin}: {entry.name} is larger than {MAX_METADATA_BYTES:,} bytes")
        data = yaml.safe_load(entry.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ArchiveError(f"{origin}: {entry.name} is not readable YAML ({str(exc)[:300]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ArchiveError(f"{origin}: {entry.name} is not the metadata Gradescope writes (a mapping of "
                           "submission_<id> folders)")
    return data


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())  # Ruby writes nanoseconds; Python reads micro
        text = re.sub(r"\s+([+-]\d\d:?\d\d|Z)$", r"\1", text)
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def _iso(value: Any) -> str:
    when = _when(value)
    return when.isoformat() if when else (value if isinstance(value, str) else "")


def _late(created: Any, due: Any) -> bool:
    created_at, due_at = _when(created), _when(due)
    if created_at is None or due_at is None or (created_at.tzinfo is None) != (due_at.tzinfo is None):
        return False
    return created_at > due_at


def group(entries: list[Entry], *, origin: str, sep: str = ":") -> tuple[list[Found], list[Entry]]:
    """Gradescope's submissions in ``entries``, and the entries outside its ``submission_<id>/`` folders."""
    meta_entry = metadata_entry(entries)
    if meta_entry is None:
        raise ArchiveError(f"{origin}: no {METADATA}; not a Gradescope export")
    root = meta_entry.parts[:-1]
    metadata = read_metadata(meta_entry, origin=origin)
    folders: dict[str, list[Entry]] = {}
    rest = []
    for entry in entries:
        if entry is meta_entry:
            continue
        inner = entry.parts[len(root):] if entry.parts[:len(root)] == root else None
        parsed = parse_folder(inner[0]) if inner and len(inner) > 1 else None
        if parsed is None:
            rest.append(entry)
        else:
            folders.setdefault(inner[0], []).append(entry)
    found = []
    for folder, items in folders.items():
        record = _get(metadata, folder)
        submitters = _get(record, "submitters")
        people = tuple(Person(id=_text(_get(s, "sid")), name=_text(_get(s, "name")), email=_text(_get(s, "email")))
                       for s in (submitters if isinstance(submitters, list) else []) if isinstance(s, dict))
        due = _get(record, "due_date") or _get(_get(record, "assignment"), "due_date")
        created = _get(record, "created_at")
        identity = Identity(system=SYSTEM, students=people, late=_late(created, due),
                            submission_id=parse_folder(folder).key, submitted_at=_iso(created),
                            entry="/".join((*root, folder)))
        files = tuple(Candidate(e.path, "/".join(e.parts[len(root) + 1:]), e.name) for e in items)
        problems = tuple(e.problem for e in items if e.problem is not None)
        found.append(Found(parse_folder(folder).key, f"{origin}{sep}{identity.entry}", identity, files, problems))
    return found, rest
