"""The short summary a student reads in the LMS: points per exercise and the mistakes named.

Built from the result as a student may see it (``for_students.redact``): a hidden check is named as
failed, never with its inputs.
"""

from __future__ import annotations

from html import escape

from grader.assignment import Assignment
from grader.exports.graded import Graded
from grader.messages import Catalogue, catalogue
from grader.reports.for_students import redact
from grader.results import Status


def lines(graded: Graded, assignment: Assignment, cat: Catalogue | None = None) -> list[str]:
    """The summary in ``cat``'s language (English by default): the points, then a line per exercise."""
    cat = cat or catalogue("en", assignment)
    result = redact(graded.result)
    head = cat.text("feedback.points", score=f"{graded.score:g}", max_score=f"{result.max_score:g}")
    if graded.late_penalty_reason:  # the reason as the export that applied the penalty recorded it
        head = cat.text("feedback.late", points=head, reason=graded.late_penalty_reason, before=f"{result.score:g}")
    out = [head]
    for exercise in result.exercises:
        line = cat.text("feedback.exercise", name=exercise.name, score=f"{exercise.score:g}",
                        max_score=f"{exercise.max_score:g}")
        if exercise.status is not Status.PASSED:
            failing = next((t for t in exercise.tests if not t.passed), None)
            named = cat.diagnosis(failing.diagnosis, exercise.name) if failing is not None else None
            if named:
                line = cat.text("feedback.mistake", exercise=line, mistake=named[0])
            elif exercise.message:
                line = cat.text("feedback.problem", exercise=line,
                                problem=cat.sentence(exercise.message_key, exercise.message_args, exercise.message))
        out.append(line)
    return out


def html(graded: Graded, assignment: Assignment, cat: Catalogue | None = None) -> str:
    first, *rest = lines(graded, assignment, cat)
    items = "".join(f"<li>{escape(line)}</li>" for line in rest)
    return f"<p>{escape(first)}</p><ul>{items}</ul>"
