"""``grades.csv``: one row per submission, one column per exercise.

With late penalties (``grader export --format csv --late-penalty``) two columns follow the score:
the percentage off and the score after it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from grader.files import open_atomically
from grader.results import SubmissionResult


def _number(x: float) -> str:
    return f"{x:g}"


def write(results: Iterable[SubmissionResult], exercise_names: list[str], path: Path, *,
          penalties: dict[str, tuple[float, float]] | None = None) -> None:
    """``penalties``: submission id -> (percent off, score after it), when late penalties apply."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_atomically(path, newline="") as handle:
        writer = csv.writer(handle)
        late = ["late_penalty_percent", "final_score"] if penalties is not None else []
        writer.writerow(["id", "score", "max_score", *late, *exercise_names])
        for result in results:
            by_name = {e.name: e.score for e in result.exercises}
            extra = []
            if penalties is not None:
                percent, final = penalties.get(result.submission, (0.0, result.score))
                extra = [_number(percent), _number(final)]
            writer.writerow([result.submission, _number(result.score), _number(result.max_score), *extra,
                             *(_number(by_name.get(n, 0.0)) for n in exercise_names)])
