"""The reports' line on a late submission: the penalty an export applied and recorded in the gradebook,
else that the LMS's download said the work was late."""

from __future__ import annotations

from grader.messages import Catalogue
from grader.reports.templating import number
from grader.results import SubmissionResult


def after_penalty(score: float, percent: float) -> float:
    """The score after a late penalty of ``percent``, never below zero."""
    return round(max(0.0, score * (1 - percent / 100)), 2)


def sentence(result: SubmissionResult, cat: Catalogue, penalty: float | None = None) -> str:
    """"" for work on time (or whose lateness nothing recorded)."""
    if penalty:
        return cat.text("report.late_penalty", percent=number(penalty),
                        score=number(after_penalty(result.score, penalty)), max_score=number(result.max_score))
    return cat.text("report.late") if result.identity.late else ""
