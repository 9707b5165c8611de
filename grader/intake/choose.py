"""Choosing the file to grade when a submission holds several (a notebook and a helper, two attempts, a PDF).

The file the assignment expects by name, else the one code file that defines
the most of the assignment's names at its top level (read with ``ast``,
never run); the result says which was chosen and why.  When no single file
stands out, the submission's result says so instead.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from grader.intake.found import Candidate
from grader.submission import MAX_BYTES, Problem, ipython_to_python

_LISTED = 5  # file names a message lists before "..."
MAX_SCANNED = 50


@dataclass(frozen=True)
class Choice:
    file: Candidate | None
    note: Problem | None = None  # which file was chosen, and why (None when there was only one)
    problem: Problem | None = None  # why none could be chosen


def _names(candidates: Sequence[Candidate]) -> str:
    names = [c.name for c in candidates[:_LISTED]]
    return ", ".join(names) + (", ..." if len(candidates) > _LISTED else "")


def choose(files: Sequence[Candidate], *, expected_stem: str, names: Sequence[str]) -> Choice:
    code = sorted((f for f in files if f.is_code), key=lambda f: (f.name.count("/"), f.name))
    if len(code) == 1:
        return Choice(code[0])
    if not code:
        others = [f for f in files if not f.is_code]
        if others:
            return Choice(None, problem=Problem.keyed("no_code", "problem.no_code_among", names=_names(others)))
        return Choice(None, problem=Problem.keyed("no_code", "problem.no_code_file"))
    by_name = [f for f in code if f.match_stem == expected_stem]
    if len(by_name) == 1:
        chosen, others = by_name[0], [f for f in code if f is not by_name[0]]
        return Choice(chosen, note=Problem.keyed("chosen_file", "note.chosen_by_name", file=chosen.name,
                                                 others=_names(others)))
    pool = by_name or code
    # Each file scanned is parsed: a folder of hundreds of code files is not one submission anyway.
    counts = {id(f): defined(f, names) if len(pool) <= MAX_SCANNED else 0 for f in pool}
    best = max(counts.values())
    top = [f for f in pool if counts[id(f)] == best]
    if best > 0 and len(top) == 1:
        chosen, others = top[0], [f for f in code if f is not top[0]]
        return Choice(chosen, note=Problem.keyed("chosen_file", "note.chosen_by_names", file=chosen.name, n=best,
                                                 total=len(names), others=_names(others)))
    return Choice(None, problem=Problem.keyed("no_code", "problem.several_files", names=_names(pool),
                                              file=f"{expected_stem}.py"))


def defined(file: Candidate, names: Sequence[str]) -> int:
    """How many of ``names`` ``file`` defines at its top level (0 when it cannot be read as Python)."""
    return len(top_level_names(file) & set(names))


def top_level_names(file: Candidate) -> set[str]:
    """The names ``file`` defines at its top level, in a notebook in any code cell (read with ``ast``, never run)."""
    try:
        if file.path is None or file.path.stat().st_size > MAX_BYTES:
            return set()
        text = file.path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return set()
    sources = [text]
    if file.name.lower().endswith(".ipynb"):
        sources = _notebook_sources(text)
    found: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        found |= _top_level(tree)
    return found


def _notebook_sources(text: str) -> list[str]:
    import json

    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError, RecursionError):
        return []
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code = ipython_to_python("".join(source) if isinstance(source, list) else str(source))
            if code is not None:
                sources.append(code)
    return sources


def _top_level(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names
