"""The command line: thin Click declarations over the engine's functions."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from grader import batch, engine, exports, intake, messages
from grader.assignment import Assignment, all_assignments, find
from grader.errors import (ExportRefused, GraderError, Interrupted, SandboxRefused, SetupProblem, Stale, StateProblem,
                           UsageProblem)
from grader.exports import github_classroom, gradescope, late
from grader.gradebook import Gradebook
from grader.intake import recognise
from grader.reports import html_report, json_report, ledger, progress, terminal
from grader.sandbox.workers import Limits

# The one place where errors the grader's modules raise in their own terms become an exit status (grader.errors):
# (module, class, what it becomes), the first that matches wins.  By name, so that a command that never imports
# a module (the audit, the Gradescope bundle) does not pay for importing it here: its errors cannot occur then.
EXIT_STATUS: tuple[tuple[str, str, type[GraderError]], ...] = (
    ("grader.sandbox.workers", "WeakSandbox", SandboxRefused),
    ("grader.sandbox.workers", "SandboxError", SetupProblem),
    ("grader.gradebook", "GradebookError", StateProblem),
    ("grader.batch", "BatchError", StateProblem),
    ("grader.audit.grading", "AuditError", SetupProblem),
    ("grader.exports.bundle", "BundleError", SetupProblem),
    ("grader.exports.late", "PenaltyError", UsageProblem),
    ("grader.exports.sheet", "SheetError", UsageProblem),
    ("grader.exports", "ExportError", UsageProblem),
    ("grader.exports.graded", "SourceError", UsageProblem),
)


def as_grader_error(exc: BaseException) -> GraderError | None:
    """``exc`` as the grader's error of its exit status (see ``EXIT_STATUS``); None when it is none of them."""
    if isinstance(exc, GraderError):
        return exc
    for module, name, becomes in EXIT_STATUS:
        kind = getattr(sys.modules.get(module), name, None)
        if isinstance(kind, type) and isinstance(exc, kind):
            return becomes(str(exc))
    return None


