"""``report.html``: one submission's result as a self-contained, offline HTML page.

Rendered with Jinja2 (autoescape on: messages, tracebacks and printed output
come from student code) from the result alone, in the catalogue's language.
The page carries its own CSS, no script, no font and no link outside itself.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.files import write_atomically
from grader.messages import Catalogue
from grader.reports import grids, isolation, lateness, symbols
from grader.reports.templating import HTML_LANG, environment, html_lang, number, version
from grader.results import ExerciseResult, Status, SubmissionResult, TestResult, Visibility

OUTPUT_LIMIT = 4000  # characters of printed output shown
TRACEBACK_LIMIT = 4000


@dataclass
class FailureView:
    anchor: str
    titles: list[str]
    message: str
    original: str | None = None
    mistake: str | None = None
    hint: str | None = None
    inputs: list[grids.Grid | grids.Text] = field(default_factory=list)
    comparison: grids.Comparison | None = None
    traceback: str = ""
    hidden: str = ""  # "hidden", in the reader's language, for a hidden check
    leads: bool = False  # the diagnosis is certain: shown before the message, which says what the check saw
    telling: bool = False  # the counterexample drawn is the input the diagnosis was proven on, not the shrunk one


@dataclass
class PropertyView:
    title: str
    visibility: str
    weight: str
    passed: bool
    symbol: str
    outcome: str
    anchor: str | None


@dataclass
class ExerciseView:
    name: str
    anchor: str
    title: str
    description: str
    score: str
    max_score: str
    status: str
    status_text: str
    symbol: str
    properties: list[PropertyView]
    failures: list[FailureView]
    mistake: str | None  # the diagnosis of its first failure, for the overview
    message: str = ""  # why it lost its points, when no failed check says it (an exercise without checks)


def _loaded(result: SubmissionResult) -> bool:
    """False when loading went wrong: tests that then failed without a trace failed because of it."""
    return not any(not issue.is_note for issue in result.load_issues)  # a note (the file chosen) is no failure


def failure_view(test: TestResult, exercise: ExerciseResult, cat: Catalogue, anchor: str,
                 loaded: bool = True) -> FailureView:
    message, original = cat.message(test, exercise.name, loaded)
    view = FailureView(anchor=anchor, titles=[cat.check_title(test.name)], message=message, original=original,
                       traceback=test.traceback[-TRACEBACK_LIMIT:],
                       hidden=cat.text("report.hidden") if test.visibility is Visibility.HIDDEN else "")
    found = cat.diagnosis(test.diagnosis, exercise.name)
    if found:
        view.mistake, view.hint = found
        view.leads = cat.leads(test.diagnosis)
    example = test.counterexample
    if example is not None and example.telling is not None:
        example, view.telling = example.telling, True
    if example is not None:
        view.inputs = [grids.view(name, value) for name, value in (example.inputs or {}).items()]
        if example.expected is not None or example.got is not None:
            comparison = grids.compare(example.expected, example.got,
                                       (cat.text("report.expected"), cat.text("report.got"),
                                        cat.text("report.difference")))
            if _only_shapes(comparison, example.expected, example.got):
                view.comparison = dataclasses.replace(comparison, expected=None, got=None)
            else:
                view.comparison = dataclasses.replace(
                    comparison, expected=_localised(comparison.expected, example.expected, cat),
                    got=_localised(comparison.got, example.got, cat))
    return view


def _localised(shown: grids.Grid | grids.Text | None, value: Any, cat: Catalogue) -> grids.Grid | grids.Text | None:
    """A value the checks described by its shape alone, in the reader's language."""
    if isinstance(shown, grids.Text) and grids.shape_only(value):
        return grids.Text(shown.name, cat.text("report.shape", shape=grids.shape_only(value)))
    return shown


def _only_shapes(comparison: grids.Comparison, expected: Any, got: Any) -> bool:
    """Both sides are mere shapes, already said by the sentence that they differ."""
    return comparison.shapes_differ is not None and bool(grids.shape_only(expected)) and bool(grids.shape_only(got))


def _plain(view: FailureView) -> bool:
    """A failure with nothing to draw: identical ones are shown once."""
    return not (view.inputs or view.comparison or view.traceback or view.mistake)


