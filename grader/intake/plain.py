"""Submissions that no LMS named: files and folders as given, or a plain zip of them.

A folder holding one code file (and no folders with code) is one student's
submission; otherwise each code file and each folder in it is one.  A plain
zip is read the same way, after its single wrapping folder, if any.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from grader.intake.archive import Entry
from grader.intake.found import Candidate, Found
from grader.results import Identity
from grader.submission import CODE_SUFFIXES


def _hidden(entry: Entry) -> bool:
    return any(part.startswith((".", "__")) for part in entry.parts)


def _is_code(parts: tuple[str, ...]) -> bool:
    return PurePosixPath(parts[-1]).suffix.lower() in CODE_SUFFIXES


def group(entries: list[Entry], *, system: str, origin: str, name: str, sep: str = ":",
          whole: bool = True) -> list[Found]:
    """The submissions in ``entries`` (all of one folder or archive, ``origin``, called ``name``).

    ``sep`` joins ``origin`` and an entry's name into a source: ":" for an archive, "/" for a folder.
    ``whole=False`` when ``entries`` are what an LMS's naming left over: never one submission together.
    """
    entries = [e for e in entries if e.parts and (e.problem is not None or not _hidden(e))]
    prefix: tuple[str, ...] = ()
    while whole and entries and all(len(e.parts) > len(prefix) + 1 and e.parts[len(prefix)] ==
                                     entries[0].parts[len(prefix)] for e in entries):
        prefix = entries[0].parts[:len(prefix) + 1]  # one folder around everything: look inside
    if prefix:
        name = prefix[-1]
    depth = len(prefix)

    def found(items: list[Entry], key: str, entry: str, inner: int) -> Found:
        source = f"{origin}{sep}{entry}" if entry else origin
        files = tuple(Candidate(e.path, "/".join(e.parts[inner:]) or e.parts[-1], e.name)
                      for e in items if e.problem is None)
        problems = tuple(e.problem for e in items if e.problem is not None)
        return Found(key, source, Identity(system=system, entry=entry), files, problems)

    top_code = [e for e in entries if len(e.parts) == depth + 1 and _is_code(e.parts) and e.problem is None]
    folders: dict[str, list[Entry]] = {}
    loose = []
    for entry in entries:
        if len(entry.parts) > depth + 1:
            folders.setdefault(entry.parts[depth], []).append(entry)
        elif entry.problem is not None:
            loose.append(entry)
    coded = {k for k, v in folders.items() if any(_is_code(e.parts) for e in v)}
    if whole and len(top_code) == 1 and not coded:
        return [found(entries, name, "/".join(prefix), depth)]  # one student's folder
    out = [found([e], PurePosixPath(e.parts[-1]).stem, e.name, depth) for e in top_code]
    for folder, items in folders.items():
        if folder in coded or any(e.problem is not None for e in items):
            key = folder[:-4] if folder.lower().endswith(".zip") else folder
            out.append(found(items, key, "/".join((*prefix, folder)), depth + 1))
    for entry in loose:  # an entry that is only a problem (a symlink, an unsafe name) is reported on its own
        key = "unsafe_entry" if entry.problem.kind == "unsafe_entry" else PurePosixPath(entry.parts[-1]).stem
        out.append(found([entry], key, entry.name, depth))
    return out
