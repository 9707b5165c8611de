"""Counterexample values as grids of cells: what the HTML report draws and the terminal prints.

A counterexample holds plain data (see ``grader.plain``): tensors as
``{"tensor": {"dtype", "shape", "values"}}``, lists, numbers, strings.  Here
a matrix (or a vector, or a list of numbers) becomes a ``Grid`` of formatted
cells, coloured on a diverging scale whose text colour is chosen for
contrast; a tensor of more axes becomes a ``Stack`` of grids: (C, H, W) one
grid per channel, (C_o, C_i, H, W) a grid of grids, and from five axes on one
(H, W) slice with its index.  A student's answer is compared element by
element with the expected one, with the checks' own tolerance
(``grader.tolerance``), so that wrong cells can be marked by more than colour.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from grader.tolerance import close

MAX_ROWS = 12  # of a matrix, or of each channel (grader.bounded.CORNER keeps no more)
MAX_COLS = 12
MAX_CHANNELS = 8  # grids drawn of a (C, H, W) tensor; of a (C_o, C_i, H, W) one, MAX_CHANNELS x MAX_CHANNELS

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
    """A matrix, a vector, or one channel of a tensor: ``rows`` holds at most MAX_ROWS x MAX_COLS cells of it.

    ``shape`` is the shape of what the grid shows the whole of (the value's, or the channel's); ``index``
    the channel's place among the value's leading axes, () for a value drawn as one grid.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    rows: tuple[tuple[Cell, ...], ...]
    wrong: int = 0  # wrong cells in the whole value, shown or not
    total: int = 0
    index: tuple[int, ...] = ()

    @property
    def truncated(self) -> bool:
        height, width = (1, self.shape[0]) if len(self.shape) == 1 else self.shape[-2:]
        return bool(self.rows) and (height > len(self.rows) or width > len(self.rows[0]))

    @property
    def empty(self) -> bool:
        return not self.rows or not self.rows[0]

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)


@dataclass(frozen=True)
class Stack:
    """A tensor of three axes or more, as grids of its last two.

    ``rows``: for (C, H, W) one row of C grids (channel c's ``index`` is (c,)); for (C_o, C_i, H, W) a row
    per output channel, a grid per input channel (``index`` (o, i)); from five axes on, the one (H, W)
    slice that holds the first wrong element (else the first), ``index`` its place.  At most
    MAX_CHANNELS of each axis are drawn (fewer when the result kept fewer: ``grader.bounded.corner``).
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    rows: tuple[tuple[Grid, ...], ...]
    wrong: int = 0  # wrong elements in the whole value, shown or not
    total: int = 0

    @property
    def shape_text(self) -> str:
        return shape_text(self.shape)

    @property
    def channels_shown(self) -> tuple[int, ...]:
        """How many of each leading axis are drawn: (c,) or (c_o, c_i); () for a slice of five axes or more."""
        if len(self.shape) == 3:
            return (len(self.rows[0]),)
        if len(self.shape) == 4:
            return (len(self.rows), len(self.rows[0]))
        return ()

    @property
    def truncated(self) -> bool:
        return self.channels_shown != tuple(self.shape[:-2])[:len(self.channels_shown)] or \
            any(grid.truncated for row in self.rows for grid in row)

    @property
    def shown_text(self) -> str:
        """The shape of what is drawn: ``(2, 12, 12)`` of an (8, 20, 20) tensor."""
        grid = self.rows[0][0]
        return shape_text(self.channels_shown + (len(grid.rows), len(grid.rows[0]) if grid.rows else 0))

    @property
    def slice_text(self) -> str:
        """The slice drawn of a tensor of five axes or more, as an index: ``[0, 2, 1, :, :]``."""
        index = self.rows[0][0].index
        return "[" + ", ".join([str(i) for i in index] + [":", ":"]) + "]"


@dataclass(frozen=True)
class Text:
    """A value that is not a grid of numbers (a number, a string, anything else): shown as text."""

    name: str
    text: str
    wrong: bool = False  # a number that differs from the expected one


# ------------------------------------------------------------------ reading plain data


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    shape = tuple(shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Array:
    """A value of numbers read from plain data: its elements in row-major order, and its shapes.

    ``stored`` is the shape of ``values``: the value's whole ``shape``, or the corner a result kept of
    a large tensor (``grader.bounded.corner``), whose ``differ`` then counts the wrong elements of all.
    """

    values: tuple[Any, ...]
    stored: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: str  # "list" for a list of numbers, "" for a plain number
    differ: int | None = None
    magnitude: float | None = None  # the largest |element| of a cut tensor, kept ones or not

    @property
    def scale(self) -> float:
        """The largest magnitude of the value: the scale its tolerance is relative to, as bounded's count."""
        if self.magnitude is not None:
            return self.magnitude
        return max((abs(v) for v in self.values if is_number(v)), default=0.0)

    @property
    def rank(self) -> int:
        return len(self.shape)

    def at(self, index: tuple[int, ...]) -> Any:
        return self.values[flat_index(index, self.stored)]


