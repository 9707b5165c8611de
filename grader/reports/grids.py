"""Counterexample values as grids of cells: what the HTML report draws and the terminal prints.

A counterexample holds plain data (see ``grader.plain``): tensors as
``{"tensor": {"dtype", "shape", "values"}}``, lists, numbers, strings.  Here
a 2-D tensor (or a vector, or a list of numbers) becomes a ``Grid`` of
formatted cells, coloured on a diverging scale whose text colour is chosen
for contrast; a student's answer is compared cell by cell with the expected
one, so that wrong cells can be marked by more than colour.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 12
MAX_COLS = 12

# Diverging scale (ColorBrewer RdBu ends): negative -> blue, zero -> white, positive -> red.
NEGATIVE = (33, 102, 172)
ZERO = (255, 255, 255)
POSITIVE = (178, 24, 43)
NOT_A_NUMBER = (224, 224, 224)
BLACK, WHITE = (0, 0, 0), (255, 255, 255)


@dataclass(frozen=True)
class Cell:
    text: str
    background: str  # "#rrggbb"
    foreground: str  # black or white, whichever contrasts more with the background
    wrong: bool = False


@dataclass(frozen=True)
class Grid:
    """A 2-D view of a value: ``rows`` holds at most MAX_ROWS x MAX_COLS cells of it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    rows: tuple[tuple[Cell, ...], ...]
    wrong: int = 0  # wrong cells in the whole value, shown or not
    total: int = 0
    numbers: tuple[tuple[Any, ...], ...] = field(default=(), repr=False)  # the full 2-D values

    @property
    def truncated(self) -> bool:
        return len(self.numbers) > len(self.rows) or bool(self.rows) and len(self.numbers[0]) > len(self.rows[0])

    @property
    def empty(self) -> bool:
        return not self.rows or not self.rows[0]

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)


@dataclass(frozen=True)
class Text:
    """A value that is not a grid of numbers: shown as text."""

    name: str
    text: str


# ------------------------------------------------------------------ reading plain data


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    shape = tuple(shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def matrix(value: Any) -> tuple[list[list[Any]], str, tuple[int, ...]] | None:
    """(rows, dtype, shape) of a value drawn as a grid, or None when it is not one."""
    if isinstance(value, dict) and isinstance(value.get("tensor"), dict):
        t = value["tensor"]
        shape, values = tuple(t.get("shape") or ()), t.get("values")
        dtype = str(t.get("dtype", ""))
        if len(shape) == 2 and isinstance(values, list):
            return [list(row) if isinstance(row, list) else [row] for row in values], dtype, shape
        if len(shape) == 1 and isinstance(values, list):
            return [list(values)], dtype, shape
        return None
    if isinstance(value, list) and value and all(is_number(v) or isinstance(v, str) for v in value) \
            and any(is_number(v) for v in value):
        return [list(value)], "list", (len(value),)
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        widths = {len(row) for row in value}
        if len(widths) == 1 and all(is_number(v) for row in value for v in row):
            return [list(row) for row in value], "list", (len(value), widths.pop())
    return None


def describe(value: Any) -> str:
    """Any plain value as one short line of text."""
    if isinstance(value, dict) and isinstance(value.get("tensor"), dict):
        t = value["tensor"]
        shape = tuple(t.get("shape") or ())
        if not shape:
            return f"{format_number(t.get('values'))} ({t.get('dtype', '')})"
        return f"tensor{shape_text(shape)} {t.get('dtype', '')}"
    if isinstance(value, dict) and isinstance(value.get("object"), dict):
        return f"{value['object'].get('type', '?')}: {value['object'].get('repr', '')}"
    if is_number(value):
        return format_number(value)
    if isinstance(value, str):
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "…"


def format_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))  # also turns -0.0 into 0
    return f"{value:.4g}"


# ------------------------------------------------------------------ colours


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def parse_hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def colour(value: Any, scale: float) -> tuple[str, str]:
    """(background, foreground) of a cell: hue gives the sign, depth the size relative to ``scale``."""
    if not is_number(value):
        rgb = NOT_A_NUMBER
    else:
        t = 0.0 if scale <= 0 else max(-1.0, min(1.0, value / scale))
        end = POSITIVE if t > 0 else NEGATIVE
        rgb = tuple(round(z + (e - z) * abs(t)) for z, e in zip(ZERO, end))
    text = BLACK if contrast(rgb, BLACK) >= contrast(rgb, WHITE) else WHITE
    return _hex(rgb), _hex(text)


