"""Folder keys under ``--out``: safe, distinct, and the LMS's student id when a name carries one."""

from __future__ import annotations

import re
from pathlib import Path

from grader.intake import canvas, gradescope, moodle


def natural_id(path: Path) -> str:
    """A submission's key from its own name: an LMS id when the name carries one, else the name without extension."""
    name = path.name
    stem = name if path.is_dir() else path.stem
    for parse in (gradescope.parse_folder, moodle.parse_top, canvas.parse_top):
        found = parse(name)
        if found is not None:
            return found.key
    return stem


def distinct_keys(keys: list[str], suffixes: list[str]) -> list[str]:
    """Distinct, safe keys in order: colliding ones take their file's suffix (``a-py``, ``a-ipynb``), then a counter.

    Keys are made safe before they are compared, so ``a b`` and ``a_b`` cannot end up sharing a folder.
    """
    natural = [safe_key(k) for k in keys]
    counts: dict[str, int] = {}
    for name in natural:
        counts[name] = counts.get(name, 0) + 1
    out, seen = [], set()
    for name, suffix in zip(natural, suffixes):
        candidate = name
        if counts[name] > 1 and suffix:
            candidate = safe_key(f"{name}-{suffix.lstrip('.')}")
        unique, n = candidate, 2
        while unique in seen:
            unique, n = f"{candidate}-{n}", n + 1
        seen.add(unique)
        out.append(unique)
    return out


def assign_ids(paths: list[Path]) -> list[str]:
    """Distinct ids for ``paths`` from their names (see ``distinct_keys``)."""
    return distinct_keys([natural_id(p) for p in paths], [p.suffix for p in paths])


def safe_key(name: str) -> str:
    # Keys become folder names under --out: keep them to a safe alphabet.  Never a dot: every file the grader
    # writes at the top of --out has one (grades.csv, summary.html, temporary and database files), so no key can
    # ever name one of them (SECURITY.md, "The grader's side of the wall").
    cleaned = re.sub(r"[^\w\-]+", "_", name).strip("_-") or "submission"  # no leading "-": a spreadsheet formula
    return cleaned[:100]
