"""Shared fixtures: one warm grader per session, since a template process costs seconds to start."""

from __future__ import annotations

import tomllib
from pathlib import Path

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
