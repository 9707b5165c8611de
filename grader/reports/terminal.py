"""The terminal summary ``grader check`` prints: a table of exercises, and the first failure of each.

For each exercise that lost points: the property that failed first, its message, the diagnosis and its
hint, and the counterexample in a few lines.  Colour only when asked for (a TTY); statuses carry a
symbol too, so nothing depends on colour.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import click

from grader import results
from grader.bounded import printable_data
from grader.messages import Catalogue
from grader.reports import grids, isolation, lateness, symbols
from grader.results import Status, SubmissionResult, TestResult

_STYLE = {
    Status.PASSED: "green",
    Status.PARTIAL: "yellow",
    Status.FAILED: "red",
    Status.ERROR: "red",
    Status.TIMEOUT: "red",
    Status.FORBIDDEN: "magenta",
    Status.NOT_IMPLEMENTED: "bright_black",
}
MAX_INLINE = 12  # entries of a grid printed in full; larger ones by their shape
MAX_SLICES, MAX_SLICE = 2, 8  # a tensor of 3 axes or more: every (H, W) slice when so few and small, else one


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    space = " " * max(0, columns - width(text))
    return space + text if right else text + space


def value_text(value: Any, cat: Catalogue, wrong: tuple[bool, ...] | None = None,
               index: tuple[int, ...] | None = None) -> str:
    """Plain data in a few lines: small grids in full (wrong entries marked ✗), larger ones by shape; of a
    tensor of three axes or more, a readable slice: every channel when there are few small ones, else the
    (H, W) slice at ``index`` (by default the one holding the first wrong entry), saying which it is."""
    found = grids.array(value)
    if found is not None and found.rank in (1, 2):
        rows, dtype, shape = grids.matrix(value)
        mask = grids._rows(found, (), wrong) if wrong else None
        header = cat.text("terminal.shape", shape=grids.shape_text(shape), dtype=dtype)
        if found.stored != found.shape or len(rows) > MAX_SLICE or len(rows[0]) > MAX_SLICE:
            return header
        if sum(len(row) for row in rows) > MAX_INLINE:  # a matrix of up to 8 x 8: a row a line
            return "\n".join([header] + ["  " + row for row in _row_lines(rows, mask)])
        return _inline(rows, mask, len(shape)) + (f" ({dtype})" if dtype != "list" else "")
    if found is not None and found.rank >= 3 and math.prod(found.stored):
        return _slices(found, cat, wrong, index)
    if isinstance(value, dict) and isinstance(value.get("tensor"), dict) and value["tensor"].get("shape"):
        t = value["tensor"]
        return cat.text("terminal.shape", shape=grids.shape_text(t.get("shape") or ()), dtype=t.get("dtype", ""))
    if grids.shape_only(value):
        return cat.text("report.shape", shape=grids.shape_only(value))
    text = grids.describe(value)
    return text + symbols.WRONG if wrong and found is not None and found.rank == 0 and any(wrong) else text


def _inline(rows: list[list[Any]], mask: list[list[bool]] | None, rank: int) -> str:
    cells = [[grids.format_number(v) + (symbols.WRONG if mask and mask[i][j] else "") for j, v in enumerate(row)]
             for i, row in enumerate(rows)]
    body = ", ".join("[" + ", ".join(row) + "]" for row in cells)
    return body if rank == 1 else f"[{body}]"


def _row_lines(rows: list[list[Any]], mask: list[list[bool]] | None) -> list[str]:
    return [_inline([row], [m] if mask else None, 1) for row, m in zip(rows, mask or rows)]


def _slices(a: grids.Array, cat: Catalogue, wrong: tuple[bool, ...] | None, index: tuple[int, ...] | None) -> str:
    height, width = a.stored[-2:]
    count = math.prod(a.stored[:-2])
    every = count <= MAX_SLICES and height <= MAX_SLICE and width <= MAX_SLICE and a.stored == a.shape
    chosen = [tuple(int(i) for i in divmod_index(k, a.stored[:-2])) for k in range(count)] if every else \
        [index if index is not None else grids.first_panel(a, wrong)]
    lines = [cat.text("terminal.shape", shape=grids.shape_text(a.shape), dtype=a.dtype)]
    for where in chosen:
        rows = [row[:MAX_SLICE] for row in grids._rows(a, where)[:MAX_SLICE]]
        mask = [row[:MAX_SLICE] for row in grids._rows(a, where, wrong)[:MAX_SLICE]] if wrong else None
        lines.append("  " + _where(a.shape, where, cat))
        cut = height > MAX_SLICE or width > MAX_SLICE or a.shape[-2:] != a.stored[-2:]
        lines += ["    " + row for row in _row_lines(rows, mask)]
        if cut:
            lines.append("    …")
    if not every and math.prod(a.shape[:-2]) > 1:
        lines.append("  " + cat.text("terminal.more_slices", n=math.prod(a.shape[:-2]) - 1, h=a.shape[-2],
                                     w=a.shape[-1]))
    return "\n".join(lines)


def divmod_index(k: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The index of the k-th element of ``shape`` in row-major order."""
    index = []
    for n in reversed(shape):
        k, i = divmod(k, n)
        index.append(i)
    return tuple(reversed(index))


