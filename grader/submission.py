"""Reading a submission's code file and turning it into a load plan.

Everything here reads student files as data in the grader's own process:
nothing is executed.  A file that cannot be read becomes a ``Submission``
with a ``problem``, never an exception, so one bad file costs only itself.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import containment
from grader.messages import english, place

MAX_BYTES = 2 * 1024 * 1024
CODE_SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Problem:
    # "unreadable", "not_utf8", "too_large", "syntax_error", "corrupt_notebook", "no_code", "link"; from an archive
    # (grader.intake) also "unsafe_entry", "encrypted", "corrupt_entry", "duplicate_entry", "nested_archive",
    # and the notes "chosen_file", "latest_attempt", "unrecognised_name" (grader.results.NOTE_KINDS)
    kind: str
    message: str  # English; ``message_key`` + ``message_args`` name it in the catalogue (grader.messages)
    where: str = "file"
    message_key: str | None = None
    message_args: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def keyed(cls, kind: str, key: str, where: str = "file", /, **args: Any) -> "Problem":
        """A problem that says the catalogue's sentence ``key``: its English ``message`` is rendered from it."""
        return cls(kind, english(key, **args), where, key, args)


@dataclass(frozen=True)
class Submission:
    id: str
    source: str  # the path as given
    file: Path | None  # the code file graded
    plan: dict | None = None  # what the harness executes; None when unreadable
    problems: tuple[Problem, ...] = ()
    trees: tuple[ast.Module, ...] = field(default=(), compare=False, repr=False)  # parsed code, for the policy scan


def link_problem(path: str) -> Problem:
    return Problem.keyed("link", "problem.link", path=path)


def not_regular_problem(path: str) -> Problem:
    return Problem.keyed("unreadable", "problem.not_regular", path=path)


# ------------------------------------------------------------------ reading


def load(file: Path, *, id: str, source: str, root: Path | None = None) -> Submission:
    """The load plan of one code file (``grader.intake`` chooses it when a submission holds several).

    ``root`` is the submission's own folder when ``file`` is inside one: nothing on the way from it is a link.
    """
    path = root or file
    try:
        # Nothing outside the submission's own tree is read on its behalf: no link is followed.
        raw = containment.read_inside(path, file, MAX_BYTES)
    except containment.NotInside as exc:
        why = link_problem(exc.relative) if exc.reason == "link" else not_regular_problem(exc.relative)
        return Submission(id, source, file, problems=(why,))
    except containment.TooLarge as exc:
        return Submission(id, source, file, problems=(Problem.keyed(
            "too_large", "problem.too_large", size=f"{exc.size:,}", limit=f"{MAX_BYTES:,}"),))
    except OSError as exc:
        return Submission(id, source, file, problems=(Problem.keyed(
            "unreadable", "problem.unreadable", error=str(exc.strerror)),))
    if b"\x00" in raw:
        return Submission(id, source, file, problems=(Problem.keyed("not_utf8", "problem.binary"),))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = f"0x{raw[exc.start]:02x}"
        return Submission(id, source, file, problems=(Problem.keyed(
            "not_utf8", "problem.not_utf8", offset=exc.start, byte=byte),))
    if file.suffix == ".ipynb":
        return _notebook(id, source, file, text)
    return _module(id, source, file, text)


def _module(id: str, source: str, file: Path, text: str) -> Submission:
    filename = file.name
    if not text.strip():
        return Submission(id, source, file, problems=(Problem.keyed("no_code", "problem.empty"),))
    try:
        tree = ast.parse(text, filename)
    except SyntaxError as exc:
        return Submission(id, source, file, problems=(_syntax_problem(exc, f"line {exc.lineno}"),))
    except (ValueError, RecursionError, MemoryError) as exc:
        return Submission(id, source, file, problems=(Problem.keyed(
            "syntax_error", "problem.unparsable", error=str(exc)),))
    return Submission(id, source, file, plan={"kind": "module", "filename": filename, "source": text}, trees=(tree,))


def _syntax_problem(exc: SyntaxError, where: str) -> Problem:
    line = (exc.text or "").rstrip()
    args = {"error": str(exc.msg), "where": place(where)} | ({"code": line} if line else {})
    return Problem.keyed("syntax_error", "problem.syntax_error_code" if line else "problem.syntax_error", where,
                         **args)


