"""The Hypothesis patch that makes inputs depend on the seed alone, and its check at start-up (grader.seeded)."""

from __future__ import annotations

import pytest
from hypothesis.internal.conjecture import providers

import grader.runner  # noqa: F401  (applies the patch, as every grading process does)
from grader import seeded


def test_the_pinned_hypothesis_is_patched_and_nothing_is_said(recwarn):
    assert seeded.ignore_local_constants() is None and not recwarn.list
    constants = providers._get_local_constants()
    assert (len(constants.integers), len(constants.floats), len(constants.strings)) == (0, 0, 0)


def test_a_hypothesis_without_the_private_api_is_reported_loudly(monkeypatch):
    monkeypatch.delattr(providers, "_get_local_constants")
    with pytest.warns(seeded.UnreproducibleExamples, match="_get_local_constants is missing"):
        problem = seeded.ignore_local_constants()
    assert "counterexamples may differ" in problem and "6.170.17" in problem  # the version installed is named
    monkeypatch.undo()
    assert seeded.ignore_local_constants() is None


def test_a_changed_constants_class_is_reported(monkeypatch):
    from hypothesis.internal import constants_ast

    monkeypatch.setattr(constants_ast, "Constants", lambda **kwargs: (_ for _ in ()).throw(TypeError("new field")))
    with pytest.warns(seeded.UnreproducibleExamples, match="Constants changed"):
        assert seeded.ignore_local_constants() is not None
    monkeypatch.undo()
    assert seeded.ignore_local_constants() is None


def test_the_command_line_says_so_on_stderr():
    import subprocess
    import sys

    script = ("from hypothesis.internal.conjecture import providers\n"
              "del providers._get_local_constants\n"
              "from grader import cli\n"
              "cli.main(['list'])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "UnreproducibleExamples: Hypothesis" in done.stderr and "counterexamples may differ" in done.stderr
    assert "conv-layer" in done.stdout  # a warning, not a refusal: the grader still runs
