"""Canvas "Download Submissions" zips.

Canvas (lib/content_zipper.rb) names each uploaded file
``<sortable name>_[LATE_]<user id>_<attachment id>_<file name>``: the sortable
name lower-cased with every non-word character removed, ``anon_<anonymous id>``
instead of name and user id under anonymous grading (``LATE_anon_<id>`` when
late).  Text and URL entries are ``<base>_text.html`` and ``<base>_link.html``.
The second number is the attachment (file) id.  A file a student uploaded
again under the same name carries Canvas's ``-1``, ``-2`` suffix
(``Attachment.make_unique_filename``); the latest upload (the highest
attachment id) is graded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.intake.archive import Entry, by_student
from grader.intake.found import Candidate, Found
from grader.results import Identity, Person
from grader.submission import CODE_SUFFIXES, Problem

SYSTEM = "canvas"
_ANON = r"(?P<late_anon>LATE_)?anon_(?P<anon>[A-Za-z0-9]+)"
_NAMED = r"(?P<name>\w*?)_(?P<late>LATE_)?(?P<user>\d+)"
_UPLOAD = re.compile(rf"^(?:{_ANON}|{_NAMED})_(?P<attachment>\d+)_(?P<file>.+)$")
_INLINE = re.compile(rf"^(?:{_ANON}|{_NAMED})_(?P<kind>text|link)\.html$")
_REUPLOAD = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)$")


@dataclass(frozen=True)
class Parsed:
    key: str  # the user id, or the anonymous id
    name: str
    late: bool
    anonymous: bool
    attachment: str  # "" for a text or URL entry
    file: str  # the student's file name, "" for a text or URL entry


def parse_top(name: str) -> Parsed | None:
    """The student and file an entry's name (its first path component) says, or None if not Canvas's."""
    for pattern in (_UPLOAD, _INLINE):  # an upload named text.html is an upload
        match = pattern.match(name)
        if match:
            groups = match.groupdict()
            anonymous = groups["anon"] is not None
            return Parsed(key=groups["anon"] if anonymous else groups["user"], name=groups["name"] or "",
                          late=bool(groups["late"] or groups["late_anon"]), anonymous=anonymous,
                          attachment=groups.get("attachment") or "", file=groups.get("file") or "")
    return None


def group(entries: list[Entry], *, origin: str, sep: str = ":") -> tuple[list[Found], list[Entry]]:
    """Canvas's submissions in ``entries``, and the entries that are not named as Canvas names them."""
    students, rest = by_student(entries, lambda entry: parse_top(entry.parts[0]))
    found = []
    for key, items in students.items():
        first = items[0][0]
        files, problems = [], []
        for parsed, entry in items:
            if entry.problem is not None:
                problems.append(entry.problem)
            if not parsed.file:  # a text or URL entry: listed (it is what the student handed in), not code
                files.append(Candidate(None, entry.name.rsplit("_", 1)[-1], entry.name))
                continue
            inner = entry.parts[1:]
            name = "/".join((parsed.file, *inner))
            stem = PurePosixPath(name).stem
            if not inner:
                reupload = _REUPLOAD.match(stem)
                stem = reupload.group("stem") if reupload else stem
            files.append(Candidate(entry.path, name, entry.name, stem, parsed.attachment))
        files, notes = latest_uploads(files)
        person = Person(id="" if first.anonymous else key, name=first.name)
        identity = Identity(system=SYSTEM, students=(person,), late=any(p.late for p, _ in items),
                            entry=items[0][1].parts[0], anonymous=first.anonymous)
        found.append(Found(key, f"{origin}{sep}{items[0][1].parts[0]}", identity, tuple(files), tuple(problems),
                           tuple(notes)))
    return found, rest


def latest_uploads(files: list[Candidate]) -> tuple[list[Candidate], list[Problem]]:
    """Of the code files uploaded under one name (``conv_layer.py``, ``conv_layer-1.py``), the latest only."""
    by_name: dict[tuple[str, str], list[Candidate]] = {}
    for file in files:
        suffix = PurePosixPath(file.name).suffix.lower()
        if "/" in file.name or suffix not in CODE_SUFFIXES:
            continue
        by_name.setdefault((file.match_stem, suffix), []).append(file)
    dropped, notes = set(), []
    for attempts in by_name.values():
        if len(attempts) < 2:
            continue
        attempts.sort(key=lambda f: int(f.submission_id or 0))
        latest, earlier = attempts[-1], attempts[:-1]
        dropped.update(id(f) for f in earlier)
        names = ", ".join(f.name for f in earlier)
        notes.append(Problem.keyed("latest_attempt", "note.latest_attempt", file=latest.name,
                                   attachment=latest.submission_id, earlier=names))
    return [f for f in files if id(f) not in dropped], notes