# ----------------------------------------------------------------- notebooks

_CELL_MAGICS_TO_SKIP = re.compile(r"^%%(?!time\b|timeit\b|capture\b)\w+")
_MAGIC_LINE = re.compile(r"^(\s*)(%|!)")
_SHELL_ASSIGN = re.compile(r"^(\s*)([\w.]+)\s*=\s*(!|%)")


def ipython_to_python(source: str) -> str | None:
    """Replace IPython magics and shell lines by ``pass``; None for a cell that is not Python."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        if _CELL_MAGICS_TO_SKIP.match(lines[0].lstrip()):
            return None  # %%bash, %%html, %%writefile...: not Python
        lines = ["pass  # " + lines[0]] + lines[1:]  # %%time and friends wrap Python
    out = []
    for line in lines:
        assign = _SHELL_ASSIGN.match(line)
        magic = _MAGIC_LINE.match(line)
        if assign:
            out.append(f"{assign.group(1)}{assign.group(2)} = []  # {line.strip()}")
        elif magic:
            out.append(f"{magic.group(1)}pass  # {line.strip()}")
        elif line.rstrip().endswith("?") and not line.lstrip().startswith("#") and re.match(r"^\s*[\w.]+\?\??$", line):
            out.append("pass  # " + line.strip())  # obj? help lookups
        else:
            out.append(line)
    return "\n".join(out) + "\n"


# More code cells than any notebook of the course has; far fewer than it takes to make validation slow.
MAX_CELLS = 2000


def _stripped(text: str) -> str:
    """The notebook without what the grader never reads (outputs, attachments, metadata), as JSON text.

    nbformat's validation of outputs is superlinear: tens of thousands of malformed outputs in a file under
    the size cap cost a minute of the grader's own CPU.  Stripping them first (with the standard library's
    linear JSON parser) leaves it the cells' sources to validate, and caps how many.
    """
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the notebook is not a JSON object")
    metadata = data.get("metadata")
    data["metadata"] = {k: v for k, v in metadata.items() if k in ("kernelspec", "language_info")} \
        if isinstance(metadata, dict) else {}
    lists = [data.get("cells")] + [w.get("cells") for w in data.get("worksheets") or [] if isinstance(w, dict)]
    for cells in lists:
        if not isinstance(cells, list):
            continue
        if len(cells) > MAX_CELLS:
            raise ValueError(f"the notebook has {len(cells):,} cells; at most {MAX_CELLS:,} are read")
        for cell in cells:
            if isinstance(cell, dict):
                cell.pop("attachments", None)
                cell["metadata"] = {}
                if "outputs" in cell:
                    cell["outputs"] = []
    return json.dumps(data)


def _notebook(id: str, source: str, file: Path, text: str) -> Submission:
    import nbformat

    try:
        notebook = nbformat.reads(_stripped(text), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for bad JSON and bad schemas
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
        return Submission(id, source, file, problems=(Problem.keyed(
            "corrupt_notebook", "problem.corrupt_notebook", error=error),))
    cells, trees = [], []
    for index, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        code = ipython_to_python(str(cell.get("source", "")))
        if code is None:
            continue
        label = f"cell {index}"
        filename = f"<{file.name} {label}>"
        try:
            trees.append(ast.parse(code, filename))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass  # the harness reports the cell and runs the next ones, as Jupyter would
        cells.append({"label": label, "filename": filename, "source": code})
    if not cells:
        return Submission(id, source, file, problems=(Problem.keyed("no_code", "problem.no_code_cells"),))
    return Submission(id, source, file, plan={"kind": "cells", "cells": cells}, trees=tuple(trees))


def cells_defining(plan: dict, name: str) -> set[str]:
    """The labels of the notebook cells (a plan of ``"cells"``) that define ``name`` at their top level.

    Read from the text, so that a cell with a syntax error counts too: when a cell that raised defines the
    name, the error explains why it is missing; when none does, the student has not written it.
    """
    pattern = re.compile(rf"^(?:(?:async\s+)?def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*(?::[^=\n]*)?=(?!=)",
                         re.MULTILINE)
    return {cell["label"] for cell in plan.get("cells", ()) if pattern.search(cell["source"])}
