"""Promises the repository makes about itself: the README's quick start and what CI runs."""

from __future__ import annotations

import re

from conftest import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)


def test_the_quick_start_is_two_commands_one_grading_one_testing():
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    grade, test = commands
    assert "pip install" in grade and "grader " in grade
    assert "pip install" in test and "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = quick_start_commands()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in script.splitlines()


def test_torch_is_pinned_exactly():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"torch==2.13.0"' in pyproject
    for command in quick_start_commands():
        assert "torch" not in command or "torch==2.13.0" in command
