"""Shared fixtures: one warm grader per session, since a template process costs seconds to start."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

from grader.assignment import find
from grader.engine import ALL, PUBLIC, Grader, Job

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"


def corpus_manifest() -> list[dict]:
    return tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["submission"]


@pytest.fixture(scope="session")
def assignment():
    return find("conv-layer", ROOT)


@pytest.fixture(scope="session")
def grader_all(assignment):
    with Grader(assignment, visibilities=ALL) as grader:
        yield grader


@pytest.fixture(scope="session")
def grader_public(assignment):
    with Grader(assignment, visibilities=PUBLIC) as grader:
        yield grader


def grade(grader: Grader, path: Path, id: str | None = None):
    return grader.grade(Job(path, id or path.stem, str(path)))


def by_name(result) -> dict:
    return {e.name: e for e in result.exercises}


def two_assignment_course(root: Path, spec: str) -> Path:
    """A course folder in ``root``: the checkout's assignments and reference, and beside conv-layer a second
    assignment, ``tiny_sums``, whose assignment.toml is ``spec`` (no assignment is special)."""
    shutil.copytree(ROOT / "assignments", root / "assignments", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "reference", root / "reference", ignore=shutil.ignore_patterns("__pycache__"))
    tiny = root / "assignments" / "tiny_sums"
    tiny.mkdir()
    (tiny / "__init__.py").write_text("", encoding="utf-8")
    (tiny / "assignment.toml").write_text(spec, encoding="utf-8")
    return root


def failing_cells_notebook(folder: Path) -> Path:
    """Cells that raise, one of them before it defines Conv2D; corr2d, after them, is correct."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# conv"),
                      nbformat.v4.new_code_cell('import torch\nraise RuntimeError("setup failed")'),
                      nbformat.v4.new_code_cell('raise ValueError("oops")\n\nclass Conv2D:\n    pass'),
                      nbformat.v4.new_code_cell("def corr2d(X, K):\n    h, w = K.shape\n"
                                                "    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))\n"
                                                "    for i in range(Y.shape[0]):\n        for j in range(Y.shape[1]):\n"
                                                "            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n    return Y")]
    nbformat.write(notebook, folder / "failing_cells.ipynb")
    return folder / "failing_cells.ipynb"
