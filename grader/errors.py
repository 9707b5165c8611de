"""Errors that know how to print themselves and which exit status they mean."""

from __future__ import annotations

import click


class UsageProblem(click.ClickException):
    """The command line asks for something that cannot be done (exit status 2)."""

    exit_code = 2


class SetupProblem(click.ClickException):
    """The grader cannot run here as asked: missing hidden tests, no sandbox (exit status 3)."""

    exit_code = 3