def _scale(*matrices: list[list[Any]]) -> float:
    return max((abs(v) for m in matrices for row in m for v in row if is_number(v)), default=0.0)


# ------------------------------------------------------------------ grids


def tolerance(expected: float, scale: float) -> float:
    """How far a value may be from the expected one and still count as right (float32 precision)."""
    return 1e-6 + 1e-4 * abs(expected) + 2e-5 * scale


def _wrong_mask(got: list[list[Any]], expected: list[list[Any]]) -> list[list[bool]]:
    scale = _scale(expected)
    mask = []
    for g_row, e_row in zip(got, expected):
        mask.append([not (is_number(g) and is_number(e) and abs(g - e) <= tolerance(e, scale))
                     for g, e in zip(g_row, e_row)])
    return mask


def _grid(name: str, rows: list[list[Any]], dtype: str, shape: tuple[int, ...], scale: float,
          mask: list[list[bool]] | None = None) -> Grid:
    shown = []
    for i, row in enumerate(rows[:MAX_ROWS]):
        cells = []
        for j, v in enumerate(row[:MAX_COLS]):
            background, foreground = colour(v, scale)
            cells.append(Cell(format_number(v), background, foreground, bool(mask and mask[i][j])))
        shown.append(tuple(cells))
    wrong = sum(sum(r) for r in mask) if mask else 0
    total = sum(len(r) for r in rows)
    return Grid(name, dtype, shape, tuple(shown), wrong, total, tuple(tuple(r) for r in rows))


def view(name: str, value: Any, scale: float | None = None) -> Grid | Text:
    """A value on its own (an input): a grid when it is one, else text."""
    found = matrix(value)
    if found is None:
        return Text(name, describe(value))
    rows, dtype, shape = found
    return _grid(name, rows, dtype, shape, _scale(rows) if scale is None else scale)


@dataclass(frozen=True)
class Comparison:
    """Expected against got: their grids, the difference and what differs."""

    expected: Grid | Text | None
    got: Grid | Text | None
    difference: Grid | None
    shapes_differ: tuple[str, str] | None  # (expected shape, got shape) as text

    @property
    def wrong(self) -> int:
        return self.got.wrong if isinstance(self.got, Grid) else 0

    @property
    def total(self) -> int:
        return self.got.total if isinstance(self.got, Grid) else 0


def shape_only(value: Any) -> str | None:
    """The shape of a value the checks describe by its shape alone (``"shape (1, 1)"``), else None."""
    if isinstance(value, str) and value.startswith("shape (") and value.endswith(")"):
        return value[len("shape "):]
    return None


def _shape_of(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("tensor"), dict):
        return shape_text(value["tensor"].get("shape") or ())
    if shape_only(value):
        return shape_only(value)
    found = matrix(value)
    return shape_text(found[2]) if found else None


def compare(expected: Any, got: Any, names: tuple[str, str, str] = ("expected", "got", "difference")) -> Comparison:
    """Grids of ``expected`` and ``got`` on one colour scale; their difference when the shapes agree."""
    e, g = matrix(expected), matrix(got)
    shapes = None
    exp_shape, got_shape = _shape_of(expected), _shape_of(got)
    if exp_shape and got_shape and exp_shape != got_shape:
        shapes = (exp_shape, got_shape)
    if e is None or g is None:
        return Comparison(None if expected is None else view(names[0], expected),
                          None if got is None else view(names[1], got), None, shapes)
    (e_rows, e_dtype, e_shape), (g_rows, g_dtype, g_shape) = e, g
    scale = _scale(e_rows, g_rows)
    if e_shape != g_shape or [len(r) for r in e_rows] != [len(r) for r in g_rows]:
        return Comparison(_grid(names[0], e_rows, e_dtype, e_shape, scale),
                          _grid(names[1], g_rows, g_dtype, g_shape, scale), None, shapes)
    mask = _wrong_mask(g_rows, e_rows)
    diff = [[(gv - ev) if is_number(gv) and is_number(ev) else "?" for gv, ev in zip(gr, er)]
            for gr, er in zip(g_rows, e_rows)]
    return Comparison(
        _grid(names[0], e_rows, e_dtype, e_shape, scale),
        _grid(names[1], g_rows, g_dtype, g_shape, scale, mask),
        _grid(names[2], diff, "float64", g_shape, _scale(diff), mask),  # computed here, in double precision
        shapes,
    )