def _where(shape: tuple[int, ...], index: tuple[int, ...], cat: Catalogue) -> str:
    if len(shape) == 3:
        return cat.text("terminal.channel", c=index[0], n=shape[0])
    if len(shape) == 4:
        return cat.text("terminal.channel_pair", o=index[0], n_o=shape[0], i=index[1], n_i=shape[1])
    return cat.text("terminal.slice", index="[" + ", ".join([str(i) for i in index] + [":", ":"]) + "]")


def _wrong_mask(expected: Any, got: Any) -> tuple[bool, ...] | None:
    e, g = grids.array(expected), grids.array(got)
    if e is None or g is None or e.shape != g.shape or e.stored != g.stored:
        return None
    return grids.wrong_mask(g, e)


def _last_frame(traceback: str) -> list[str]:
    """The innermost 'File ..., line N' of a traceback and the line of code under it."""
    lines = traceback.rstrip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].lstrip().startswith("File "):
            return [lines[i].strip()] + ([lines[i + 1].strip()] if i + 1 < len(lines) else [])
    return []


def failure_lines(test: TestResult, exercise: str, cat: Catalogue, loaded: bool, style) -> list[str]:
    message, original = cat.message(test, exercise, loaded)
    lines = [style(f"{symbols.WRONG} {cat.check_title(test.name)}", bold=True)]
    found = cat.diagnosis(test.diagnosis, exercise)
    if found and cat.leads(test.diagnosis):  # a certain diagnosis first: the symptom it causes may mislead
        lines.append(style(cat.text("terminal.mistake", text=found[0]), fg="red", bold=True))
        lines.append(cat.text("terminal.hint", text=found[1]))
        lines.append(cat.text("terminal.seen", text=message))
    else:
        lines.append(style(message, fg="red"))
    if original and original != message:
        lines.append(f"({original.splitlines()[0]})")
    if found and not cat.leads(test.diagnosis):
        lines.append(style(cat.text("terminal.mistake", text=found[0]), fg="yellow", bold=True))
        lines.append(cat.text("terminal.hint", text=found[1]))
    example = test.counterexample
    label = cat.text("terminal.input")
    if example is not None and example.telling is not None:  # the input the diagnosis was proven on
        example, label = example.telling, cat.text("terminal.telling")
    if example is not None:
        inputs = [f"{name} = {value_text(value, cat)}" for name, value in (example.inputs or {}).items()]
        if any("\n" in text for text in inputs):  # a tensor of channels: each input on lines of its own
            lines.append(label)
            lines += ["  " + part for text in inputs for part in text.splitlines()]
        elif inputs:
            lines.append(f"{label} {'  '.join(inputs)}")
        labels = [cat.text("terminal.expected"), cat.text("terminal.got")]
        columns = max(width(label) for label in labels)
        mask = _wrong_mask(example.expected, example.got)
        found = grids.array(example.got)
        # of channels, both show the same one: the first holding a wrong entry
        index = grids.first_panel(found, mask) if mask is not None and found.rank >= 3 else None
        if example.expected is not None:
            lines.append(f"{pad(labels[0], columns)} {value_text(example.expected, cat, index=index)}")
        if example.got is not None:
            lines.append(f"{pad(labels[1], columns)} {value_text(example.got, cat, mask, index)}")
    lines += _last_frame(test.traceback)
    return lines


