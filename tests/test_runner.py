"""The runner: reproducible generation, whatever else is loaded."""

from __future__ import annotations

import importlib
import sys

from hypothesis import strategies as st

from grader.checks import Check
from grader.results import Visibility
from grader.runner import run_check


def drawn_inputs() -> list:
    seen: list = []
    check = Check("ex", "draws", "draws", lambda student, x: seen.append(x),
                  st.lists(st.floats(-1, 1, width=32, allow_subnormal=False), min_size=4, max_size=4).map(
                      lambda x: {"x": x}), (), 1.0, Visibility.PUBLIC, 200, None)
    assert run_check(check, student=None).passed
    return seen


def test_inputs_do_not_depend_on_which_local_modules_are_loaded(tmp_path, monkeypatch):
    """Hypothesis would otherwise draw numbers found in the source of local modules (an editable
    install, the reference) and cache them in .hypothesis/ in the working directory."""
    monkeypatch.chdir(tmp_path)
    before = drawn_inputs()
    (tmp_path / "numbers_in_source.py").write_text("A = [0.123456, -0.654321, 0.777777, -0.313131, 0.5151515]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("numbers_in_source")
    try:
        assert drawn_inputs() == before
    finally:
        sys.modules.pop("numbers_in_source", None)
    assert not (tmp_path / ".hypothesis").exists()


def test_a_check_asking_for_a_probe_the_assignment_does_not_declare_is_the_graders_error_not_the_students():
    from grader.results import Outcome
    from grader.student import Student

    # No session: the declaration is checked before anything reaches the student process.
    student = Student(session=None, names={"Conv2D": "class"}, probes=("conv2d_layer",))
    check = Check("Conv2D", "probes", "probes", lambda student, k: student.probe("conv2d_layr", "Conv2D", kernel_size=k),
                  st.just({"k": (2, 2)}), (), 1.0, Visibility.PUBLIC, 1, None)
    result = run_check(check, student)
    assert result.outcome is Outcome.ERROR and result.message_key == "internal_error"
    assert "'conv2d_layr'" in result.message and "conv2d_layer" in result.message
