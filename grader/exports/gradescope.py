"""Gradescope: ``results.json`` as its autograder specification describes it.

One test per check (or per exercise, ``granularity="exercise"``).  Hidden checks are tests with
``visibility`` ``after_published`` by default; their message, mistake and counterexample appear only in
a test whose visibility keeps it from students until the grades are published.  Asked to show hidden
checks earlier (``visible`` or ``after_due_date``), their tests carry the student's view only
(``for_students.redact``).  The student's printed output is a test of its own, withheld like a hidden
check's when hidden checks ran (their code could have printed the hidden inputs).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from grader.assignment import Assignment
from grader.exports import ExportError, Options, Plan, feedback_catalogue
from grader.exports.feedback import lines as feedback_lines
from grader.exports.graded import Graded, test_points
from grader.files import write_atomically
from grader.messages import Catalogue, catalogue
from grader.reports import isolation
from grader.reports.for_students import hidden_ran, redact
from grader.reports.terminal import failure_lines
from grader.results import Identity, Person, Visibility

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
SEEN_BEFORE_PUBLICATION = ("visible", "after_due_date")
GRANULARITIES = ("check", "exercise")
OUTPUT_FORMATS = ("md", "html")
OUTPUT_CAP = 10_000  # characters of the student's printed output


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")  # Gradescope wants \n line endings


def _format(message: str, details: list[str], output_format: str) -> str:
    if output_format == "html":
        body = f"<p>{escape(message)}</p>"
        return body + (f"<pre>{escape(chr(10).join(details))}</pre>" if details else "")
    fence = "````"  # longer than any ``` a student's message might hold
    return message + (f"\n\n{fence}text\n" + "\n".join(details) + f"\n{fence}" if details else "")


def _summary(lines: list[str], output_format: str) -> str:
    first, *rest = lines
    if output_format == "html":
        return f"<p>{escape(first)}</p><ul>" + "".join(f"<li>{escape(line)}</li>" for line in rest) + "</ul>"
    return first + "\n\n" + "\n".join(f"- {line}" for line in rest)


def _test_output(test, exercise: str, cat, loaded: bool, output_format: str) -> str:
    if test.passed:
        return ""
    lines = failure_lines(test, exercise, cat, loaded, lambda text, **kw: text)
    return _plain(_format(lines[1] if len(lines) > 1 else "", lines[2:], output_format))


def _cap(text: str) -> str:
    if len(text) <= OUTPUT_CAP:
        return text
    return text[:OUTPUT_CAP] + f"\n[cut: {OUTPUT_CAP} of {len(text)} characters shown]"


def results(graded: Graded, assignment: Assignment, *, hidden_visibility: str = "after_published",
            granularity: str = "check", output_format: str = "md", for_students: bool = False,
            cat: Catalogue | None = None) -> dict[str, Any]:
    """The ``results.json`` of one graded submission."""
    if hidden_visibility not in VISIBILITIES:
        raise ExportError(f"unknown Gradescope visibility {hidden_visibility!r} (known: {', '.join(VISIBILITIES)})")
    cat = cat or catalogue("en", assignment)
    full = graded.result
    seen = redact(full)
    # What a hidden check's own test may hold: everything, if students cannot see it before publication.
    private = seen if (for_students or hidden_visibility in SEEN_BEFORE_PUBLICATION) else full
    loaded = not full.load_issues
    tests: list[dict[str, Any]] = []
    for i, (exercise, shown, secret) in enumerate(zip(seen.exercises, seen.exercises, private.exercises), start=1):
        if granularity == "exercise":
            details = [_test_output(t, exercise.name, cat, loaded, output_format)
                       for t in shown.tests if not t.passed]
            tests.append({"name": f"{exercise.name}: {cat.exercise_title(exercise.name)}", "number": str(i),
                          "score": exercise.score, "max_score": exercise.max_score,
                          "status": "passed" if exercise.score >= exercise.max_score else "failed",
                          "output": "\n\n".join(d for d in details if d) or "", "output_format": output_format,
                          "visibility": "visible"})
            hidden_failed = [t for t in secret.tests if t.visibility is Visibility.HIDDEN and not t.passed]
            if hidden_failed and private is full:
                tests.append({"name": f"{exercise.name}: hidden checks, details", "number": f"{i}.h",
                              "score": 0, "max_score": 0, "status": "failed",
                              "output": "\n\n".join(f"{t.name}\n\n" + _test_output(t, exercise.name, cat, loaded,
                                                                                    output_format)
                                                    for t in hidden_failed),
                              "output_format": output_format, "visibility": hidden_visibility})
            continue
        for j, (test, hidden_view, (points, score)) in enumerate(
                zip(shown.tests, secret.tests, test_points(exercise)), start=1):
            hidden = test.visibility is Visibility.HIDDEN
            source = hidden_view if hidden else test
            tests.append({"name": f"{exercise.name}: {test.name}" + (" (hidden)" if hidden else ""),
                          "number": f"{i}.{j}", "score": score, "max_score": points,
                          "status": "passed" if test.passed else "failed",
                          "output": _test_output(source, exercise.name, cat, loaded, output_format),
                          "output_format": output_format,
                          "visibility": hidden_visibility if hidden else "visible"})
    if full.output:
        if not hidden_ran(full):
            tests.append({"name": "Printed output", "output": _cap(_plain(full.output)), "output_format": "text",
                          "visibility": "visible"})
        elif private is full:
            tests.append({"name": "Printed output", "output": _cap(_plain(full.output)), "output_format": "text",
                          "visibility": hidden_visibility})
    summary = feedback_lines(graded, assignment, cat)
    for issue in full.load_issues:
        summary.append(f"{cat.place(issue.where)}: {cat.load_issue(issue)[0]}")
    extra = {"submission": full.submission, "isolation": full.isolation,
             "isolation_off": isolation.layers_off(full.isolation), "provenance": full.provenance,
             "score_before_penalty": full.score, "late_penalty_percent": graded.late_penalty_percent}
    return {"score": graded.score, "execution_time": full.duration_s,
            "output": _plain(_summary(summary, output_format)), "output_format": output_format,
            "stdout_visibility": "hidden", "tests": tests, "extra_data": extra}


def read_metadata(path: Path) -> tuple[Identity, datetime | None]:
    """Who submitted and whether it was late, and the due date, from Gradescope's ``submission_metadata.json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        created = data.get("created_at") or ""
        due = (data.get("assignment") or {}).get("due_date") or ""
        late = bool(created and due and datetime.fromisoformat(created) > datetime.fromisoformat(due))
        people = tuple(Person(str(u.get("id", "")), str(u.get("name", "")), str(u.get("email", "")))
                       for u in data.get("users", []))
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise ExportError(f"{path} is not Gradescope's submission metadata: {exc}") from None
    identity = Identity(system="gradescope", students=people, late=late, submission_id=str(data.get("id", "")),
                        submitted_at=created)
    return identity, (datetime.fromisoformat(due) if due else None)


def with_metadata(graded: list[Graded], identity: Identity) -> list[Graded]:
    return [replace(g, result=replace(g.result, identity=identity)) for g in graded]


class GradescopeExporter:
    name = "gradescope"
    needs_roster = False

    def plan(self, graded: list[Graded], *, assignment: Assignment, options: Options, out: Path) -> Plan:
        cat = feedback_catalogue(options, assignment)
        documents = {g.key: results(g, assignment, hidden_visibility=options.hidden_visibility,
                                    granularity=options.granularity, output_format=options.output_format,
                                    for_students=options.for_students, cat=cat) for g in graded}
        single = len(documents) == 1 and out.suffix == ".json"
        notes = [f"{g.key}: {g.late_penalty_reason}" for g in graded if g.late_penalty_reason]

        def write() -> list[Path]:
            written = []
            for key, document in documents.items():
                path = out if single else out / key / "results.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False) + "\n")
                written.append(path)
            return written

        return Plan([], notes, write)


EXPORTER = GradescopeExporter()
