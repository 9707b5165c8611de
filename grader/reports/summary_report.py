"""``summary.html``: what an instructor reads after ``grader grade``, over the results of a whole class.

Score distribution, the pass rate of every property, the most common
mistakes with links to the submissions that show them, and the slowest
submissions.  Self-contained and offline, like each submission's report.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.files import write_atomically
from grader.messages import Catalogue
from grader.reports import lateness
from grader.reports.templating import environment, html_lang, number, version
from grader.results import SubmissionResult

BINS = 10
SLOWEST = 10
REPORT_NAME = "report.html"


@dataclass
class Bin:
    label: str
    count: int
    percent: int  # bar length, relative to the fullest bin


@dataclass
class PropertyRate:
    exercise: str
    title: str
    visibility: str
    passed: int
    total: int

    @property
    def rate(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 0


@dataclass
class Mistake:
    code: str
    exercise: str
    sentence: str
    submissions: list[str] = field(default_factory=list)


def histogram(scores: list[float], max_score: float) -> list[Bin]:
    """BINS half-open ranges of equal width, and one more for full marks."""
    if max_score <= 0:
        return []
    width = max_score / BINS
    counts = [0] * (BINS + 1)
    for score in scores:
        counts[BINS if score >= max_score else min(BINS - 1, max(0, int(score // width)))] += 1
    labels = [f"{number(round(i * width, 2))}–{number(round((i + 1) * width, 2))}" for i in range(BINS)]
    labels.append(number(max_score))
    top = max(counts) or 1
    return [Bin(label, count, round(100 * count / top)) for label, count in zip(labels, counts)]


@dataclass(frozen=True)
class Row:
    """What the summary keeps of each submission: one line of its tables, not the whole result."""

    submission: str
    score: float
    max_score: float
    duration_s: float
    late: str = ""  # "Submitted late." when the download said so, or the penalty an export recorded


class Tally:
    """The class summary, built one result at a time: a batch of thousands never sits in memory at once."""

    def __init__(self, cat: Catalogue):
        self.cat = cat
        self.rows: list[Row] = []
        self.assignment = ""
        self.rates: dict[tuple[str, str, str], PropertyRate] = {}
        self.found: dict[tuple[str, str], Mistake] = {}
        self.exercise_scores: dict[str, list[tuple[float, float]]] = {}  # name -> (score, max_score) per result

    def add(self, result: SubmissionResult, penalty: float | None = None) -> None:
        cat = self.cat
        if not self.rows:
            self.assignment = result.assignment
        self.rows.append(Row(result.submission, result.score, result.max_score, result.duration_s,
                             lateness.sentence(result, cat, penalty)))
        for exercise in result.exercises:
            self.exercise_scores.setdefault(exercise.name, []).append((exercise.score, exercise.max_score))
            for test in exercise.tests:
                key = (exercise.name, test.name, test.visibility.value)
                if key not in self.rates:
                    self.rates[key] = PropertyRate(exercise.name, cat.check_title(test.name),
                                                   cat.text(f"report.{test.visibility.value}"), 0, 0)
                self.rates[key].total += 1
                self.rates[key].passed += int(test.passed)
                if test.passed or not test.diagnosis:
                    continue
                mistake = (exercise.name, test.diagnosis)
                if mistake not in self.found:
                    sentence = cat.diagnosis(test.diagnosis, exercise.name)
                    self.found[mistake] = Mistake(test.diagnosis, exercise.name,
                                                  sentence[0] if sentence else test.diagnosis)
                if result.submission not in self.found[mistake].submissions:
                    self.found[mistake].submissions.append(result.submission)

    def mistakes(self) -> list[Mistake]:
        return sorted(self.found.values(), key=lambda m: (-len(m.submissions), m.exercise, m.code))


def _tally(results: Iterable[SubmissionResult], cat: Catalogue, penalties: Mapping[str, float] | None = None) -> Tally:
    tally = Tally(cat)
    for result in results:
        tally.add(result, (penalties or {}).get(result.submission))
    return tally


def property_rates(results: Iterable[SubmissionResult], cat: Catalogue) -> list[PropertyRate]:
    return list(_tally(results, cat).rates.values())


def mistakes(results: Iterable[SubmissionResult], cat: Catalogue) -> list[Mistake]:
    """Each (exercise, diagnosis) with the submissions showing it, most common first."""
    return _tally(results, cat).mistakes()


def context(results: Iterable[SubmissionResult], cat: Catalogue, *, report_name: str = REPORT_NAME,
            penalties: Mapping[str, float] | None = None) -> dict[str, Any]:
    """``penalties``: submission id -> the late penalty (percent) an export recorded in the gradebook."""
    tally = _tally(results, cat, penalties)
    rows = tally.rows
    scores = [r.score for r in rows]
    max_score = max((r.max_score for r in rows), default=0.0)
    exercise_stats = []
    for name, done in tally.exercise_scores.items():
        exercise_stats.append({
            "name": name,
            "title": cat.exercise_title(name),
            "mean": number(round(statistics.fmean(score for score, _ in done), 2)) if done else "—",
            "max": number(max(top for _, top in done)) if done else "—",
            "full": round(100 * sum(score >= top for score, top in done) / len(done)) if done else 0,
        })
    return {
        "lang": cat.lang,
        "html_lang": html_lang(cat.lang),
        "t": cat.text,
        "title": cat.text("summary.title", assignment=tally.assignment),
        "assignment_title": cat.text("assignment.title") if cat.has("assignment.title") else tally.assignment,
        "count": len(rows),
        "mean": number(round(statistics.fmean(scores), 2)) if scores else "—",
        "median": number(round(statistics.median(scores), 2)) if scores else "—",
        "full_marks": sum(1 for r in rows if r.max_score and r.score >= r.max_score),
        "max_score": number(max_score),
        "bins": histogram(scores, max_score),
        "exercises": exercise_stats,
        "rates": list(tally.rates.values()),
        "mistakes": tally.mistakes(),
        "slowest": sorted(rows, key=lambda r: -r.duration_s)[:SLOWEST],
        "results": sorted(rows, key=lambda r: r.submission),
        "report_name": report_name,
        "number": number,
        "version": version(),
    }


def render(results: Iterable[SubmissionResult], cat: Catalogue, *, report_name: str = REPORT_NAME,
           penalties: Mapping[str, float] | None = None) -> str:
    return environment().get_template("summary.html.j2").render(
        **context(results, cat, report_name=report_name, penalties=penalties))


def write(results: Iterable[SubmissionResult], path: Path, cat: Catalogue, *, report_name: str = REPORT_NAME,
          penalties: Mapping[str, float] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, render(results, cat, report_name=report_name, penalties=penalties))