class Commands(click.Group):
    """The ``grader`` group: a command's error becomes its exit status and message here, not in each command."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as exc:
            error = as_grader_error(exc)
            if error is None:
                raise
            raise error from None


existing_path = click.Path(exists=True, path_type=Path)
course_option = click.option("--course", type=click.Path(exists=True, file_okay=False, path_type=Path),
                             help="The instructor's course folder (with assignments/ and reference/).")
lang_option = click.option("--lang", type=click.Choice(messages.LANGS), default=None,
                           help="Language of the reports (default: from the locale, else English).")
assignment_option = click.option("--assignment", "-a", default=None,
                                 help="Which assignment to grade against (see `grader list`); by default the one "
                                      "whose names the files define.")
for_students_option = click.option(
    "--for-students", is_flag=True,
    help="Write only what students may see: hidden checks' verdicts without their inputs, counterexamples, "
         "expected values or the printed output of their code.")


@click.group(cls=Commands)
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
@click.option("--github-classroom", "classroom", is_flag=True,
              help="Also write the result GitHub Classroom's reporter totals, as the step output `result` "
                   "in $GITHUB_OUTPUT (see docs/github-classroom.md).")
def check(path: Path, assignment: str | None, course: Path | None, json_path: Path | None, html_path: Path | None,
          lang: str | None, color: bool | None, classroom: bool) -> None:
    """Run the public checks on a submission (a .py file, a notebook, or a folder)."""
    spec = chosen(assignment, course, lambda: intake.candidates(path) if path.is_dir() else
                  [intake.Candidate(path, path.name, str(path))], what=str(path), lang=lang)
    result = engine.check(path, assignment=spec)
    cat = messages.catalogue(lang, spec)
    if json_path is not None:
        json_report.write(result, json_path)
    if html_path is not None:
        html_report.write(result, html_path, cat)
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(terminal.render(result, cat, color=use_color))
    if html_path is not None:
        click.echo(cat.text("terminal.html_written", path=html_path))
    if classroom:
        data = github_classroom.result(result, spec, cat)
        if github_classroom.write_output(data) is None:  # not in GitHub Actions: show what the step would output
            click.echo(f"{github_classroom.OUTPUT_NAME}={github_classroom.encoded(data)}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=existing_path)
@assignment_option
@course_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for DIR/<id>/result.json and report.html, DIR/grades.csv and DIR/summary.html.")
@click.option("--gradebook", "gradebook_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The gradebook to record into and resume from (default: DIR/gradebook.sqlite); "
                   "share one across several runs.")
@click.option("--regrade", is_flag=True, help="Grade every submission again, even those graded and unchanged.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Parallel graders (default: the number of cores).")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Grade on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT) instead of "
                   "here; needs `pip install 'grader[dask]'` here and on the workers. -j is then ignored.")
@click.option("--allow-weak-sandbox", is_flag=True,
              help="Grade even if this machine cannot provide every sandbox layer (each result.json records "
                   "which were off). Without it, grade refuses.")
@click.option("--for-students", is_flag=True,
              help="Also write DIR/for-students/<id>/ (result.json, report.html): what a student may see, the "
                   "hidden checks' verdicts without their inputs, counterexamples or the printed output.")
@click.option("--lms", type=click.Choice(intake.LMS), default=None,
              help="Read archives and folders as this LMS's download (default: detected from their names).")
@lang_option
def grade(paths: tuple[Path, ...], assignment: str | None, course: Path | None, out_dir: Path,
          gradebook_path: Path | None, regrade: bool, jobs: int | None, dask_address: str | None,
          allow_weak_sandbox: bool,
          for_students: bool, lms: str | None, lang: str | None) -> None:
    """Grade submissions with the public and hidden checks (what an instructor runs).

    PATHS are files, folders, or the zip an LMS gives for download (Canvas, Moodle, Gradescope, or a plain zip).
    Every result is recorded in the gradebook as it finishes; running the same command again grades
    only what is new or changed.
    """
    spec = find(assignment, course) if assignment is not None else None
    if spec is not None:
        require_hidden(spec)
    # Archives stay extracted (in a private folder) until the command ends.
    found = click.get_current_context().with_resource(intake.opened(list(paths), lms=lms))
    if spec is None:
        spec = chosen(None, course, lambda: [c for f in found for c in f.files], what=", ".join(map(str, paths)),
                      lang=lang)
        require_hidden(spec)
    cat = messages.catalogue(lang, spec)
    jobs_list = engine.jobs_from(found, assignment=spec)
    if not jobs_list:
        raise UsageProblem("no submissions found in " + ", ".join(str(p) for p in paths))
    book_path = gradebook_path or batch.default_gradebook(out_dir)
    if dask_address is not None:
        try:
            from grader.cluster import DaskBackend  # imports distributed: only when asked for
        except ModuleNotFoundError as exc:
            raise SetupProblem(f"--dask needs {exc.name}: pip install 'grader[dask]'") from None
        backend = DaskBackend(dask_address)
    else:
        backend = engine.LocalBackend(jobs or engine.default_workers())
    batch.refuse_foreign_out(out_dir, spec.name)  # before a gradebook is created in it
    with Gradebook.open(book_path, assignment=spec.name) as book:
        outcome = batch.grade_course(jobs_list, assignment=spec, backend=backend, book=book, out_dir=out_dir,
                                     cat=cat, progress=progress.for_stream(cat),
                                     limits=Limits(strict=not allow_weak_sandbox), regrade=regrade)
        if for_students:
            folder = exports.write_student_copies((r.result for r in book.iter_latest(spec.name)), out_dir, cat)
            click.echo(f"reports for students (no hidden inputs) in {folder}")
    for unwritten in outcome.unwritten:
        click.echo(unwritten, err=True)
    if outcome.interrupted:
        raise Interrupted(cat.text("terminal.interrupted", graded=outcome.graded, book=book_path))
    click.echo(cat.text("terminal.batch_done", graded=outcome.graded, kept=outcome.kept, path=out_dir / "grades.csv"))
    click.echo(cat.text("terminal.summary_written", path=out_dir / batch.SUMMARY_NAME))


def chosen(name: str | None, course: Path | None, files, *, what: str, lang: str | None = None) -> Assignment:
    """The assignment named, else the one whose names ``files()`` define (said on stderr; see grader.intake.recognise)."""
    if name is not None:
        return find(name, course)
    found = recognise.recognise(files(), all_assignments(course), what=what)
    click.echo(messages.catalogue(lang).text(found.key, **found.args), err=True)
    return found.assignment


def require_hidden(spec: Assignment) -> None:
    if not spec.has_hidden:
        raise SetupProblem(
            f"the hidden tests and reference of {spec.name!r} are not here: grade from the instructor's "
            "checkout (the folder with assignments/ and reference/), or pass --course DIR")


@main.command("gradebook")
@click.argument("out_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--gradebook", "gradebook_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The gradebook file (default: DIR/gradebook.sqlite).")
@click.option("--student", default=None, help="Every attempt of one student (submission id or LMS student id).")
def gradebook_(out_dir: Path | None, gradebook_path: Path | None, student: str | None) -> None:
    """The class at a glance: each student's latest score and status, or one student's attempts."""
    if gradebook_path is None:
        if out_dir is None:
            raise UsageProblem("give the --out folder of `grader grade`, or --gradebook FILE")
        gradebook_path = batch.default_gradebook(out_dir)
    with Gradebook.open(gradebook_path, create=False) as book:
        if student is None:
            for line in ledger.class_lines(book):
                click.echo(line)
            return
        keys = book.keys_of_student(student)
        if not keys:
            raise UsageProblem(f"no submission of {student!r} in {gradebook_path}")
        for key in keys:
            for line in ledger.attempt_lines(book.attempts(key)):
                click.echo(line)


@main.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(exports.FORMATS),
              help="The LMS or tool the file is for.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The file to write (gradescope: results.json for one submission, else a folder).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="canvas: the gradebook CSV exported from Canvas; moodle: the grading worksheet.")
@click.option("--column", help='canvas: the assignment column to fill, as in the roster: "Title (12345)".')
@click.option("--missing", type=click.Choice(["blank", "zero"]), default="blank", show_default=True,
              help="Roster students without a submission: left blank (no change in the LMS) or given 0.")
@click.option("--late-penalty", help="Percent off late work, flat ('10%') or per day late ('10%/day').")
@click.option("--due", help="The due date (ISO-8601), to count days late and spot late work the download did not mark.")
@click.option("--allow-unmatched", is_flag=True,
              help="Write the grades that matched even if some did not (they are still listed).")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the grades from this gradebook instead of FOLDER/<id>/result.json.")
@click.option("--hidden-visibility", type=click.Choice(gradescope.VISIBILITIES),
              default="after_published", show_default=True,
              help="gradescope: when students see the hidden checks' tests (before publication: without inputs).")
@click.option("--granularity", type=click.Choice(gradescope.GRANULARITIES), default="check", show_default=True,
              help="gradescope: a test per check or per exercise.")
@click.option("--output-format", type=click.Choice(gradescope.OUTPUT_FORMATS), default="md", show_default=True,
              help="gradescope: how test output is written.")
@click.option("--gradescope-metadata", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="gradescope: submission_metadata.json, for who submitted and whether it was late.")
@for_students_option
@click.option("--lang", type=click.Choice(messages.LANGS), default=None,
              help="Language of the feedback students read (default: a Moodle worksheet's own language where "
                   "the grader has it, else the locale's, else English).")
@assignment_option
@course_option
def export_(folder: Path, fmt: str, out: Path, roster: Path | None, column: str | None, missing: str,
            late_penalty: str | None, due: str | None, allow_unmatched: bool, gradebook: Path | None,
            hidden_visibility: str, granularity: str, output_format: str, gradescope_metadata: Path | None,
            for_students: bool, lang: str | None, assignment: str | None, course: Path | None) -> None:
    """Write the grades in FOLDER (grade's --out) as the LMS imports them; never grades again."""
    if assignment is not None:
        spec = find(assignment, course)
    else:
        held = recognise.recorded(folder, gradebook or batch.default_gradebook(folder), result_name=batch.RESULT_NAME)
        found = recognise.recorded_or_only(held, all_assignments(course), what=str(folder))
        click.echo(messages.catalogue(None).text(found.key, **found.args), err=True)
        spec = found.assignment
    options = exports.Options(
        roster=roster, column=column, missing_zero=missing == "zero",
        late_penalty=late.LatePenalty.parse(late_penalty) if late_penalty else None, due=late.parse_due(due),
        for_students=for_students, hidden_visibility=hidden_visibility, granularity=granularity,
        output_format=output_format, lang=lang)
    outcome = exports.export(folder, fmt=fmt, assignment=spec, out=out, options=options,
                             allow_unmatched=allow_unmatched, gradebook=gradebook,
                             gradescope_metadata=gradescope_metadata)
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)
    if outcome.refused:
        raise ExportRefused(outcome.problems)
    for problem in outcome.problems:
        click.echo(f"not exported: {problem}", err=True)
    for path in outcome.written:
        click.echo(f"wrote {path}")


