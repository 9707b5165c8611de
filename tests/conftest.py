"""Shared fixtures: one warm grader per assignment and visibility per session, since a template process costs
seconds to start, and the reference graded once."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from grader.assignment import find
from grader.engine import ALL, PUBLIC, Grader, Job

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"

# Replay records of this run only: the suite must not read what an earlier run (or another checkout) left in
# the user's cache, nor leave its own there.  Set before any grader starts; a run may still choose a folder.
if "GRADER_REPLAY_DIR" not in os.environ:
    os.environ["GRADER_REPLAY_DIR"] = tempfile.mkdtemp(prefix="grader-test-replay-")
    atexit.register(shutil.rmtree, os.environ["GRADER_REPLAY_DIR"], ignore_errors=True)


def corpus_manifest() -> list[dict]:
    return tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["submission"]


@pytest.fixture(scope="session")
def assignment():
    return find("conv-layer", ROOT)


@pytest.fixture(scope="session")
def graders() -> Callable[[str], Grader]:
    """name -> a warm grader of that assignment with public and hidden checks, started on first use."""
    started: dict[str, Grader] = {}

    def get(name: str) -> Grader:
        if name not in started:
            started[name] = Grader(find(name, ROOT), visibilities=ALL).__enter__()
        return started[name]

    yield get
    for grader in started.values():
        grader.__exit__(None, None, None)


@pytest.fixture(scope="session")
def reference_result(graders) -> Callable[[str], object]:
    """name -> the result of grading that assignment's reference with public and hidden checks (graded once)."""
    results = {}

    def get(name: str):
        if name not in results:
            grader = graders(name)
            path = ROOT / "reference" / f"{grader.assignment.expected_stem}.py"
            results[name] = grader.grade(Job(path, path.stem, str(path)))
        return results[name]

    return get


@pytest.fixture(scope="session")
def grader_all(graders):
    return graders("conv-layer")


@pytest.fixture(scope="session")
def grader_public(assignment):
    with Grader(assignment, visibilities=PUBLIC) as grader:
        yield grader


def grader_command() -> list[str]:
    """The installed ``grader`` script, as users run it."""
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]


@pytest.fixture(scope="session")
def student_install(tmp_path_factory) -> Path:
    """The package as students get it: the built wheel, installed into a folder of its own."""
    folder = tmp_path_factory.mktemp("student")
    # Built from a copy: an in-tree build leaves build/ behind, and a stale build/ would leak into later wheels.
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                                 ".pytest_cache", ".hypothesis"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(folder / "dist")], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    [wheel] = (folder / "dist").glob("grader-*.whl")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                                str(folder / "site"), str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    return folder


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