def render(result: SubmissionResult, cat: Catalogue, *, color: bool = False, late_penalty: float | None = None) -> str:
    # Student text with its control characters made visible: only our own styling drives the terminal.
    result = results.from_plain(printable_data(results.to_plain(result)))

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    loaded = not any(not issue.is_note for issue in result.load_issues)  # a note (the file chosen) is no failure
    lines = [style(cat.text("report.title", submission=result.submission), bold=True) + f"  ({result.assignment})"]
    for issue in result.load_issues:
        sentence, detail = cat.load_issue(issue)
        first = detail.splitlines()[0] if detail else ""
        mark, colour = ("i", "cyan") if issue.is_note else ("!", "yellow")  # a note says what was decided
        lines.append(style(f"  {mark} " + cat.text("terminal.load_issue", where=cat.place(issue.where),
                                                   sentence=sentence), fg=colour)
                     + (cat.text("terminal.aside", text=first) if first else ""))
    names = [e.name for e in result.exercises]
    name_cols = max([width(n) for n in names] + [width(cat.text("report.exercise"))])
    points_cols = max([len(f"{e.score:g}/{e.max_score:g}") for e in result.exercises] +
                      [width(cat.text("report.points"))])
    lines.append("  " + style(pad(cat.text("report.exercise"), name_cols) + "  " +
                              pad(cat.text("report.points"), points_cols, right=True) + "  " +
                              cat.text("report.status"), underline=True))
    said = None  # the last plain message printed: a file that did not load fails every exercise the same way
    for exercise in result.exercises:
        points = f"{exercise.score:g}/{exercise.max_score:g}"
        status = f"{symbols.of_status(exercise.status)} {cat.status(exercise.status)}"
        lines.append(f"  {pad(exercise.name, name_cols)}  {pad(points, points_cols, right=True)}  " +
                     style(status, fg=_STYLE[exercise.status]))
        failures = [t for t in exercise.tests if not t.passed]
        if not failures and exercise.status not in (Status.PASSED, Status.NOT_IMPLEMENTED) and exercise.message:
            # no check to carry the reason (an exercise without checks): the exercise's own message says it
            text = cat.sentence(exercise.message_key, exercise.message_args, exercise.message)
            lines += ["      " + style(part, fg="red") for part in text.splitlines()]
        if not failures or exercise.status is Status.NOT_IMPLEMENTED:
            continue
        first = failures[0]
        if first.counterexample is None and not first.traceback and not first.diagnosis:
            if cat.message(first, exercise.name, loaded) == said:
                continue
            said = cat.message(first, exercise.name, loaded)
        for line in failure_lines(first, exercise.name, cat, loaded, style):
            lines += ["      " + part for part in line.splitlines()]
        if len(failures) > 1:
            lines.append("      " + style(cat.text("terminal.more", n=len(failures) - 1), dim=True))
    score = cat.text("report.score_line", score=f"{result.score:g}", max_score=f"{result.max_score:g}")
    lines.append(style("  " + score, bold=True))
    late = lateness.sentence(result, cat, late_penalty)
    if late:
        lines.append(style("  " + late, fg="yellow"))
    lines.append("  " + isolation.summary(result.isolation, cat))
    return "\n".join(lines)


def progress_line(result: SubmissionResult, cat: Catalogue) -> str:
    """``grade``'s line per submission: its score, and whether it needs the instructor's eyes."""
    kinds = {issue.kind for issue in result.load_issues if not issue.is_note}
    key = ("terminal.progress_grader_error" if "internal_error" in kinds else
           "terminal.progress_load_issues" if kinds else "terminal.progress")
    return cat.text(key, submission=result.submission, score=f"{result.score:g}", max_score=f"{result.max_score:g}",
                    n=sum(1 for issue in result.load_issues if not issue.is_note))