@main.command("gradescope-bundle")
@assignment_option
@course_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to upload in Gradescope's Configure Autograder (it holds the hidden checks).")
@click.option("--torch-index", default="https://download.pytorch.org/whl/cpu", show_default=True,
              help="Where setup.sh installs torch from (empty: pip's own configuration).")
@click.option("--hidden-visibility", type=click.Choice(gradescope.VISIBILITIES),
              default="after_published", show_default=True, help="When students see the hidden checks' tests.")
@click.option("--granularity", type=click.Choice(gradescope.GRANULARITIES), default="check", show_default=True,
              help="A Gradescope test per check or per exercise.")
@click.option("--late-penalty", help="Percent off work submitted after Gradescope's due date, flat ('10%') or per "
                                     "day late ('10%/day').")
def gradescope_bundle(assignment: str | None, course: Path | None, out: Path, torch_index: str, hidden_visibility: str,
                      granularity: str, late_penalty: str | None) -> None:
    """Write the autograder zip for Gradescope (for the instructor's Gradescope account only)."""
    from grader.exports import bundle

    spec = find(assignment, course) if assignment is not None else recognise.only(all_assignments(course))
    if late_penalty:
        late.LatePenalty.parse(late_penalty)  # refused now, not in Gradescope for every submission
    bundle.write(spec, out, torch_index=torch_index, hidden_visibility=hidden_visibility,
                 granularity=granularity, late_penalty=late_penalty)
    click.echo(f"wrote {out}: upload it in Gradescope's Configure Autograder; it holds the hidden checks and "
               "the reference, so keep it off anything students can reach")


