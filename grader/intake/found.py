"""What intake finds: a submission's files and who handed them in, before anything is graded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.results import Identity
from grader.submission import CODE_SUFFIXES, Problem


@dataclass(frozen=True)
class Candidate:
    """A file of a submission, one of which is graded."""

    path: Path | None  # on disk; None when it was not extracted (not code)
    name: str  # as the student named it, within their submission: "conv_layer.py", "hw1.zip/conv_layer.py"
    entry: str = ""  # the entry or path in the download it came from
    stem: str = ""  # the name matched against the assignment's file name (a re-upload's "-1" removed)
    submission_id: str = ""  # Canvas: the attachment id of this file

    @property
    def is_code(self) -> bool:
        return self.path is not None and PurePosixPath(self.name).suffix.lower() in CODE_SUFFIXES

    @property
    def match_stem(self) -> str:
        return self.stem or PurePosixPath(self.name).stem


@dataclass(frozen=True)
class Found:
    """One submission as the download holds it: its files, who handed it in, what went wrong reading it."""

    key: str  # the natural folder name under --out, before it is made distinct from the others
    source: str  # where it came from, for people: a path, or "archive.zip:entry"
    identity: Identity
    files: tuple[Candidate, ...] = ()
    problems: tuple[Problem, ...] = ()  # entries that could not be extracted
    notes: tuple[Problem, ...] = ()  # what intake decided on the student's behalf (the latest attempt)
