"""Student templates generated from the reference (grader.student_template, ``grader template``)."""

from __future__ import annotations

import ast
import io
import json
import shutil
import subprocess
import textwrap
import tokenize
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, grader_command
from grader import student_template
from grader.assignment import all_assignments
from grader.student_template import TemplateError, module_text, notebook_text, solution_regions

ASSIGNMENTS = all_assignments(ROOT)
INTRO = "# Exercises\n\nDo them.\n"


def ids(assignments) -> list[str]:
    return [a.name for a in assignments]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*grader_command(), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def code_of(template: student_template.Template) -> list[str]:
    """Every line students receive, stripped: the module's and the notebook's."""
    notebook = nbformat.reads(template.notebook, as_version=4)
    text = template.module + "\n".join(c.source for c in notebook.cells)
    return [line.strip() for line in text.splitlines()]


def strip(source: str, **statements: str) -> str:
    return module_text(textwrap.dedent(source), filename="ref.py", statements=statements, intro=INTRO)


# ---------------------------------------------------------------- the committed templates
# (that they are what the command writes: tests/test_every_assignment.py)


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ids(ASSIGNMENTS))
def test_no_line_of_a_solution_region_and_no_reference_docstring_or_comment_reaches_students(assignment):
    reference = student_template.reference_path(assignment).read_text(encoding="utf-8")
    regions = solution_regions(reference)
    assert regions, "the reference marks no solution"
    lines = reference.splitlines()
    secret = {lines[n - 1].strip() for r in regions for n in range(r.begin + 1, r.end)}
    for node in ast.walk(ast.parse(reference)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node):
            secret |= {line.strip() for line in ast.get_docstring(node).splitlines()}
    secret = {line for line in secret if any(c.isalnum() for c in line)}  # a lone "]" may well recur
    comments = {t.string for t in tokenize.generate_tokens(io.StringIO(reference).readline)
                if t.type == tokenize.COMMENT and not t.string.startswith("# %%")}
    assert "super().__init__()" not in secret and len(secret) > 20 and comments
    received = code_of(student_template.render(assignment))
    assert not sorted(secret & set(received))
    assert not sorted(c for c in comments if any(c in line for line in received))


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ids(ASSIGNMENTS))
def test_each_exercise_gets_its_statement_in_both_languages_and_the_intro_its_points(assignment):
    made = student_template.render(assignment)
    tree = ast.parse(made.module)
    docs = {n.name: ast.get_docstring(n) for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    from grader.messages import catalogue
    en, zh = catalogue("en", assignment), catalogue("zh", assignment)
    for exercise in assignment.exercises:
        key = f"exercise.{exercise.name}.statement"
        assert docs[exercise.name] == f"{zh.text(key)}\n{en.text(key)}"
        assert f"`{exercise.name}(" in ast.get_docstring(tree) and f" | {exercise.points:g} |" in ast.get_docstring(tree)
    assert f"{assignment.max_score:g}" in ast.get_docstring(tree)


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ids(ASSIGNMENTS))
def test_the_notebook_has_stable_ids_named_after_the_exercises_and_the_module_code(assignment):
    made = student_template.render(assignment)
    notebook = nbformat.reads(made.notebook, as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].id == "intro"
    names = {e.name for e in assignment.exercises}
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert names <= {c.id for c in code}
    assert student_template.render(assignment) == made  # nothing random: the same bytes every time
    assert notebook_text(made.module) == made.notebook


# ---------------------------------------------------------------- stripping, on small references


def test_a_method_keeps_the_code_outside_its_region_and_loses_docstrings_and_comments():
    made = strip('''\
        # %%
        """How the reference works."""
        import torch  # the reference's remark


        # %%
        class Layer(torch.nn.Module):
            """Secret: a parameter of ones."""

            def __init__(self, n):
                """Secret: registers w."""
                super().__init__()  # must stay
                # BEGIN SOLUTION
                self.w = torch.nn.Parameter(torch.ones(n))  # secret remark
                # END SOLUTION
                self.ready = True

            def forward(self, x):
                # BEGIN SOLUTION
                return x * self.w
                # END SOLUTION

            def helper(self):
                """Only a docstring."""


        def square(x):
            # a note on the method
            s = "# BEGIN SOLUTION is text here, not a marker"
            # BEGIN SOLUTION
            return x ** 2
            # END SOLUTION
        ''', Layer="层。\nA layer.", square="平方。\nSquare x.")
    assert made == textwrap.dedent('''\
        # %%
        """# Exercises

        Do them.
        """
        import torch


        # %%
        class Layer(torch.nn.Module):
            """层。
            A layer.
            """

            def __init__(self, n):
                super().__init__()
                raise NotImplementedError
                self.ready = True

            def forward(self, x):
                raise NotImplementedError

            def helper(self):
                pass


        def square(x):
            """平方。
            Square x.
            """
            s = "# BEGIN SOLUTION is text here, not a marker"
            raise NotImplementedError
        ''')


