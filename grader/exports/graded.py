"""What every exporter reads: a graded submission, its late penalty, and how it maps to students.

Exports read what grading already wrote and never grade again: the gradebook (``grade``'s
``DIR/gradebook.sqlite``, or ``--gradebook FILE``), else ``DIR/<id>/result.json`` (a folder copied
without its gradebook).  ``load_gradebook`` and ``load`` are the only places that know where graded
results come from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.reports.lateness import after_penalty
from grader.results import ResultFormatError, SubmissionResult, from_plain


@dataclass(frozen=True)
class Graded:
    result: SubmissionResult
    late_penalty_percent: float = 0.0
    late_penalty_reason: str = ""
    graded_at: str = ""  # ISO-8601, when the gradebook says

    @property
    def key(self) -> str:
        return self.result.submission

    @property
    def score(self) -> float:
        """The score after the late penalty, never below zero."""
        return after_penalty(self.result.score, self.late_penalty_percent)

    @property
    def student_ids(self) -> tuple[str, ...]:
        """Who this grade belongs to: every student of the download's identity (a group), else the
        submission's id, which is the student id the download name carried (``submission.natural_id``)."""
        ids = tuple(p.id for p in self.result.identity.students if p.id)
        return ids or (self.key,)


class SourceError(Exception):
    """Graded results cannot be read; the message says which and why."""


def _from_results_dir(folder: Path) -> tuple[list[Graded], list[str]]:
    graded, problems = [], []
    files = sorted(folder.glob("*/result.json"))
    if not files:
        raise SourceError(f"{folder} holds no graded submissions (no {folder}/<id>/result.json): "
                          "run `grader grade ... --out DIR` first")
    for file in files:
        try:
            result = from_plain(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ResultFormatError) as exc:
            problems.append(f"{file}: not readable ({exc})")
            continue
        graded.append(Graded(result))
    return graded, problems


def load(folder: Path, *, assignment: str) -> tuple[list[Graded], list[str]]:
    """The graded submissions of ``assignment`` in ``folder`` and the problems met reading them."""
    graded, problems = _from_results_dir(folder)
    other = sorted({g.result.assignment for g in graded} - {assignment})
    if other:
        problems.append(f"{folder} holds results of other assignments ({', '.join(other)}); they are left out")
        graded = [g for g in graded if g.result.assignment == assignment]
    return graded, problems


def test_points(exercise) -> list[tuple[float, float]]:
    """(points, score) of each test of ``exercise``: its share of the exercise's points by weight, and the
    scores scaled so that they add up to the exercise's score (a forbidden operation forfeits all)."""
    total = sum(t.weight for t in exercise.tests)
    if not total:
        return [(0.0, 0.0) for _ in exercise.tests]
    points = [exercise.max_score * t.weight / total for t in exercise.tests]
    raw = [p if t.passed else 0.0 for p, t in zip(points, exercise.tests)]
    scale = exercise.score / sum(raw) if sum(raw) else 0.0
    return [(round(p, 4), round(r * scale, 4)) for p, r in zip(points, raw)]


def load_gradebook(path: Path, *, assignment: str) -> list[Graded]:
    """The latest attempt of each submission of ``assignment`` in the gradebook at ``path``."""
    try:
        from grader.gradebook import Gradebook
    except ImportError:
        raise SourceError("this grader has no gradebook (grader.gradebook): export from grade's --out folder") from None
    with Gradebook.open(path, create=False) as book:  # its GradebookError says what is wrong with it
        return [Graded(r.result, r.late_penalty_percent or 0.0, r.late_penalty_reason or "", r.graded_at or "")
                for r in book.latest(assignment)]


def record_penalties(path: Path, graded: list[Graded]) -> None:
    """Write the late penalties applied back into the gradebook, so the gradebook says what the LMS got."""
    from grader.gradebook import Gradebook

    with Gradebook.open(path, create=False) as book:
        for g in graded:
            book.set_late_penalty(g.key, percent=g.late_penalty_percent, reason=g.late_penalty_reason)
