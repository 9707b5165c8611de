"""``summary.html``: what an instructor reads after ``grader grade``, over the results of a whole class.

Score distribution, the pass rate of every property, the most common
mistakes with links to the submissions that show them, and the slowest
submissions.  Self-contained and offline, like each submission's report.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.messages import Catalogue
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


def property_rates(results: list[SubmissionResult], cat: Catalogue) -> list[PropertyRate]:
    rates: dict[tuple[str, str, str], PropertyRate] = {}
    for result in results:
        for exercise in result.exercises:
            for test in exercise.tests:
                key = (exercise.name, test.name, test.visibility.value)
                if key not in rates:
                    rates[key] = PropertyRate(exercise.name, cat.check_title(test.name),
                                              cat.text(f"report.{test.visibility.value}"), 0, 0)
                rates[key].total += 1
                rates[key].passed += int(test.passed)
    return list(rates.values())


def mistakes(results: list[SubmissionResult], cat: Catalogue) -> list[Mistake]:
    """Each (exercise, diagnosis) with the submissions showing it, most common first."""
    found: dict[tuple[str, str], Mistake] = {}
    for result in results:
        for exercise in result.exercises:
            for test in exercise.tests:
                if test.passed or not test.diagnosis:
                    continue
                key = (exercise.name, test.diagnosis)
                if key not in found:
                    sentence = cat.diagnosis(test.diagnosis, exercise.name)
                    found[key] = Mistake(test.diagnosis, exercise.name, sentence[0] if sentence else test.diagnosis)
                if result.submission not in found[key].submissions:
                    found[key].submissions.append(result.submission)
    return sorted(found.values(), key=lambda m: (-len(m.submissions), m.exercise, m.code))


def context(results: list[SubmissionResult], cat: Catalogue, *, report_name: str = REPORT_NAME) -> dict[str, Any]:
    scores = [r.score for r in results]
    max_score = max((r.max_score for r in results), default=0.0)
    assignment = results[0].assignment if results else ""
    exercise_names = list(dict.fromkeys(e.name for r in results for e in r.exercises))
    exercise_stats = []
    for name in exercise_names:
        done = [e for r in results for e in r.exercises if e.name == name]
        exercise_stats.append({
            "name": name,
            "title": cat.exercise_title(name),
            "mean": number(round(statistics.fmean(e.score for e in done), 2)) if done else "—",
            "max": number(max(e.max_score for e in done)) if done else "—",
            "full": round(100 * sum(e.score >= e.max_score for e in done) / len(done)) if done else 0,
        })
    return {
        "lang": cat.lang,
        "html_lang": html_lang(cat.lang),
        "t": cat.text,
        "title": cat.text("summary.title", assignment=assignment),
        "assignment_title": cat.text("assignment.title") if cat.has("assignment.title") else assignment,
        "count": len(results),
        "mean": number(round(statistics.fmean(scores), 2)) if scores else "—",
        "median": number(round(statistics.median(scores), 2)) if scores else "—",
        "full_marks": sum(1 for r in results if r.max_score and r.score >= r.max_score),
        "max_score": number(max_score),
        "bins": histogram(scores, max_score),
        "exercises": exercise_stats,
        "rates": property_rates(results, cat),
        "mistakes": mistakes(results, cat),
        "slowest": sorted(results, key=lambda r: -r.duration_s)[:SLOWEST],
        "results": sorted(results, key=lambda r: r.submission),
        "report_name": report_name,
        "number": number,
        "version": version(),
    }


def render(results: list[SubmissionResult], cat: Catalogue, *, report_name: str = REPORT_NAME) -> str:
    return environment().get_template("summary.html.j2").render(**context(results, cat, report_name=report_name))


def write(results: list[SubmissionResult], path: Path, cat: Catalogue, *, report_name: str = REPORT_NAME) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render(results, cat, report_name=report_name), encoding="utf-8")
    tmp.replace(path)