def flat_index(index: tuple[int, ...], shape: tuple[int, ...]) -> int:
    at = 0
    for i, n in zip(index, shape):
        at = at * n + i
    return at


def _nested(values: Any, depth: int = 0) -> tuple[list[Any], tuple[int, ...]] | None:
    """Nested lists as (elements, shape), or None when they are not rectangular."""
    if not isinstance(values, list):
        return [values], ()
    if depth > 20:
        return None
    parts = [_nested(v, depth + 1) for v in values]
    if any(p is None for p in parts) or len({p[1] for p in parts}) > 1:
        return None
    return [x for p in parts for x in p[0]], (len(values),) + (parts[0][1] if parts else ())


def array(value: Any) -> Array | None:
    """The numbers of a value (a tensor of any rank, nested lists of numbers, a number), or None."""
    if isinstance(value, dict) and isinstance(value.get("tensor"), dict):
        t = value["tensor"]
        shape, found = tuple(t.get("shape") or ()), _nested(t.get("values"))
        if found is None or not all(isinstance(n, int) and n >= 0 for n in shape):
            return None
        values, stored = found
        cut = t.get("cut") if isinstance(t.get("cut"), dict) else {}
        if not values and math.prod(shape) == 0:
            stored = shape
        elif not values and cut:
            stored = tuple(cut.get("shown") or ())
            if math.prod(stored):
                return None
        if len(stored) != len(shape) or any(s > n for s, n in zip(stored, shape)):
            return None
        differ = cut.get("differ") if isinstance(cut.get("differ"), int) else None
        ends = [cut.get(end) for end in ("min", "max")]
        magnitude = max(abs(v) for v in ends) if all(is_number(v) for v in ends) else None
        return Array(tuple(values), stored, shape, str(t.get("dtype", "")), differ, magnitude)
    if is_number(value):
        return Array((value,), (), (), "")
    if isinstance(value, list) and value:
        found = _nested(value)
        if found is None or not found[0] or not any(is_number(v) for v in found[0]):
            return None
        values, shape = found
        if len(shape) > 1 and not all(is_number(v) for v in values):
            return None  # strings among numbers only in a list of them (a loss that was NaN)
        return Array(tuple(values), shape, shape, "list")
    return None


def matrix(value: Any) -> tuple[list[list[Any]], str, tuple[int, ...]] | None:
    """(rows, dtype, shape) of a value drawn as one grid (a vector or a matrix), or None when it is not one."""
    found = array(value)
    if found is None or found.rank not in (1, 2):
        return None
    return _rows(found, ()), found.dtype, found.shape


def _rows(a: Array, index: tuple[int, ...], values: tuple[Any, ...] | None = None) -> list[list[Any]]:
    """The (H, W) slice at ``index`` of the stored values (a vector as one row)."""
    values = a.values if values is None else values
    if a.rank == 1:
        return [list(values)]
    height, width = a.stored[-2:]
    start = flat_index(index, a.stored[:-2]) * height * width
    return [list(values[start + r * width:start + (r + 1) * width]) for r in range(height)]


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


def wrong_mask(got: Array, expected: Array) -> tuple[bool, ...]:
    """Which stored elements of ``got`` differ from ``expected`` (same stored shape), at the checks' tolerance.

    The scale is the expected value's largest magnitude, as ``grader.bounded`` counts a cut tensor's.
    """
    scale = expected.scale
    return tuple(not (is_number(g) and is_number(e) and close(g, e, scale))
                 for g, e in zip(got.values, expected.values))


def _grid(name: str, rows: list[list[Any]], dtype: str, shape: tuple[int, ...], scale: float,
          mask: list[list[bool]] | None = None, index: tuple[int, ...] = ()) -> Grid:
    shown = []
    for i, row in enumerate(rows[:MAX_ROWS]):
        cells = []
        for j, v in enumerate(row[:MAX_COLS]):
            background, foreground = colour(v, scale)
            cells.append(Cell(format_number(v), background, foreground, bool(mask and mask[i][j])))
        shown.append(tuple(cells))
    wrong = sum(sum(r) for r in mask) if mask else 0
    total = sum(len(r) for r in rows)
    return Grid(name, dtype, shape, tuple(shown), wrong, total, index)


