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
    cat = cat or catalogue("en", assignment)
    result = redact(graded.result)
    head = f"{graded.score:g}/{result.max_score:g} points"
    if graded.late_penalty_reason:
        head += f" ({graded.late_penalty_reason}; {result.score:g} before the penalty)"
    out = [head]
    for exercise in result.exercises:
        line = f"{exercise.name}: {exercise.score:g}/{exercise.max_score:g}"
        if exercise.status is not Status.PASSED:
            failing = next((t for t in exercise.tests if not t.passed), None)
            named = cat.diagnosis(failing.diagnosis, exercise.name) if failing is not None else None
            if named:
                line += f", mistake: {named[0]}"
            elif exercise.message:
                line += f", {cat.sentence(exercise.message_key, exercise.message_args, exercise.message)}"
        out.append(line)
    return out


def html(graded: Graded, assignment: Assignment, cat: Catalogue | None = None) -> str:
    first, *rest = lines(graded, assignment, cat)
    items = "".join(f"<li>{escape(line)}</li>" for line in rest)
    return f"<p>{escape(first)}</p><ul>{items}</ul>"
