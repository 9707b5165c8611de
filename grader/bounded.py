"""Bounds on what a submission can make the grader write, and text that cannot drive a terminal.

A result holds values the student returned.  Stored whole, a 4 KB submission returning wrong tensors
of tens of thousands of elements made a result folder of tens of MiB.  Every value in a result goes
through here: a tensor keeps at most the corner a report draws (``corner``: ``CORNER`` x ``CORNER`` of
its first channels) and a summary (shape, dtype, minimum, maximum, where it differs from the expected
value); lists, dicts and strings are cut, and the result says where (``"cut"`` in a tensor, a ``"… N more"``
entry in a list, ``…`` ending a string).  With at most ``MAX_LOAD_ISSUES`` load issues and the student's
output capped by the sandbox (64 KiB), a ``result.json`` stays within a few hundred KB whatever the
submission does.

Student text also reaches ``result.json``, ``report.html`` and the terminal: its control characters
(escape sequences, carriage returns, bidirectional overrides) become visible ``\\x1b``-style text, so
``cat`` or ``grep`` on a result cannot move a cursor, recolour, retitle or hide anything.
"""

from __future__ import annotations

import re
from typing import Any

CORNER = 12  # rows and columns a report draws of a matrix, or of each channel of a tensor (see corner)
MAX_ITEMS = 144  # items of a list, entries of a dict, elements of a tensor's corner
MAX_LEAVES = 300  # numbers and strings in one value (a counterexample's inputs, expected or got): two 12 x 12 corners
MAX_TEXT = 2000  # characters of one string in a value
MAX_VALUE_TEXT = 4000  # characters of all the strings in one value
MAX_LOAD_ISSUES = 20  # load problems kept per submission; the rest are counted in one more

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character but tab and newline written as a visible escape."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def printable_data(value: Any) -> Any:
    """Plain data (dicts, lists, strings, numbers) with every string, key included, made ``printable``."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [printable_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(printable_data(v) for v in value)
    if isinstance(value, dict):
        return {printable_data(k) if isinstance(k, str) else k: printable_data(v) for k, v in value.items()}
    return value


def text(value: str, limit: int = MAX_TEXT) -> str:
    return value if len(value) <= limit else value[:limit] + f"… ({len(value) - limit:,} more characters)"


class Budget:
    """Leaves (numbers, strings) still allowed in one value."""

    def __init__(self, leaves: int = MAX_LEAVES, characters: int = MAX_VALUE_TEXT):
        self.left, self.characters = leaves, characters

    def text(self, value: str) -> str:
        """``value`` as a leaf, cut to what is left of the characters (``…`` once nothing is)."""
        if not self.take() or self.characters <= 0:
            return "…"
        cut = text(value, min(MAX_TEXT, self.characters))
        self.characters -= len(cut)
        return cut

    def take(self, n: int = 1) -> bool:
        if self.left < n:
            self.left = 0
            return False
        self.left -= n
        return True


def corner(shape: tuple[int, ...] | list[int]) -> list[int]:
    """The leading corner of a tensor a report draws (``grader.reports.grids``), as a shape.

    A vector keeps MAX_ITEMS entries; otherwise the last two axes keep CORNER rows and columns, and the
    axes before them (channels) as many leading entries as fit in MAX_ITEMS elements, innermost first,
    at least one each: a (3, 4, 4) tensor whole, (8, 12, 12) as (1, 12, 12), (2, 3, 5, 5) as (2, 3, 5, 5).
    """
    shape = list(shape)
    if len(shape) <= 1:
        return [min(n, MAX_ITEMS) for n in shape]
    shown = shape[:-2] + [min(shape[-2], CORNER), min(shape[-1], CORNER)]
    room = MAX_ITEMS // max(1, shown[-2] * shown[-1])
    for axis in range(len(shape) - 3, -1, -1):
        shown[axis] = min(shape[axis], max(1, room))
        room //= max(1, shown[axis])
    return shown


def tensor_body(t: Any, dtype: str, budget: Budget, compared_with: Any = None) -> dict:
    """``{"dtype", "shape", "values"}`` of a tensor (already on the CPU, float or int), cut to what is shown.

    A cut tensor keeps its ``corner`` as nested lists, and says so in ``cut``.  ``compared_with``, the
    expected tensor when ``t`` is the student's answer, locates where they differ, with the tolerance
    the checks use (``grader.tolerance``, at the scale of the expected values, as the reports mark them).
    """
    import torch

    from grader.tolerance import tolerance

    shape = list(t.shape)
    body: dict[str, Any] = {"dtype": dtype, "shape": shape}
    numel = t.numel()
    if numel <= MAX_ITEMS and budget.take(numel):
        body["values"] = t.tolist()
        return body
    shown = t[tuple(slice(0, n) for n in corner(shape))]
    if not budget.take(shown.numel()):
        shown = t[tuple(slice(0, 0) for _ in shape)]
    body["values"] = shown.tolist()
    cut: dict[str, Any] = {"elements": numel, "shown": list(shown.shape)}
    if numel and (t.is_floating_point() or not t.dtype == torch.bool):
        finite = t[torch.isfinite(t)] if t.is_floating_point() else t
        if finite.numel():
            cut["min"], cut["max"] = float(finite.min()), float(finite.max())
        cut["not_finite"] = int(numel - finite.numel())
    if isinstance(compared_with, torch.Tensor) and list(compared_with.shape) == shape and numel:
        a, b = t.double(), compared_with.detach().cpu().double()
        finite = b[torch.isfinite(b)]
        scale = float(finite.abs().max()) if finite.numel() else 0.0
        differs = ~((a - b).abs() <= tolerance(b, scale))
        cut["differ"] = int(differs.sum())
        if cut["differ"]:
            cut["first_difference"] = [int(i) for i in differs.nonzero()[0]]
    body["cut"] = cut
    return body
