"""Errors that know how to print themselves and which exit status they mean."""

from __future__ import annotations

import click


class UsageProblem(click.ClickException):
    """The command line asks for something that cannot be done (exit status 2)."""

    exit_code = 2


class SetupProblem(click.ClickException):
    """The grader cannot run here as asked: missing hidden tests, no sandbox (exit status 3)."""

    exit_code = 3


class SandboxRefused(SetupProblem):
    """``grader grade`` will not run student code without every sandbox layer, unless told to (exit status 3)."""

    def __init__(self, reason: str):
        super().__init__(
            f"refusing to grade: {reason}.\n"
            "Student code would run with weaker isolation than the sandbox promises (see SECURITY.md). "
            "Grade as root on Linux, or pass --allow-weak-sandbox to grade anyway; each result.json then "
            "records under `isolation` which layers were off.")


class StateProblem(click.ClickException):
    """The gradebook or the --out folder cannot be used as asked: locked, corrupt, from a newer grader or
    another assignment, a full disk (exit status 4).  Nothing already recorded is lost."""

    exit_code = 4


class Interrupted(click.ClickException):
    """Ctrl-C: what finished is kept, and the message says how to resume (exit status 130, as for SIGINT)."""

    exit_code = 130

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


class ExportRefused(click.ClickException):
    """``grader export`` found students it cannot map onto the roster (exit status 5): nothing was written."""

    exit_code = 5

    def __init__(self, problems: list[str]):
        super().__init__(
            "nothing written: " + str(len(problems)) + " problem(s) mapping grades onto the roster:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nFix the roster or the downloads, or pass --allow-unmatched to write the grades that did match.")
