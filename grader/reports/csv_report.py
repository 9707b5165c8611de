"""``grades.csv``: one row per submission, one column per exercise."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from grader.results import SubmissionResult


def _number(x: float) -> str:
    return f"{x:g}"


def write(results: Iterable[SubmissionResult], exercise_names: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "score", "max_score", *exercise_names])
        for result in results:
            by_name = {e.name: e.score for e in result.exercises}
            writer.writerow([result.submission, _number(result.score), _number(result.max_score),
                             *(_number(by_name.get(n, 0.0)) for n in exercise_names)])
    tmp.replace(path)