def exercise_view(exercise: ExerciseResult, cat: Catalogue, loaded: bool = True) -> ExerciseView:
    failures: list[FailureView] = []
    properties = []
    for index, test in enumerate(exercise.tests):
        anchor = None
        if not test.passed:
            view = failure_view(test, exercise, cat, f"{exercise.name}-{index}", loaded)
            same = next((f for f in failures if _plain(f) and _plain(view) and
                         (f.message, f.original) == (view.message, view.original)), None)
            if same is not None:
                same.titles.append(view.titles[0])
                anchor = same.anchor
            else:
                failures.append(view)
                anchor = view.anchor
        properties.append(PropertyView(
            title=cat.check_title(test.name), visibility=cat.text(f"report.{test.visibility.value}"),
            weight=number(test.weight), passed=test.passed, symbol=symbols.of_outcome(test.outcome),
            outcome=cat.outcome(test.outcome), anchor=anchor))
    description = cat.text(f"exercise.{exercise.name}.description")
    message = ""
    if not failures and exercise.status is not Status.PASSED:
        message = cat.sentence(exercise.message_key, exercise.message_args, exercise.message)
    return ExerciseView(
        name=exercise.name, anchor=f"ex-{exercise.name}", title=cat.exercise_title(exercise.name),
        description="" if description.startswith("exercise.") else description,
        score=number(exercise.score), max_score=number(exercise.max_score), status=exercise.status.value,
        status_text=cat.status(exercise.status), symbol=symbols.of_status(exercise.status), properties=properties,
        failures=failures, mistake=next((f.mistake for f in failures if f.mistake), None), message=message)


def context(result: SubmissionResult, cat: Catalogue, *, late_penalty: float | None = None) -> dict[str, Any]:
    """Everything the template shows, already in the catalogue's language; ``late_penalty``: the percentage
    the gradebook recorded."""
    loaded = _loaded(result)
    exercises = [exercise_view(e, cat, loaded) for e in result.exercises]
    output = result.output or ""
    load_issues, notes = [], []
    for issue in result.load_issues:
        sentence, detail = cat.load_issue(issue)
        # A note (the file chosen) says what was graded; it is not a problem loading the code.
        (notes if issue.is_note else load_issues).append({
            "where": cat.place(issue.where), "sentence": sentence, "message": detail,
            "traceback": issue.traceback[-TRACEBACK_LIMIT:]})
    which = ", ".join(cat.text(f"report.{v.value}") for v in result.visibilities)
    off = isolation.layers_off(result.isolation or {})
    return {
        "lang": cat.lang,
        "html_lang": html_lang(cat.lang),
        "t": cat.text,
        "title": cat.text("report.title", submission=result.submission),
        "assignment": result.assignment,
        "assignment_title": cat.text("assignment.title") if cat.has("assignment.title") else result.assignment,
        "submission": result.submission,
        "source": result.source,
        "score": number(result.score),
        "max_score": number(result.max_score),
        "late": lateness.sentence(result, cat, late_penalty),
        "percent": 0 if not result.max_score else max(0, min(100, round(100 * result.score / result.max_score))),
        "which": which,
        "exercises": exercises,
        "all_passed": bool(result.exercises) and all(e.status is Status.PASSED for e in result.exercises),
        "load_issues": load_issues,
        "notes": notes,
        "output": output[:OUTPUT_LIMIT],
        "output_total": len(output),
        "output_truncated": len(output) > OUTPUT_LIMIT,
        "isolation_off": ", ".join(off),
        "version": version(),
        "seconds": number(result.duration_s),
    }


def render(result: SubmissionResult, cat: Catalogue, *, late_penalty: float | None = None) -> str:
    return environment().get_template("report.html.j2").render(**context(result, cat, late_penalty=late_penalty))


def write(result: SubmissionResult, path: Path, cat: Catalogue, *, late_penalty: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, render(result, cat, late_penalty=late_penalty))


def language(path: Path) -> str | None:
    """The catalogue language a report we wrote is in (its ``<html lang>``), None if unreadable."""
    try:
        with path.open(encoding="utf-8") as handle:
            start = handle.read(400)
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(r'<html lang="([^"]+)"', start)
    return next((lang for lang, tag in HTML_LANG.items() if found and tag == found.group(1)), None)
