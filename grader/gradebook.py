"""The gradebook: every graded submission of a course, in one SQLite file, the only state of a batch.

One row per attempt (a submission key graded again is a new attempt): the full result as the plain
data of ``results.to_plain`` (what ``result.json`` holds), the sha256 of the bytes graded, the
assignment's fingerprint and the versions that produced it.  Each result is one transaction in WAL
mode, so a grader killed at any moment leaves every committed result and nothing half-written.
Reports and CSV are rendered from what is read back here, never from memory.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import killpoints
from grader.results import ResultFormatError, SubmissionResult, Visibility, from_plain, to_plain

SCHEMA_VERSION = 1  # PRAGMA user_version; 0 is a new, empty file
LOCK_TIMEOUT_S = 10.0

# Each step takes a gradebook from version i to i + 1, inside one transaction.
MIGRATIONS: dict[int, str] = {
    0: """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,              -- the submission's folder under --out
        attempt INTEGER NOT NULL,       -- 1, 2, ... for the same key
        assignment TEXT NOT NULL,
        sha256 TEXT NOT NULL,           -- of the exact bytes graded
        fingerprint TEXT NOT NULL,      -- Assignment.fingerprint()
        versions TEXT NOT NULL,         -- JSON: grader, torch, hypothesis
        visibilities TEXT NOT NULL,     -- JSON list: the checks run
        score REAL NOT NULL,
        max_score REAL NOT NULL,
        duration_s REAL NOT NULL,
        graded_at TEXT NOT NULL,        -- ISO-8601 UTC
        result TEXT NOT NULL,           -- JSON: results.to_plain
        UNIQUE (key, attempt)
    );
    CREATE TABLE students (             -- who handed each key in, as the LMS said (several for a group)
        key TEXT NOT NULL,
        student_id TEXT NOT NULL,
        PRIMARY KEY (key, student_id)
    );
    CREATE INDEX students_by_id ON students (student_id);
    CREATE TABLE late_penalties (
        key TEXT PRIMARY KEY,
        percent REAL NOT NULL,
        reason TEXT NOT NULL,
        set_at TEXT NOT NULL
    );
    """,
}


class GradebookError(Exception):
    """The gradebook cannot be used as asked (locked, corrupt, newer, another assignment, disk full)."""


@dataclass(frozen=True)
class Record:
    """One attempt at one submission, as stored."""

    key: str
    attempt: int
    result: SubmissionResult
    sha256: str
    fingerprint: str
    versions: dict[str, str]
    visibilities: tuple[str, ...]
    graded_at: str
    duration_s: float
    late_penalty_percent: float | None = None
    late_penalty_reason: str = ""


@dataclass(frozen=True)
class Stamp:
    """What decides whether a submission needs grading again: the latest attempt without its result."""

    sha256: str
    fingerprint: str
    versions: dict[str, str]
    visibilities: tuple[str, ...]


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(data: Any) -> str:
    # Compact and exact: json round-trips floats by repr, so a result read back renders the same bytes.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=False)


def _visibility_names(visibilities: Iterable[Visibility | str]) -> list[str]:
    return [v.value if isinstance(v, Visibility) else str(v) for v in visibilities]


def explain(exc: sqlite3.Error, path: Path) -> GradebookError:
    """A sentence for what SQLite said, naming the file and what to do."""
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    if name in ("SQLITE_FULL",) or "disk is full" in text or "disk full" in text:
        return GradebookError(f"the disk holding the gradebook {path} is full: every result recorded before "
                              "is kept; free some space and run the same command again to resume")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return GradebookError(f"the gradebook {path} is locked by another process (another `grader grade` "
                              "writing to it?): wait for it to finish, or use another --gradebook")
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError) or \
            name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text or "not a database" in text:
        return GradebookError(f"the gradebook {path} is corrupt or not a gradebook ({text}): move it aside "
                              "and grade again, or restore it from a copy")
    return GradebookError(f"the gradebook {path} cannot be used: {text}")


class Gradebook:
    """A course's gradebook file; open with ``Gradebook.open`` and use as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db, self.path = connection, path

    # ----------------------------------------------------------- opening

    @classmethod
    def open(cls, path: Path, *, create: bool = True, assignment: str | None = None,
             timeout: float = LOCK_TIMEOUT_S) -> "Gradebook":
        """Open (or create) the gradebook at ``path``, migrated to this grader's schema.

        With ``assignment``, a gradebook of another assignment is refused, and an empty one is
        claimed for it.
        """
        path = Path(path)
        if not create and not path.is_file():
            raise GradebookError(f"there is no gradebook at {path}")
        if path.is_dir():
            raise GradebookError(f"{path} is a folder, not a gradebook file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)  # transactions are ours
        except (OSError, sqlite3.Error) as exc:
            raise GradebookError(f"cannot open the gradebook {path}: {exc}") from None
        book = cls(db, path)
        try:
            book._prepare(assignment)
        except sqlite3.Error as exc:
            db.close()
            raise explain(exc, path) from None
        except BaseException:
            db.close()
            raise
        return book

    def _prepare(self, assignment: str | None) -> None:
        db = self._db
        version = db.execute("PRAGMA user_version").fetchone()[0]  # reads the header: a non-database fails here
        if version > SCHEMA_VERSION:
            raise GradebookError(f"the gradebook {self.path} was written by a newer grader (schema {version}; this "
                                 f"grader reads up to {SCHEMA_VERSION}): upgrade grader, or use another --gradebook")
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
            raise GradebookError(f"the gradebook {self.path} cannot use write-ahead logging (a network file system?)")
        db.execute("PRAGMA synchronous=FULL")  # a committed result survives a power cut too
        db.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION or assignment is not None:
            with self._transaction():
                version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated it
                while version < SCHEMA_VERSION:
                    for statement in MIGRATIONS[version].split(";"):  # (executescript would commit midway)
                        if statement.strip():
                            db.execute(statement)
                    version += 1
                    db.execute(f"PRAGMA user_version={version}")
                if assignment is not None:
                    self._claim(assignment)

    def _claim(self, assignment: str) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE name='assignment'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta (name, value) VALUES ('assignment', ?)", (assignment,))
        elif row[0] != assignment:
            raise GradebookError(f"the gradebook {self.path} holds the results of assignment {row[0]!r}, not "
                                 f"{assignment!r}: grade into another --out folder or pass another --gradebook")

    def _transaction(self):
        return _Transaction(self._db)

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def assignment(self) -> str | None:
        row = self._read("SELECT value FROM meta WHERE name='assignment'").fetchone()
        return row[0] if row else None

    # ----------------------------------------------------------- writing

    def record(self, result: SubmissionResult, *, sha256: str, fingerprint: str, versions: dict,
               visibilities: Iterable[Visibility | str], duration_s: float) -> Record:
        """Store ``result`` as the next attempt of its submission key, in one transaction."""
        plain = to_plain(result)
        text = _dumps(plain)
        graded_at = now_utc()
        names = _visibility_names(visibilities)
        try:
            with self._transaction():
                claimed = self._db.execute("SELECT value FROM meta WHERE name='assignment'").fetchone()
                if claimed is not None and claimed[0] != result.assignment:
                    raise GradebookError(f"the gradebook {self.path} holds the results of assignment {claimed[0]!r}, "
                                         f"not {result.assignment!r}")
                attempt = self._db.execute("SELECT COALESCE(MAX(attempt), 0) + 1 FROM attempts WHERE key=?",
                                           (result.submission,)).fetchone()[0]
                self._db.execute(
                    "INSERT INTO attempts (key, attempt, assignment, sha256, fingerprint, versions, "
                    "visibilities, score, max_score, duration_s, graded_at, result) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (result.submission, attempt, result.assignment, sha256, fingerprint,
                     _dumps(versions), _dumps(names), result.score, result.max_score, duration_s, graded_at, text))
                self._db.executemany("INSERT OR IGNORE INTO students (key, student_id) VALUES (?, ?)",
                                     [(result.submission, p.id) for p in result.identity.students if p.id])
                killpoints.reached("recording")  # a kill here: inside the transaction, before its commit
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        return Record(result.submission, attempt, result, sha256, fingerprint, dict(versions), tuple(names),
                      graded_at, duration_s)

    def set_late_penalty(self, key: str, *, percent: float, reason: str) -> None:
        """Record that ``key``'s grade loses ``percent`` % for lateness (applied by the exports)."""
        if not 0 <= percent <= 100:
            raise GradebookError(f"a late penalty is a percentage from 0 to 100, not {percent}")
        try:
            with self._transaction():
                self._db.execute("INSERT INTO late_penalties (key, percent, reason, set_at) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET percent=excluded.percent, reason=excluded.reason, "
                                 "set_at=excluded.set_at", (key, float(percent), reason, now_utc()))
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    # ----------------------------------------------------------- reading

    _COLUMNS = ("a.key, a.attempt, a.result, a.sha256, a.fingerprint, a.versions, a.visibilities, a.graded_at, "
                "a.duration_s, p.percent, p.reason")

    def _read(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    def _records(self, cursor: sqlite3.Cursor) -> Iterator[Record]:
        try:
            for row in cursor:
                yield self._record(row)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    def _record(self, row: tuple) -> Record:
        key, attempt, text, sha256, fingerprint, versions, visibilities, graded_at, duration_s, percent, reason = row
        try:
            result = from_plain(json.loads(text))
            return Record(key, attempt, result, sha256, fingerprint, json.loads(versions),
                          tuple(json.loads(visibilities)), graded_at, duration_s, percent, reason or "")
        except (ValueError, ResultFormatError) as exc:
            raise GradebookError(f"the gradebook {self.path} holds a result it cannot read ({key!r}, attempt "
                                 f"{attempt}): {exc}") from None

    def iter_latest(self, assignment: str | None = None) -> Iterator[Record]:
        """``latest``, one record at a time: what reports over a whole class read (memory stays flat)."""
        where, args = ("WHERE a.assignment = ?", (assignment,)) if assignment is not None else ("", ())
        return self._records(self._read(
            f"SELECT {self._COLUMNS} FROM attempts a "
            "JOIN (SELECT key, MAX(attempt) AS attempt FROM attempts GROUP BY key) l "
            "ON a.key = l.key AND a.attempt = l.attempt "
            f"LEFT JOIN late_penalties p ON p.key = a.key {where} ORDER BY a.key", args))

    def latest(self, assignment: str | None = None) -> list[Record]:
        """The latest attempt of every submission key, ordered by key."""
        return list(self.iter_latest(assignment))

    def attempts(self, key: str) -> list[Record]:
        """Every attempt of ``key``, oldest first."""
        return list(self._records(self._read(
            f"SELECT {self._COLUMNS} FROM attempts a LEFT JOIN late_penalties p ON p.key = a.key "
            "WHERE a.key = ? ORDER BY a.attempt", (key,))))

    def latest_of(self, key: str) -> Record | None:
        rows = self._read(f"SELECT {self._COLUMNS} FROM attempts a LEFT JOIN late_penalties p ON p.key = a.key "
                          "WHERE a.key = ? ORDER BY a.attempt DESC LIMIT 1", (key,))
        return next(self._records(rows), None)

    def keys_of_student(self, student: str) -> list[str]:
        """The submission keys ``student`` names: a key itself, or an LMS student id."""
        rows = self._read("SELECT key FROM attempts WHERE key = ? UNION SELECT key FROM students WHERE student_id = ? "
                          "ORDER BY key", (student, student)).fetchall()
        return [r[0] for r in rows]

    def stamps(self) -> dict[str, Stamp]:
        """Each key's latest attempt, without its result: what resuming compares a submission against."""
        rows = self._read(
            "SELECT a.key, a.sha256, a.fingerprint, a.versions, a.visibilities FROM attempts a "
            "JOIN (SELECT key, MAX(attempt) AS attempt FROM attempts GROUP BY key) l "
            "ON a.key = l.key AND a.attempt = l.attempt")
        try:
            return {key: Stamp(sha, fp, json.loads(v), tuple(json.loads(vis))) for key, sha, fp, v, vis in rows}
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    def count(self) -> int:
        return self._read("SELECT COUNT(*) FROM attempts").fetchone()[0]

    def integrity(self) -> str:
        return self._read("PRAGMA integrity_check").fetchone()[0]


class _Transaction:
    """BEGIN IMMEDIATE (the write lock at once, so a busy gradebook says so before any work) ... COMMIT."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return
            except sqlite3.Error:
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error being raised says more than this one