@main.command()
@click.argument("assignment_name", metavar="ASSIGNMENT")
@course_option
@click.option("--max-mutants", type=click.IntRange(min=1), default=None,
              help="Grade at most N mutants, sampled evenly across operators and exercises (the same ones every run).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Parallel graders (default: the number of cores).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the audit as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the audit as one self-contained HTML page.")
@click.option("--gradebook", "gradebook_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the mutants' grades are recorded, so that an interrupted audit resumes "
                   "(default: .grader-audit/ASSIGNMENT.sqlite).")
@click.option("--allow-weak-sandbox", is_flag=True, help="Audit even if this machine cannot provide every sandbox layer.")
def audit(assignment_name: str, course: Path | None, max_mutants: int | None, jobs: int | None,
          json_path: Path | None, html_path: Path | None, gradebook_path: Path | None,
          allow_weak_sandbox: bool) -> None:
    """Grade wrong variants of the reference (mutants) to measure what the checks catch.

    Reports, per exercise, the mutants killed by the public and by the hidden checks, and each
    survivor (full marks from the hidden checks) with its diff.
    """
    from grader.audit import grading, html_page, report, table  # torch-free, but only this command needs them

    spec = find(assignment_name, course)
    try:
        grading.reference_path(spec)
    except grading.AuditError as exc:  # no reference to mutate: the command asks for what is not here
        raise UsageProblem(str(exc)) from None
    workers = jobs or engine.default_workers()
    book_path = gradebook_path or Path(".grader-audit") / f"{spec.name}.sqlite"
    with Gradebook.open(book_path, assignment=spec.name) as book:
        try:
            found = grading.run(spec, backend=engine.LocalBackend(workers), book=book, max_mutants=max_mutants,
                                limits=Limits(strict=not allow_weak_sandbox), workers=workers,
                                on_result=lambda r: click.echo(f"graded {r.submission}", err=True))
        except KeyboardInterrupt:
            raise Interrupted(f"audit interrupted: the mutants graded so far are kept in {book_path}; "
                              "run the same command again to resume") from None
    if json_path is not None:
        report.write_json(found, json_path)
    if html_path is not None:
        html_page.write(found, html_path)
    click.echo(table.render(found))


@main.command("list")
@course_option
def list_(course: Path | None) -> None:
    """List the assignments, their exercises and points."""
    for assignment in all_assignments(course):
        hidden = "public and hidden checks" if assignment.has_hidden else "public checks only"
        click.echo(f"{assignment.name}: {assignment.title} ({assignment.max_score:g} points, {hidden})")
        for exercise in assignment.exercises:
            click.echo(f"  {exercise.name:<26} {exercise.points:>4g}  {exercise.title}")


@main.command("template")
@click.argument("assignment_name", metavar="ASSIGNMENT")
@course_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: the course's student_template/).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit with status 1 if the files there differ from what would be written (for CI).")
def template_(assignment_name: str, course: Path | None, out_dir: Path | None, check_only: bool) -> None:
    """Write the student template, ASSIGNMENT's <file>.py and .ipynb, from its reference solution.

    Each `# BEGIN SOLUTION` ... `# END SOLUTION` region of the reference becomes `raise NotImplementedError`;
    docstrings and comments are replaced by the exercise statements from the assignment's messages.
    """
    from grader import student_template  # only this command needs it

    spec = find(assignment_name, course)
    made = student_template.render(spec)
    folder = out_dir or student_template.default_folder(spec)
    if check_only:
        differing = student_template.stale(made, folder)
        if differing:
            raise Stale("\n".join(f"{path} differs from what `grader template {spec.name}` writes"
                                  for path in differing))
        click.echo(f"{folder}: the templates of {spec.name} are up to date")
        return
    for path in student_template.write(made, folder):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
