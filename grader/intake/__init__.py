"""Intake: the paths given to ``grader grade`` turned into the submissions to grade, each with who handed it in.

Files and folders as before, and the archives LMSs hand instructors, detected
from their names: Canvas "Download Submissions", Moodle "Download all
submissions" (folders or flat), Gradescope "Export Submissions" (with its
``submission_metadata.yml``), or a plain zip.  Archives are extracted into a
private work folder (``archive``) that ``opened`` removes when grading ends.
Each LMS's naming rules live in its own module; ``choose`` picks the file to
grade in a submission that holds several.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from grader.errors import UsageProblem
from grader.intake import canvas, gradescope, moodle, plain
from grader.intake.archive import ArchiveError, Entry, Limits, extract, is_zip, listing
from grader.intake.choose import Choice, choose
from grader.intake.found import Candidate, Found
from grader.intake.naming import assign_ids, distinct_keys, natural_id, safe_key
from grader.results import Identity
from grader.submission import CODE_SUFFIXES, Problem

__all__ = ["LMS", "Candidate", "Choice", "Chosen", "Found", "Limits", "assign_ids", "candidates", "choose",
           "chosen", "detect", "distinct_keys", "natural_id", "opened", "safe_key"]

LMS = ("canvas", "moodle", "gradescope", "plain")
_GROUPERS = {"canvas": canvas.group, "moodle": moodle.group, "gradescope": gradescope.group}


@contextmanager
def opened(paths: list[Path], *, lms: str | None = None, limits: Limits = Limits()) -> Iterator[list[Found]]:
    """The submissions in ``paths``; archives stay extracted (in a private folder) until the block ends.

    ``lms`` forces how archives and folders are read instead of detecting it.  An archive that cannot be
    read as a whole raises ``UsageProblem`` naming it; a bad entry becomes its submission's problem.
    """
    if lms is not None and lms not in LMS:
        raise UsageProblem(f"unknown LMS {lms!r} (known: {', '.join(LMS)})")
    work: Path | None = None
    try:
        found: list[Found] = []
        for path in paths:
            if path.is_file() and (path.suffix.lower() == ".zip" or
                                   (path.suffix.lower() not in CODE_SUFFIXES and is_zip(path))):
                if work is None:
                    work = Path(tempfile.mkdtemp(prefix="grader-intake-"))  # mode 0700: ours alone
                try:
                    extracted = extract(path, Path(tempfile.mkdtemp(dir=work)) / "x", limits=limits)
                    found += _read(extracted.entries, origin=str(path), name=path.stem, lms=lms, archive=True)
                except ArchiveError as exc:
                    raise UsageProblem(str(exc)) from None
            elif path.is_dir():
                try:
                    found += _read(listing(path), origin=str(path), name=path.name, lms=lms, archive=False)
                except ArchiveError as exc:
                    raise UsageProblem(str(exc)) from None
            else:
                found.append(Found(natural_id(path), str(path), Identity(system="files", entry=str(path)),
                                   (Candidate(path, path.name, str(path)),)))
        yield found
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


@dataclass(frozen=True)
class Chosen:
    """A submission ready to grade: the file chosen (None when none could be), its distinct key, what was found."""

    path: Path | None
    key: str  # distinct among the batch: its folder under --out
    source: str
    identity: Identity
    problems: tuple[Problem, ...]  # notes first (the file chosen, the latest upload), then what went wrong


def chosen(found: list[Found], *, expected_stem: str, names: list[str]) -> list[Chosen]:
    """Each submission's file (see ``choose``) and a distinct key for each."""
    keys = distinct_keys([f.key for f in found], [PurePosixPath(f.source).suffix for f in found])
    out = []
    for item, key in zip(found, keys):
        choice = choose(item.files, expected_stem=expected_stem, names=names)
        identity, problem = item.identity, choice.problem
        if choice.file is not None:  # the file graded: Canvas's attachment id is the file's
            identity = replace(identity, entry=choice.file.entry or identity.entry,
                               submission_id=choice.file.submission_id or identity.submission_id)
        if problem is not None and item.problems and not any(f.is_code for f in item.files):
            problem = None  # the entries that could not be extracted say why there is no code
        problems = item.notes + tuple(p for p in (choice.note,) if p) + item.problems + ((problem,) if problem
                                                                                         else ())
        out.append(Chosen(choice.file.path if choice.file else None, key, item.source, identity, problems))
    return out


def detect(entries: list[Entry]) -> str:
    """Which LMS named ``entries``: "gradescope", "moodle", "canvas", or "plain" when none did."""
    if gradescope.metadata_entry(entries) is not None:
        return "gradescope"
    tops = {e.parts[0] for e in entries if e.parts and not e.parts[0].startswith(".")}
    if not tops:
        return "plain"
    in_moodle = sum(1 for t in tops if moodle.parse_top(t) is not None)
    in_canvas = sum(1 for t in tops if canvas.parse_top(t) is not None)
    if in_moodle and 2 * in_moodle >= len(tops):
        return "moodle"
    if in_canvas and 2 * in_canvas >= len(tops):
        return "canvas"
    return "plain"


def candidates(folder: Path) -> list[Candidate]:
    """A folder's files, for ``choose``."""
    return [Candidate(e.path, e.name, str(e.path)) for e in listing(folder)
            if not any(p.startswith((".", "__")) for p in e.parts)]


def _read(entries: list[Entry], *, origin: str, name: str, lms: str | None, archive: bool) -> list[Found]:
    if archive and not entries:
        raise ArchiveError(f"{origin}: the archive is empty")
    system = lms or detect(entries)
    plain_system = "plain" if archive else "files"
    sep = ":" if archive else "/"
    wrapper = _wrapper(entries)
    if wrapper and system == "plain" and lms is None and detect(_inside(entries)) != "plain":
        # a download unzipped into a folder and zipped again: read it as its LMS named it
        entries, origin, sep = _inside(entries), f"{origin}{sep}{wrapper}", "/"
        system = detect(entries)
    if system not in _GROUPERS:
        found = plain.group(entries, system=plain_system, origin=origin, name=name, sep=sep)
        if not archive:  # as before: names a student or an LMS gave keep their id
            found = [replace(f, key=natural_id(Path(f.source))) for f in found]
    else:
        found, rest = _GROUPERS[system](entries, origin=origin, sep=sep)
        note = Problem.keyed("unrecognised_name", "note.unrecognised_name", lms=system.capitalize())
        found += [replace(f, notes=f.notes + (note,))
                  for f in plain.group(rest, system=plain_system, origin=origin, name=name, sep=sep, whole=False)]
    if archive and not any(c.is_code for f in found for c in f.files) and not any(f.problems for f in found):
        raise ArchiveError(f"{origin}: the archive holds no .py or .ipynb file (no code at all)")
    return found


def _wrapper(entries: list[Entry]) -> str:
    """The one folder everything in ``entries`` is in, or ""."""
    tops = {e.parts[0] for e in entries if e.parts}
    return tops.pop() if len(tops) == 1 and all(len(e.parts) > 1 for e in entries) else ""


def _inside(entries: list[Entry]) -> list[Entry]:
    """``entries`` without their one wrapping folder."""
    return [Entry("/".join(e.parts[1:]), e.path, e.problem) for e in entries]
