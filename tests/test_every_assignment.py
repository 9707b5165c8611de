"""What holds for every assignment found, as the CLI finds them (``all_assignments``): a new assignment needs no
new line here.

Its reference scores full marks with public and hidden checks; its generated template loads cleanly and scores
0; the committed template is what ``grader template`` writes; every sentence its checks can show exists in
English and Chinese; ``grader list`` shows it; the wheel students install holds its public half and nothing of its
reference or hidden checks.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, grader_command
from grader import student_template
from grader.assignment import GRADER_DIR, Assignment, all_assignments
from grader.engine import ALL, Job
from grader.messages import LANGS, catalogue, template_fields
from grader.results import Status, Visibility

ASSIGNMENTS = all_assignments(ROOT)
every_assignment = pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.name for a in ASSIGNMENTS])


def test_the_course_has_the_assignments_it_ships():
    assert {"conv-layer", "conv-channels"} <= {a.name for a in ASSIGNMENTS}


# ---------------------------------------------------------------- graded: reference and template


@pytest.mark.slow
@every_assignment
def test_the_reference_scores_full_marks_with_public_and_hidden_checks(assignment, reference_result):
    result = reference_result(assignment.name)
    assert result.score == result.max_score == assignment.max_score, [
        (e.name, e.message) for e in result.exercises if e.status is not Status.PASSED]
    assert all(e.status is Status.PASSED for e in result.exercises)
    assert {t.visibility for e in result.exercises for t in e.tests} == {Visibility.PUBLIC, Visibility.HIDDEN}
    assert not result.load_issues


@pytest.mark.slow
@every_assignment
@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_the_generated_template_loads_cleanly_and_scores_zero(assignment, suffix, graders):
    path = ROOT / "student_template" / f"{assignment.expected_stem}{suffix}"
    result = graders(assignment.name).grade(Job(path, path.stem, str(path)))
    assert result.score == 0 and not result.load_issues
    assert {e.name: e.status for e in result.exercises} == {e.name: Status.NOT_IMPLEMENTED for e in assignment.exercises}


@every_assignment
def test_every_exercise_has_public_and_hidden_checks(assignment):
    public = {c.exercise for c in assignment.checks((Visibility.PUBLIC,))}
    hidden = {c.exercise for c in assignment.checks((Visibility.HIDDEN,))}
    assert public == hidden == {e.name for e in assignment.exercises}


# ---------------------------------------------------------------- the committed template


@every_assignment
def test_the_committed_templates_are_byte_for_byte_what_grader_template_writes(assignment):
    made = student_template.render(assignment)
    folder = ROOT / "student_template"
    for name, text in made.files().items():
        assert (folder / name).read_bytes() == text.encode("utf-8"), \
            f"student_template/{name} is stale: run `grader template {assignment.name}`"
    assert student_template.stale(made, folder) == []


# ---------------------------------------------------------------- every sentence in both languages

LIBRARY = "grader.tensorcheck"  # the shared check library, whose modules name mistakes and sentences too
NOT_CHECKS = {"messages.py", "audit.py", "probes.py", "__init__.py"}


def check_sources(assignment: Assignment) -> list[Path]:
    """Where ``assignment``'s checks are written: its folder's modules (hidden/ too) and the modules of the shared
    library they import, and those import (the library's codes an assignment does not use are not its own)."""
    own = sorted(p for p in assignment.folder.rglob("*.py") if p.name not in NOT_CHECKS or p.parent.name == "hidden")
    library: list[Path] = []
    todo = list(own)
    while todo:
        source = todo.pop()
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 1 and source in library:  # the library's own ``from . import compare``
                name = f"{LIBRARY}.{node.module}" if node.module else LIBRARY
            else:
                name = node.module or ""
            if name == LIBRARY or name.startswith(LIBRARY + "."):
                parts = name.split(".")[2:]
                for module in ([parts] if parts else [[alias.name] for alias in node.names]):
                    path = GRADER_DIR.joinpath("tensorcheck", *module).with_suffix(".py")
                    if path.is_file() and path not in library:
                        library.append(path)
                        todo.append(path)
    return own + sorted(library)


def calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and
            (getattr(node.func, "id", None) == name or getattr(node.func, "attr", None) == name)]


def keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_code(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.replace("_", "").isalpha() \
        and node.value.islower()


def diagnosis_codes(paths: list[Path]) -> set[str]:
    """Every diagnosis code the checks in ``paths`` can produce, read from their source: ``diagnosis="code"``
    and ``too_much="code"``, both codes of ``"a" if ... else "b"``, a returned code, and the first item of every
    ("code", "explanation", ...) tuple (named mistakes, diagnoses' returns)."""
    codes = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("diagnosis", "too_much") and is_code(node.value):
                codes.add(node.value.value)
            elif isinstance(node, ast.IfExp) and is_code(node.body) and is_code(node.orelse):
                codes |= {node.body.value, node.orelse.value}
            elif isinstance(node, ast.Return) and node.value is not None and is_code(node.value):
                codes.add(node.value.value)
            elif isinstance(node, ast.Tuple) and len(node.elts) >= 2 and is_code(node.elts[0]) and (
                    isinstance(node.elts[1], ast.JoinedStr) or
                    isinstance(node.elts[1], ast.Constant) and " " in str(node.elts[1].value)):
                codes.add(node.elts[0].value)
    return codes


def incomplete_messages(table: dict) -> list[str]:
    """The keys of a ``MESSAGES`` table without both languages, or whose two sentences take different fields."""
    return [key for key, entry in table.items() if set(entry) != set(LANGS) or not all(v.strip() for v in entry.values())
            or template_fields(entry["en"]) != template_fields(entry["zh"])]


def incomplete_diagnoses(table: dict) -> list[str]:
    """The codes of a ``DIAGNOSES`` table without a sentence and a different hint in both languages."""
    return [code for code, entry in table.items() if set(entry) != set(LANGS)
            or not all(sentence.strip() and hint.strip() and sentence != hint for sentence, hint in entry.values())]


@every_assignment
def test_its_catalogue_has_every_sentence_in_both_languages(assignment):
    own = importlib.import_module(f"{assignment.package}.messages")
    assert not incomplete_messages(own.MESSAGES)
    assert not incomplete_diagnoses(own.DIAGNOSES)
    assert set(getattr(own, "ASSIGNMENT_TITLE", LANGS)) == set(LANGS)


@every_assignment
def test_every_diagnosis_the_checks_can_name_is_explained_in_both_languages(assignment):
    codes = diagnosis_codes(check_sources(assignment))
    assert codes, "no diagnosis code found: the scan no longer sees how the checks name mistakes"
    for lang in LANGS:
        missing = {code for code in codes if catalogue(lang, assignment).diagnosis(code) is None}
        assert not missing, f"{lang}: no sentence for {sorted(missing)}"


@every_assignment
def test_every_message_key_the_checks_use_is_in_both_catalogues(assignment):
    missing = []
    for path in check_sources(assignment):
        for call in calls(path, "Mismatch"):
            key = keyword(call, "key")
            if key is None or not is_key(key):
                missing.append(f"{path.name}:{call.lineno}: a Mismatch without a literal key=")
                continue
            missing += [f"{path.name}:{call.lineno}: {lang}: {key.value}" for lang in LANGS
                        if not catalogue(lang, assignment).has(key.value)]
        for call in calls(path, "Phrase"):
            if call.args and is_key(call.args[0]):
                missing += [f"{path.name}:{call.lineno}: {lang}: {call.args[0].value}" for lang in LANGS
                            if not catalogue(lang, assignment).has(call.args[0].value)]
    assert not missing, missing


def is_key(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


@every_assignment
def test_every_check_title_exercise_and_policy_has_its_sentences(assignment):
    zh = catalogue("zh", assignment)
    for check in assignment.checks(ALL):
        assert zh.check_title(check.title) != check.title, f"no Chinese title for {check.title!r}"
    for exercise in assignment.exercises:
        assert zh.exercise_title(exercise.name) == exercise.title_zh
        for lang in LANGS:
            for part in ("description", "statement"):
                assert catalogue(lang, assignment).has(f"exercise.{exercise.name}.{part}"), (exercise.name, lang)
            if exercise.policy is not None:
                assert catalogue(lang, assignment).has(exercise.policy.phrase.key), (exercise.policy.name, lang)
        if exercise.policy is not None:
            assert zh.value(exercise.policy.phrase.plain()) != exercise.policy.message, exercise.policy.name


# ---------------------------------------------------------------- grader list


@pytest.fixture(scope="module")
def listed() -> str:
    done = subprocess.run([*grader_command(), "list"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@every_assignment
def test_grader_list_shows_it_with_its_exercises_and_points(assignment, listed):
    section = listed[listed.index(assignment.name):]
    assert f"{assignment.max_score:g} points" in section
    for exercise in assignment.exercises:
        assert exercise.name in section


# ---------------------------------------------------------------- the wheel students install


@pytest.fixture(scope="module")
def wheel_files(student_install) -> dict[str, str]:
    [wheel] = (student_install / "dist").glob("grader-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


@pytest.mark.slow
def test_the_wheel_holds_the_report_templates(wheel_files):
    for needed in ("grader/reports/templates/report.html.j2", "grader/reports/templates/style.css"):
        assert needed in wheel_files, f"the wheel lacks {needed}"


@pytest.mark.slow
@every_assignment
def test_the_wheel_holds_its_public_half_and_no_reference_or_hidden_checks(assignment, wheel_files):
    folder = f"grader_assignments/{assignment.folder.name}"
    for needed in ("public.py", "messages.py", "assignment.toml"):
        assert f"{folder}/{needed}" in wheel_files, f"the wheel lacks {folder}/{needed}"
    stem = f"{assignment.expected_stem}.py"
    assert not [n for n in wheel_files if "hidden" in n or n.startswith("reference")
                or stem == n.split("/")[-1] and "template" not in n]
    secrets = (ROOT / "reference" / stem).read_text(encoding="utf-8")
    for region in student_template.solution_regions(secrets):
        body = "\n".join(secrets.splitlines()[region.begin:region.end - 1])  # between the markers
        if len(body.strip()) > 40:  # long enough to be this solution's own
            leaked = [name for name, text in wheel_files.items() if body in text]
            assert not leaked, f"a solution region of {stem} is in {leaked}"
