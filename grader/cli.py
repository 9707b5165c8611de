"""The command line: thin Click declarations over the engine's functions."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from grader import engine, messages
from grader.assignment import AssignmentError, all_assignments, find
from grader.errors import SandboxRefused, SetupProblem, UsageProblem
from grader.reports import csv_report, html_report, isolation, json_report, summary_report, terminal
from grader.sandbox.workers import Limits, SandboxError, WeakSandbox

DEFAULT_ASSIGNMENT = "conv-layer"

existing_path = click.Path(exists=True, path_type=Path)
course_option = click.option("--course", type=click.Path(exists=True, file_okay=False, path_type=Path),
                             help="The instructor's course folder (with assignments/ and reference/).")
lang_option = click.option("--lang", type=click.Choice(messages.LANGS), default=None,
                           help="Language of the reports (default: from the locale, else English).")
assignment_option = click.option("--assignment", "-a", default=DEFAULT_ASSIGNMENT, show_default=True,
                                 help="Which assignment to grade against (see `grader list`).")


@click.group()
@click.version_option(package_name="grader")
def main() -> None:
    """Autograder for the Image Convolution chapter of Dive into Deep Learning."""
    # Reports use ✓, ✗ and Chinese; a console or file in a narrower encoding (Windows' cp1252 when
    # redirected) shows "?" for them instead of ending the check with a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


@main.command()
@click.argument("path", type=existing_path)
@assignment_option
@course_option
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the result as JSON to this file.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as one self-contained HTML file.")
@lang_option
@click.option("--color/--no-color", default=None, help="Colour the summary (default: when printing to a terminal).")
def check(path: Path, assignment: str, course: Path | None, json_path: Path | None, html_path: Path | None,
          lang: str | None, color: bool | None) -> None:
    """Run the public checks on a submission (a .py file, a notebook, or a folder)."""
    try:
        spec = find(assignment, course)
        result = engine.check(path, assignment=spec)
        cat = messages.catalogue(lang, spec)
    except AssignmentError as exc:
        raise UsageProblem(str(exc)) from None
    except SandboxError as exc:
        raise SetupProblem(str(exc)) from None
    if json_path is not None:
        json_report.write(result, json_path)
    if html_path is not None:
        html_report.write(result, html_path, cat)
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(terminal.render(result, cat, color=use_color))
    if html_path is not None:
        click.echo(cat.text("terminal.html_written", path=html_path))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=existing_path)
@assignment_option
@course_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for DIR/<id>/result.json and report.html, DIR/grades.csv and DIR/summary.html.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Parallel graders (default: the number of cores).")
@click.option("--allow-weak-sandbox", is_flag=True,
              help="Grade even if this machine cannot provide every sandbox layer (each result.json records "
                   "which were off). Without it, grade refuses.")
@lang_option
def grade(paths: tuple[Path, ...], assignment: str, course: Path | None, out_dir: Path, jobs: int | None,
          allow_weak_sandbox: bool, lang: str | None) -> None:
    """Grade submissions with the public and hidden checks (what an instructor runs)."""
    try:
        spec = find(assignment, course)
        if not spec.has_hidden:
            raise SetupProblem(
                f"the hidden tests and reference of {assignment!r} are not here: grade from the instructor's "
                "checkout (the folder with assignments/ and reference/), or pass --course DIR")
    except AssignmentError as exc:
        raise UsageProblem(str(exc)) from None
    cat = messages.catalogue(lang, spec)
    jobs_list = engine.jobs_for(list(paths))
    if not jobs_list:
        raise UsageProblem("no submissions found in " + ", ".join(str(p) for p in paths))

    warned = []

    def written(result) -> None:
        try:
            json_report.write(result, out_dir / result.submission / "result.json")
            html_report.write(result, out_dir / result.submission / "report.html", cat)
        except OSError as exc:  # one submission's files cost that submission only, never the batch's outputs
            click.echo(f"{result.submission}: cannot write its result ({exc})", err=True)
        if isolation.layers_off(result.isolation) and not warned:
            warned.append(True)
            click.echo(cat.text("terminal.warning", text=isolation.summary(result.isolation, cat)), err=True)
        click.echo(terminal.progress_line(result, cat), err=True)

    try:
        results = engine.grade_batch(jobs_list, assignment=spec, workers=jobs or engine.default_workers(),
                                     limits=Limits(strict=not allow_weak_sandbox), on_result=written)
    except WeakSandbox as exc:
        raise SandboxRefused(str(exc)) from None
    except SandboxError as exc:
        raise SetupProblem(str(exc)) from None
    csv_report.write(results, [e.name for e in spec.exercises], out_dir / "grades.csv")
    summary_report.write(results, out_dir / "summary.html", cat)
    click.echo(cat.text("terminal.graded", n=len(results), path=out_dir / "grades.csv"))
    click.echo(cat.text("terminal.summary_written", path=out_dir / "summary.html"))


@main.command("list")
@course_option
def list_(course: Path | None) -> None:
    """List the assignments, their exercises and points."""
    try:
        assignments = all_assignments(course)
    except AssignmentError as exc:
        raise UsageProblem(str(exc)) from None
    for assignment in assignments:
        hidden = "public and hidden checks" if assignment.has_hidden else "public checks only"
        click.echo(f"{assignment.name}: {assignment.title} ({assignment.max_score:g} points, {hidden})")
        for exercise in assignment.exercises:
            click.echo(f"  {exercise.name:<26} {exercise.points:>4g}  {exercise.title}")


if __name__ == "__main__":
    main()
