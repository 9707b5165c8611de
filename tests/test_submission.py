"""Reading submissions as data: ids, LMS names, folders, notebooks, files that cannot be read."""

from __future__ import annotations

import os

import nbformat
import pytest

from grader import intake, submission
from grader.intake import assign_ids, natural_id
from grader.submission import ipython_to_python, load


def test_ids_are_file_names_without_extension(tmp_path):
    (tmp_path / "alice.py").write_text("x = 1\n")
    assert natural_id(tmp_path / "alice.py") == "alice"


@pytest.mark.parametrize("name, expected", [
    ("smithjohn_12345_67890_conv_layer.py", "12345"),  # Canvas
    ("smithjohn_LATE_12345_67890_conv_layer.py", "12345"),  # Canvas, late
    ("submission_424242", "424242"),  # Gradescope export folder
    ("John Smith_99887_assignsubmission_file_", "99887"),  # Moodle folder
    ("plain_name.py", "plain_name"),
])
def test_lms_naming_schemes_give_student_ids(tmp_path, name, expected):
    path = tmp_path / name
    if path.suffix:
        path.write_text("x = 1\n")
    else:
        path.mkdir()
    assert natural_id(path) == expected


def test_colliding_ids_stay_distinct_and_deterministic(tmp_path):
    paths = [tmp_path / "a.py", tmp_path / "a.ipynb", tmp_path / "sub" / "a.py"]
    ids = assign_ids(paths)
    assert ids == ["a-py", "a-ipynb", "a-py-2"]
    assert assign_ids(paths) == ids


def test_ids_that_differ_only_in_unsafe_characters_stay_distinct(tmp_path):
    ids = assign_ids([tmp_path / "a b.py", tmp_path / "a_b.py", tmp_path / "-a_b.py"])
    assert len(set(ids)) == 3 and not any(i.startswith("-") for i in ids)


def test_ids_are_safe_folder_names(tmp_path):
    [i] = assign_ids([tmp_path / "../../etc passwd.py"])
    assert "/" not in i and ".." not in i


def test_expand_a_class_folder_and_a_student_folder(tmp_path):
    cls = tmp_path / "class"
    (cls / "bob").mkdir(parents=True)
    (cls / "bob" / "conv_layer.py").write_text("x = 1\n")
    (cls / "alice.py").write_text("x = 1\n")
    (cls / "carol.ipynb").write_text("{}")
    (cls / "notes.txt").write_text("not code")
    with intake.opened([cls]) as found:
        assert [f.source for f in found] == [str(cls / n) for n in ("alice.py", "carol.ipynb", "bob")]
    with intake.opened([cls / "bob"]) as found:
        assert [(f.key, f.source) for f in found] == [("bob", str(cls / "bob"))]


def test_folder_with_several_code_files_prefers_the_assignment_file(tmp_path):
    (tmp_path / "helpers.py").write_text("x = 1\n")
    (tmp_path / "conv_layer.py").write_text("x = 2\n")
    choice = intake.choose(intake.candidates(tmp_path), expected_stem="conv_layer", names=["corr2d"])
    assert choice.file.path == tmp_path / "conv_layer.py" and choice.note.kind == "chosen_file"


def test_folder_with_ambiguous_code_files_is_a_clear_problem(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("x = 2\n")
    choice = intake.choose(intake.candidates(tmp_path), expected_stem="conv_layer", names=["corr2d"])
    assert choice.file is None and "several code files" in choice.problem.message


@pytest.mark.parametrize("content, kind, words", [
    (b"", "no_code", "empty"),
    (b"def f(:\n", "syntax_error", "SyntaxError"),
    (b"x = '\xff\xfe'\n", "not_utf8", "UTF-8"),
    (b"\x7fELF\x00\x01binary", "not_utf8", "binary"),
])
def test_unreadable_python_files_become_problems(tmp_path, content, kind, words):
    path = tmp_path / "s.py"
    path.write_bytes(content)
    sub = load(path, id="s", source=str(path))
    assert sub.plan is None
    assert sub.problems[0].kind == kind and words in sub.problems[0].message


def test_huge_files_are_refused_without_reading_them(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "MAX_BYTES", 100)
    path = tmp_path / "s.py"
    path.write_text("x = 1\n" * 100)
    sub = load(path, id="s", source=str(path))
    assert sub.problems[0].kind == "too_large"


@pytest.mark.parametrize("text", ["{not json", '{"cells": 3}', '{"nbformat": 4, "cells": [{"cell_type": 1}]}'])
def test_corrupt_notebooks_become_problems(tmp_path, text):
    path = tmp_path / "s.ipynb"
    path.write_text(text)
    sub = load(path, id="s", source=str(path))
    assert sub.plan is None and sub.problems[0].kind in ("corrupt_notebook", "no_code")


def test_notebook_cells_become_units_with_magics_neutralised(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install d2l\nimport torch"),
        nbformat.v4.new_code_cell("%%bash\necho hi"),
        nbformat.v4.new_code_cell("%%time\nx = 1"),
        nbformat.v4.new_code_cell("files = !ls\nif True:\n    %time y = 2\ntorch.ones?"),
    ]
    path = tmp_path / "s.ipynb"
    nbformat.write(nb, path)
    sub = load(path, id="s", source=str(path))
    labels = [c["label"] for c in sub.plan["cells"]]
    assert labels == ["cell 2", "cell 4", "cell 5"]  # the %%bash cell is not Python
    for cell in sub.plan["cells"]:
        compile(cell["source"], cell["filename"], "exec")  # every kept cell is valid Python now


def test_ipython_lines_inside_blocks_keep_their_indentation():
    code = ipython_to_python("for i in range(2):\n    !echo {i}\n    x = i\n")
    compile(code, "<cell>", "exec")
    assert "    pass" in code


def test_a_link_anywhere_on_the_way_to_the_code_file_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "conv_layer.py").write_text("SECRET = 1\n")
    student = tmp_path / "student"
    (student / "src").mkdir(parents=True)
    (student / "src" / "conv_layer.py").symlink_to(outside / "conv_layer.py")
    loaded = load(student / "src" / "conv_layer.py", id="s", source=str(student), root=student)
    assert [p.kind for p in loaded.problems] == ["link"] and loaded.plan is None
    assert loaded.problems[0].message_args == {"path": "student/src/conv_layer.py"}
    (student / "src" / "conv_layer.py").unlink()
    (student / "src").rmdir()
    (student / "src").symlink_to(outside)  # a folder on the way, opened without following it
    from grader import containment

    with pytest.raises(containment.NotInside):
        containment.read_inside(student, student / "src" / "conv_layer.py", 1 << 20)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "conv_layer.py")
    loaded = load(tmp_path / "conv_layer.py", id="s", source=str(tmp_path))
    assert [p.message_key for p in loaded.problems] == ["problem.not_regular"]
