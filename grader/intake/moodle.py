"""Moodle "Download all submissions" zips.

Moodle (mod/assign/classes/downloader.php) prefixes each student's files with
``clean_filename(<full name, "_" made " "> + "_" + <participant id>)``, the
participant id being the assignment's own mapping, not the Moodle user id;
under blind marking the name is "Participant".  Then ``_assignsubmission_<plugin>``
and either a folder (the default, "download as folders")
``<prefix>_assignsubmission_file/<path>`` or, flat,
``<prefix>_assignsubmission_file_<file name>``.  Older versions wrote the folder
with a trailing ``_``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.intake.archive import Entry, by_student
from grader.intake.found import Candidate, Found
from grader.results import Identity, Person

SYSTEM = "moodle"
_FOLDER = re.compile(r"^(?P<name>.*)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
_FLAT = re.compile(r"^(?P<name>.*)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
_BLIND = "Participant"


@dataclass(frozen=True)
class Parsed:
    key: str  # the participant id
    name: str
    plugin: str  # "file", "onlinetext", ...
    file: str  # flat mode: the student's file name; "" for a folder


def parse_top(name: str, *, folder: bool = True) -> Parsed | None:
    """The student an entry's first path component names, or None if not Moodle's."""
    match = _FOLDER.match(name) if folder else None
    if match:
        return Parsed(match["id"], match["name"], match["plugin"], "")
    match = _FLAT.match(name)
    if match:
        return Parsed(match["id"], match["name"], match["plugin"], match["file"])
    return None


def group(entries: list[Entry], *, origin: str, sep: str = ":") -> tuple[list[Found], list[Entry]]:
    """Moodle's submissions in ``entries``, and the entries that are not named as Moodle names them."""
    students, rest = by_student(entries, lambda entry: parse_top(entry.parts[0], folder=len(entry.parts) > 1))
    found = []
    for key, items in students.items():
        first, first_entry = items[0]
        files, problems = [], []
        for parsed, entry in items:
            if entry.problem is not None:
                problems.append(entry.problem)
            if parsed.plugin != "file":
                continue  # online text and the like: not code
            name = "/".join(((parsed.file,) if parsed.file else ()) + entry.parts[1:])
            files.append(Candidate(entry.path, name, entry.name))
        blind = first.name == _BLIND
        person = Person(id=key, name="" if blind else first.name)
        identity = Identity(system=SYSTEM, students=(person,), entry=first_entry.parts[0], anonymous=blind)
        found.append(Found(key, f"{origin}{sep}{first_entry.parts[0]}", identity, tuple(files), tuple(problems)))
    return found, rest
