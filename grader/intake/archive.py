"""Safe extraction of a zip archive into a private work folder.

An archive from an LMS is hostile input: an entry may name a path outside
the folder (``../``, ``/etc``), be a symlink, expand a few kilobytes into
gigabytes, be encrypted, corrupt or named in a legacy encoding.  Extraction
writes only regular files, only under the folder, only the files grading
needs (code, nested zips, the LMS's metadata), and counts the bytes it
actually inflates (the sizes a zip declares are not trusted).  A problem
with one entry becomes that entry's ``Problem``; a problem with the whole
archive raises ``ArchiveError``.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from grader.submission import CODE_SUFFIXES, Problem, link_problem, not_regular_problem

# What is written to disk; everything else is listed (so a student who handed in only a PDF is still
# seen) but never extracted.
EXTRACTED_SUFFIXES = CODE_SUFFIXES + (".zip", ".yml", ".yaml")
# Operating-system litter that is neither a submission nor worth a word.
JUNK_PARTS = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")
_UTF8_FLAG = 0x800  # general purpose bit 11: the entry's name is UTF-8
_ENCRYPTED_FLAG = 0x1
_CHUNK = 64 * 1024


class ArchiveError(Exception):
    """The archive as a whole cannot be read safely (not a zip, truncated, too large when inflated)."""


@dataclass(frozen=True)
class Limits:
    """Caps on what an archive may inflate to: a zip bomb stops at the first that is crossed."""

    entry_bytes: int = 32 * 1024 * 1024  # one entry (a code file is refused above 2 MiB later anyway)
    total_bytes: int = 1024 * 1024 * 1024  # everything extracted from one archive, nested ones included
    ratio: int = 200  # inflated/compressed, checked once an entry passes ``ratio_floor``
    ratio_floor: int = 1024 * 1024
    entries: int = 50_000


@dataclass(frozen=True)
class Entry:
    """One file listed in an archive (or a folder): its name there, where it was written, what went wrong."""

    name: str  # relative, "/"-separated; as listed when the name itself is the problem
    path: Path | None  # None when not extracted (not needed for grading, or a problem)
    problem: Problem | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p in self.name.split("/") if p)


@dataclass
class _Budget:
    limits: Limits
    used: int = 0
    archive: str = ""


@dataclass
class Extracted:
    root: Path
    entries: list[Entry] = field(default_factory=list)


def is_zip(path: Path) -> bool:
    """A zip by its first bytes, whatever its name says."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")  # a local header, or an empty archive
    except OSError:
        return False


def is_junk(name: str) -> bool:
    return any(part in JUNK_PARTS or part.startswith("._") for part in name.split("/"))


def extract(archive: Path, into: Path, *, limits: Limits = Limits()) -> Extracted:
    """Extract ``archive`` into the empty folder ``into``; nested zips are opened once, not deeper."""
    into.mkdir(mode=0o700, parents=True, exist_ok=True)
    budget = _Budget(limits, archive=archive.name)
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = _extract_all(zf, into, budget, depth=0)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise ArchiveError(f"{archive}: not a readable zip archive, or truncated or corrupt ({exc})") from None
    except UnicodeDecodeError:
        raise ArchiveError(f"{archive}: an entry's name is marked UTF-8 but is not valid UTF-8") from None
    except OSError as exc:
        raise ArchiveError(f"{archive}: cannot be read ({exc.strerror or exc})") from None
    return Extracted(into, entries)


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author wrote it.

    Without the UTF-8 flag, the zip format says cp437, which is how Python decodes it; but many tools
    write UTF-8 without setting the flag (and Windows writes the local code page).  UTF-8 bytes are
    taken as UTF-8; anything else stays cp437, a readable if odd name, never an error.
    """
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def safe_parts(name: str) -> tuple[str, ...] | None:
    """The path components of an entry name, or None when it would leave the folder it is extracted into."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):  # absolute, or a Windows drive
        return None
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." or len(p.encode("utf-8", "replace")) > 255 for p in parts):
        return None
    return tuple(parts)


def _problem(kind: str, key: str, **args: object) -> Problem:
    return Problem.keyed(kind, f"problem.{key}", **{k: str(v) for k, v in args.items()})


