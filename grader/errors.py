"""The grader's own errors: one root, ``GraderError``, and a class per exit status.

Each knows its exit status and how to print itself (they are Click exceptions,
so a command that raises one ends with its message and status).  Errors the
grader's modules raise in their own terms (a locked gradebook, a missing
sandbox layer) become one of these in one place, ``grader.cli.EXIT_STATUS``.
Student code's exceptions are never these: they end in a submission's result.
"""

from __future__ import annotations

import click


class GraderError(click.ClickException):
    """The root of the grader's own errors (exit status 1 unless a subclass says otherwise)."""

    def __reduce__(self):  # a Dask worker's error crosses to the client pickled: the same class, the same message
        return _rebuilt, (type(self), self.message)


def _rebuilt(cls: type[GraderError], message: str) -> GraderError:
    error = cls.__new__(cls)
    GraderError.__init__(error, message)  # not cls.__init__: a subclass may build its message from other arguments
    return error


class UsageProblem(GraderError):
    """The command line asks for something that cannot be done (exit status 2)."""

    exit_code = 2


class AssignmentError(UsageProblem):
    """An assignment cannot be found or is incomplete; the message says what to do (exit status 2)."""


class Stale(GraderError):
    """A ``--check`` found files that differ from what the command would write (exit status 1, as ``diff`` does)."""

    exit_code = 1


class SetupProblem(GraderError):
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


class StateProblem(GraderError):
    """The gradebook or the --out folder cannot be used as asked: locked, corrupt, from a newer grader or
    another assignment, a full disk (exit status 4).  Nothing already recorded is lost."""

    exit_code = 4


class ExportRefused(GraderError):
    """``grader export`` found students it cannot map onto the roster (exit status 5): nothing was written."""

    exit_code = 5

    def __init__(self, problems: list[str]):
        super().__init__(
            "nothing written: " + str(len(problems)) + " problem(s) mapping grades onto the roster:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nFix the roster or the downloads, or pass --allow-unmatched to write the grades that did match.")


class Interrupted(GraderError):
    """Ctrl-C: what finished is kept, and the message says how to resume (exit status 130, as for SIGINT)."""

    exit_code = 130

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)
