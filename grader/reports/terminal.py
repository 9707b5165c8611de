"""The terminal summary ``grader check`` prints: exercises, points, the first failure of each."""

from __future__ import annotations

import json
from typing import Any

import click

from grader.reports import isolation
from grader.results import Status, SubmissionResult

_STYLE = {
    Status.PASSED: "green",
    Status.PARTIAL: "yellow",
    Status.FAILED: "red",
    Status.ERROR: "red",
    Status.TIMEOUT: "red",
    Status.FORBIDDEN: "magenta",
    Status.NOT_IMPLEMENTED: "bright_black",
}


def _value(value: Any, limit: int = 6) -> str:
    """A compact rendering of plain data: small tensors as rows, large ones by shape."""
    if isinstance(value, dict) and "tensor" in value:
        t = value["tensor"]
        rows = t["values"]
        if len(t["shape"]) == 2 and t["shape"][0] <= limit and t["shape"][1] <= limit:
            return "[" + ", ".join("[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) + "]"
                                   for row in rows) + f"] ({t['dtype']})"
        return f"tensor of shape {tuple(t['shape'])} ({t['dtype']})"
    if isinstance(value, dict) and "object" in value:
        return f"{value['object']['type']}: {value['object']['repr']}"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 200 else text[:200] + "..."


def render(result: SubmissionResult, *, color: bool = False) -> str:
    style = (lambda text, **kw: click.style(text, **kw)) if color else (lambda text, **kw: text)
    lines = [style(f"{result.assignment}: {result.submission}", bold=True)]
    for issue in result.load_issues:
        lines.append(style(f"  ! {issue.where}: {issue.message.splitlines()[0] if issue.message else issue.kind}",
                           fg="yellow"))
    width = max(len(e.name) for e in result.exercises) if result.exercises else 10
    for exercise in result.exercises:
        points = f"{exercise.score:g}/{exercise.max_score:g}"
        lines.append(f"  {exercise.name:<{width}}  {points:>7}  " +
                     style(exercise.status.value, fg=_STYLE[exercise.status]))
        failure = next((t for t in exercise.tests if not t.passed), None)
        if failure is None or exercise.status is Status.NOT_IMPLEMENTED:
            continue
        lines.append(f"      {failure.name}")
        lines.append("      " + style(failure.message.splitlines()[0] if failure.message else failure.outcome.value,
                                      fg="red"))
        example = failure.counterexample
        if example is not None:
            for name, value in example.inputs.items():
                lines.append(f"        {name} = {_value(value)}")
            if example.expected is not None:
                lines.append(f"        expected: {_value(example.expected)}")
            if example.got is not None:
                lines.append(f"        got:      {_value(example.got)}")
    total = f"{result.score:g}/{result.max_score:g}"
    lines.append(style(f"  score {total}", bold=True))
    lines.append("  " + isolation.summary(result.isolation))
    return "\n".join(lines)