def _extract_all(zf: zipfile.ZipFile, into: Path, budget: _Budget, depth: int, prefix: str = "") -> list[Entry]:
    infos = zf.infolist()
    if len(infos) > budget.limits.entries:
        raise ArchiveError(f"{budget.archive}: {len(infos):,} entries, more than the {budget.limits.entries:,} "
                           "an archive of submissions may hold")
    entries: list[Entry] = []
    for info in infos:
        raw = entry_name(info)
        if info.is_dir() or is_junk(raw.replace("\\", "/")):
            continue
        listed = prefix + raw
        parts = safe_parts(raw)
        if parts is None or not parts:
            entries.append(Entry(listed, None, _problem("unsafe_entry", "unsafe_entry", entry=raw)))
            continue
        name = prefix + "/".join(parts)
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            entries.append(Entry(name, None, _problem("unsafe_entry", "special_entry", entry=raw, what=what)))
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            entries.append(Entry(name, None, _problem("encrypted", "encrypted_entry", entry=raw)))
            continue
        suffix = PurePosixPath(parts[-1]).suffix.lower()
        if suffix not in EXTRACTED_SUFFIXES:
            entries.append(Entry(name, None))
            continue
        dest = into.joinpath(*parts)
        entries.extend(_extract_one(zf, info, raw, name, dest, into, budget, depth))
    return entries


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw: str, name: str, dest: Path, into: Path,
                 budget: _Budget, depth: int) -> list[Entry]:
    # Belt and braces: safe_parts already refused it.  A string check suffices: nothing in the folder is a link.
    if not os.path.normpath(dest).startswith(os.path.normpath(into) + os.sep):
        return [Entry(name, None, _problem("unsafe_entry", "unsafe_entry", entry=raw))]
    if dest.exists():
        return [Entry(name, None, _problem("duplicate_entry", "duplicate_entry", entry=raw))]
    nested = dest.suffix.lower() == ".zip"
    target = dest.with_name(dest.name + ".part") if nested else dest
    problem = _copy(zf, info, raw, target, budget)
    if problem is not None:
        return [Entry(name, None, problem)]
    if not nested:
        return [Entry(name, dest)]
    try:
        if depth >= 1:
            return [Entry(name, None, _problem("nested_archive", "nested_archive", entry=raw))]
        dest.mkdir(mode=0o700)
        try:
            with zipfile.ZipFile(target) as inner:
                return _extract_all(inner, dest, budget, depth + 1, prefix=name + "/")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError,
                UnicodeDecodeError) as exc:
            return [Entry(name, None, _problem("corrupt_entry", "corrupt_archive_entry", entry=raw, error=exc))]
    finally:
        target.unlink(missing_ok=True)


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw: str, target: Path, budget: _Budget) -> Problem | None:
    """Inflate one entry into ``target``, counting what it really inflates to; None when it worked."""
    limits = budget.limits
    written = 0
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with zf.open(info) as source, target.open("xb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                budget.used += len(chunk)
                if budget.used > limits.total_bytes:
                    raise ArchiveError(f"{budget.archive}: inflates to more than {limits.total_bytes:,} bytes; "
                                       "a zip bomb, or not an archive of submissions")
                if written > limits.entry_bytes:
                    target.unlink(missing_ok=True)
                    return _problem("too_large", "entry_too_large", entry=raw, limit=f"{limits.entry_bytes:,}")
                if written > limits.ratio_floor and written > limits.ratio * max(info.compress_size, 1):
                    target.unlink(missing_ok=True)
                    return _problem("too_large", "entry_bomb", entry=raw, ratio=limits.ratio)
                out.write(chunk)
    except ArchiveError:
        target.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        target.unlink(missing_ok=True)
        return _problem("corrupt_entry", "corrupt_entry", entry=raw, error=exc)
    except OSError as exc:
        target.unlink(missing_ok=True)
        return _problem("corrupt_entry", "unextractable_entry", entry=raw, error=exc.strerror or exc)
    return None


def listing(folder: Path) -> list[Entry]:
    """The files under ``folder`` as entries, as if it were an extracted archive (nothing is copied)."""
    entries = []
    for path in sorted(folder.rglob("*")):  # rglob does not descend into linked folders
        name = path.relative_to(folder).as_posix()
        if is_junk(name):
            continue
        if path.is_symlink():  # a student's link to the instructor's files is not their code
            entries.append(Entry(name, None, link_problem(name)))
        elif path.is_file():
            entries.append(Entry(name, path))
        elif not path.is_dir():  # a FIFO or a device: never opened (a FIFO would block the grader)
            entries.append(Entry(name, None, not_regular_problem(name)))
    return entries


def by_student(entries: list[Entry], parse: Callable[[Entry], Any]
               ) -> tuple[dict[str, list[tuple[Any, Entry]]], list[Entry]]:
    """``entries`` grouped by the student key ``parse`` reads off each entry's name (None: not so named).

    Returns the groups, in the order first seen, with what ``parse`` found of each entry, and the entries
    that are not named that way.
    """
    students: dict[str, list[tuple[Any, Entry]]] = {}
    rest = []
    for entry in entries:
        parsed = parse(entry) if entry.parts else None
        if parsed is None:
            rest.append(entry)
        else:
            students.setdefault(parsed.key, []).append((parsed, entry))
    return students, rest