def test_a_statement_is_inserted_after_a_header_that_spans_lines():
    made = strip('''\
        def f(a,
              b=3e-2) -> int:
            # BEGIN SOLUTION
            return a
            # END SOLUTION
        ''', f="题。\nTask.")
    assert 'b=3e-2) -> int:\n    """题。\n    Task.\n    """\n    raise NotImplementedError\n' in made


@pytest.mark.parametrize("source, words", [
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n    # END SOLUTION\n",
     "line 3: BEGIN SOLUTION inside the region begun at line 2"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "line 3: END SOLUTION without a BEGIN SOLUTION"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "line 2: BEGIN SOLUTION without an END SOLUTION"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "this one is at module level"),
    ("class A:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", "this one is in the body of class A"),
    ("def f():\n    return 1  # BEGIN SOLUTION\n", "a comment line of its own"),
    ("def f():\n    # BEGIN SOLUTION!\n    return 1\n    # END SOLUTION\n", "a comment line of its own"),
    ("def f(x):\n    if x:\n        # BEGIN SOLUTION\n        return 1\n        # END SOLUTION\n    return 0\n",
     "indented like the body of f (4 columns), not 8"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n        # END SOLUTION\n", "indented differently"),
    ("def f():\n    x = [\n    # BEGIN SOLUTION\n        1,\n    # END SOLUTION\n    ]\n    return x\n",
     "cuts the statement at lines 2-6"),
])
def test_a_badly_marked_reference_is_a_clear_error_naming_the_line(source, words):
    with pytest.raises(TemplateError, match="ref.py, line"):
        try:
            module_text(source, filename="ref.py", statements={}, intro=INTRO)
        except TemplateError as exc:
            assert words in str(exc)
            raise


def course_copy(folder: Path, reference: str, messages: str | None = None) -> Path:
    """A course folder of its own (an imported assignment is cached by its folder)."""
    shutil.copytree(ROOT / "assignments", folder / "assignments", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "reference").mkdir()
    (folder / "reference" / "conv_layer.py").write_text(reference, encoding="utf-8")
    if messages is not None:
        (folder / "assignments" / "conv_layer" / "messages.py").write_text(messages, encoding="utf-8")
    return folder


def test_an_exercise_the_reference_does_not_define_or_the_messages_do_not_state_is_an_error(tmp_path):
    reference = (ROOT / "reference" / "conv_layer.py").read_text(encoding="utf-8")
    messages = (ROOT / "assignments" / "conv_layer" / "messages.py").read_text(encoding="utf-8")
    try:
        course = course_copy(tmp_path / "a", reference.replace("def integral_kernel", "def integral"))
        [assignment] = [a for a in all_assignments(course) if a.name == "conv-layer"]
        with pytest.raises(TemplateError, match=r"\['integral_kernel'\] are not defined at the top level"):
            student_template.render(assignment)
        course = course_copy(tmp_path / "b", reference, messages.replace('"exercise.corr2d.statement"', '"x"'))
        [assignment] = [a for a in all_assignments(course) if a.name == "conv-layer"]
        with pytest.raises(TemplateError, match="no statement for the exercise 'corr2d'"):
            student_template.render(assignment)
    finally:
        all_assignments(ROOT)  # the real assignments again, for the tests that follow


# ---------------------------------------------------------------- the command


def test_the_command_writes_both_files_and_check_says_when_they_are_stale(tmp_path):
    done = run("template", "conv-layer", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for name in ("conv_layer.py", "conv_layer.ipynb"):
        assert (tmp_path / name).read_bytes() == (ROOT / "student_template" / name).read_bytes()
    assert run("template", "conv-layer", "--out", str(tmp_path), "--check").returncode == 0
    assert run("template", "conv-layer", "--check").returncode == 0  # the committed ones, as CI runs it
    notebook = json.loads((tmp_path / "conv_layer.ipynb").read_text(encoding="utf-8"))
    notebook["cells"][1]["source"] = ["def corr2d(X, K):\n", "    return X"]
    edited = json.dumps(notebook).encode()
    (tmp_path / "conv_layer.ipynb").write_bytes(edited)
    stale = run("template", "conv-layer", "--out", str(tmp_path), "--check")
    assert stale.returncode == 1 and "conv_layer.ipynb differs" in stale.stderr and "conv_layer.py" not in stale.stderr
    assert (tmp_path / "conv_layer.ipynb").read_bytes() == edited  # --check writes nothing
    unknown = run("template", "no-such-assignment")
    assert unknown.returncode == 2 and "no assignment named 'no-such-assignment'" in unknown.stderr