def first_panel(a: Array, mask: tuple[bool, ...] | None = None) -> tuple[int, ...]:
    """The leading index of the (H, W) slice that holds the first wrong element, else of the first slice."""
    lead = a.stored[:-2]
    first = next((k for k, wrong in enumerate(mask or ()) if wrong), 0) // max(1, math.prod(a.stored[-2:]))
    index = []
    for n in reversed(lead):
        index.append(first % n if n else 0)
        first //= max(1, n)
    return tuple(reversed(index))


def panels(a: Array, mask: tuple[bool, ...] | None = None) -> list[list[tuple[int, ...]]]:
    """The leading indices of the (H, W) slices drawn of a tensor of three axes or more, in rows."""
    lead = a.stored[:-2]
    if a.rank == 3:
        return [[(c,) for c in range(min(lead[0], MAX_CHANNELS))]]
    if a.rank == 4:
        return [[(o, i) for i in range(min(lead[1], MAX_CHANNELS))] for o in range(min(lead[0], MAX_CHANNELS))]
    return [[first_panel(a, mask)]]


def _draw(name: str, a: Array, scale: float, mask: tuple[bool, ...] | None = None,
          values: tuple[Any, ...] | None = None) -> Grid | Stack | Text:
    """``a`` (or ``values`` laid out as ``a``) as a grid, a stack of grids or, for a number, text."""
    values = a.values if values is None else values
    wrong = sum(mask) if mask else 0
    total = len(values)
    if a.differ is not None:  # the result counted them over the whole value, of which it kept a corner
        wrong, total = a.differ, math.prod(a.shape)
    if a.rank == 0:
        return Text(name, format_number(values[0]) + (f" ({a.dtype})" if a.dtype else ""), bool(wrong))
    if a.rank <= 2:
        rows = _rows(a, (), values)
        grid = _grid(name, rows, a.dtype, a.shape, scale, _rows(a, (), mask) if mask else None)
        return Grid(grid.name, grid.dtype, grid.shape, grid.rows, wrong, total)
    if not math.prod(a.stored):
        return Text(name, describe({"tensor": {"shape": list(a.shape), "dtype": a.dtype}}))
    rows = tuple(tuple(_grid(name, _rows(a, index, values), a.dtype, a.shape[-2:], scale,
                             _rows(a, index, mask) if mask else None, index) for index in row)
                 for row in panels(a, mask))
    return Stack(name, a.dtype, a.shape, rows, wrong, total)


def _scale(*arrays: Array) -> float:
    return max((abs(v) for a in arrays for v in a.values if is_number(v)), default=0.0)


def view(name: str, value: Any, scale: float | None = None) -> Grid | Stack | Text:
    """A value on its own (an input): grids when it holds numbers, else text."""
    found = array(value)
    if found is None or found.rank == 0:
        return Text(name, describe(value))
    return _draw(name, found, _scale(found) if scale is None else scale)


@dataclass(frozen=True)
class Comparison:
    """Expected against got: their grids, the difference and what differs."""

    expected: Grid | Stack | Text | None
    got: Grid | Stack | Text | None
    difference: Grid | Stack | None
    shapes_differ: tuple[str, str] | None  # (expected shape, got shape) as text
    wrong: int = 0  # elements of got that differ from expected, shown or not
    total: int = 0


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
    found = array(value)
    return shape_text(found.shape) if found and found.rank else None


def compare(expected: Any, got: Any, names: tuple[str, str, str] = ("expected", "got", "difference")) -> Comparison:
    """Grids of ``expected`` and ``got`` on one colour scale; their difference when the shapes agree."""
    e, g = array(expected), array(got)
    shapes = None
    exp_shape, got_shape = _shape_of(expected), _shape_of(got)
    if exp_shape and got_shape and exp_shape != got_shape:
        shapes = (exp_shape, got_shape)
    if e is None or g is None:
        return Comparison(None if expected is None else view(names[0], expected),
                          None if got is None else view(names[1], got), None, shapes)
    scale = _scale(e, g)
    if e.shape != g.shape or e.stored != g.stored:
        return Comparison(_draw(names[0], e, scale), _draw(names[1], g, scale), None, shapes)
    mask = wrong_mask(g, e)
    got_view = _draw(names[1], g, scale, mask)
    wrong, total = (got_view.wrong, got_view.total) if not isinstance(got_view, Text) else (int(got_view.wrong), 1)
    if g.rank == 0:
        return Comparison(_draw(names[0], e, scale), got_view, None, shapes, wrong, total)
    # computed here, in double precision
    diff = tuple((gv - ev) if is_number(gv) and is_number(ev) else "?" for gv, ev in zip(g.values, e.values))
    difference = Array(diff, g.stored, g.shape, "float64", g.differ)
    return Comparison(_draw(names[0], e, scale), got_view, _draw(names[2], difference, _scale(difference), mask),
                      shapes, wrong, total)
