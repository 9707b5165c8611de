"""What an assignment's student processes get (``[student]`` in assignment.toml): d2l's stand-in with the
book functions it declares, and its probes.

conv-layer asks for corr2d, so its students' ``d2l.corr2d`` is an AttributeError that fails that exercise;
conv-channels declares corr2d, as its channels section calls it (its corpus file correct_d2l_corr2d.py,
graded in test_conv_channels.py, uses nothing else and scores 100).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import types

import pytest
import torch

from conftest import ROOT, by_name, grade
from grader.assignment import _fingerprint, find
from grader.sandbox import d2l_shim
from grader.sandbox.harness import TemplateOptions


@pytest.fixture
def fresh_modules():
    """``d2l`` in this process as it was before the test."""
    saved = {n: m for n, m in sys.modules.items() if n == "d2l" or n.startswith("d2l.")}
    yield
    for name in [n for n in sys.modules if n == "d2l" or n.startswith("d2l.")]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_the_stand_in_gives_torchs_aliases_and_only_the_declared_book_functions(fresh_modules):
    d2l_shim.install(())
    from d2l import torch as d2l

    import d2l as package  # the way some notebooks import it still works

    assert package.torch is d2l
    assert torch.equal(d2l.reshape(d2l.arange(4), (2, 2)), torch.arange(4).reshape(2, 2))
    assert d2l.reduce_sum(d2l.ones((2, 3))).item() == 6 and d2l.plot([1], [2]) is None
    with pytest.raises(AttributeError, match="d2l.corr2d is not available in this assignment: write corr2d yourself"):
        d2l.corr2d
    with pytest.raises(AttributeError, match="d2l.train_ch6 is not available"):
        d2l.train_ch6

    d2l_shim.install(("corr2d",))
    from d2l import torch as d2l

    X, K = torch.arange(9.0).reshape(3, 3), torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert torch.equal(d2l.corr2d(X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]))  # the section's example
    assert d2l.corr2d(X.double(), K.double()).dtype == torch.float32  # as the book's: d2l.zeros is float32


def test_a_book_function_not_declared_is_nowhere_in_the_student_process():
    # Not only unreachable as d2l.corr2d: not in memory at all, for code that searches sys.modules or gc.
    probe = ("import gc, sys; from grader.sandbox import d2l_shim; d2l_shim.install({names}); "
             "print(sorted(n for n in sys.modules if 'd2l_book.' in n), "
             "any(getattr(o, '__name__', '') == 'corr2d' for o in gc.get_objects() if callable(o)))")
    for names, found in (((), "[] False"), (("corr2d",), "['grader.sandbox.d2l_book.corr2d'] True")):
        run = subprocess.run([sys.executable, "-c", probe.format(names=names)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        assert run.stdout.strip() == found, run.stderr


def test_an_installed_d2l_never_reaches_student_code(fresh_modules):
    # The real package saves corr2d too: a conv-layer student must not get it because the machine has d2l.
    real = types.ModuleType("d2l")
    real.torch = types.SimpleNamespace(corr2d=lambda X, K: "the real one")
    sys.modules["d2l"], sys.modules["d2l.torch"] = real, real.torch
    d2l_shim.install(())
    from d2l import torch as d2l

    with pytest.raises(AttributeError, match="not available in this assignment"):
        d2l.corr2d


def test_the_template_process_is_told_the_declaration():
    options = TemplateOptions(("seccomp",), False, ("corr2d",), ("/x/probes.py",))
    assert TemplateOptions.parse(options.argv()) == options
    assert TemplateOptions.parse([]) == TemplateOptions()


def test_the_fingerprint_changes_with_the_declaration_and_the_stand_in(tmp_path):
    for part in ("assignments", "reference"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    _fingerprint.cache_clear()
    before = find("conv-channels", tmp_path).fingerprint()
    spec_file = tmp_path / "assignments" / "conv_channels" / "assignment.toml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace('d2l = ["corr2d"]', "d2l = []"),
                         encoding="utf-8")
    _fingerprint.cache_clear()
    changed = find("conv-channels", tmp_path)
    assert changed.d2l == () and changed.fingerprint() != before
    package = tmp_path / "grader"  # the stand-in, seen through a copy of the package
    shutil.copytree(ROOT / "grader", package, ignore=shutil.ignore_patterns("__pycache__"))
    files = (changed.folder, tmp_path / "reference" / "conv_channels.py")
    same = _fingerprint(*files, package)
    with (package / "sandbox" / "d2l_shim.py").open("a") as handle:
        handle.write("\n# changed\n")
    _fingerprint.cache_clear()
    assert _fingerprint(*files, package) != same


def test_a_conv_layer_student_calling_d2l_corr2d_fails_that_exercise_not_the_grading(grader_public, tmp_path):
    reference = (ROOT / "reference" / "conv_layer.py").read_text(encoding="utf-8")
    start, end = reference.index("def corr2d("), reference.index("# %%\nclass Conv2D")
    path = tmp_path / "uses_d2l.py"
    path.write_text(reference[:start].replace("import torch\n", "import torch\nfrom d2l import torch as d2l\n", 1)
                    + "def corr2d(X, K):\n    return d2l.corr2d(X, K)\n\n\n" + reference[end:], encoding="utf-8")
    result = grade(grader_public, path)
    exercises = by_name(result)
    corr2d = exercises["corr2d"]
    assert corr2d.score == 0 and corr2d.status.value == "error"
    assert "AttributeError" in corr2d.message and "d2l.corr2d is not available in this assignment" in corr2d.message
    # What calls corr2d fails with it; what does not keeps its marks.
    assert {n for n, e in exercises.items() if e.score < e.max_score} == {
        "corr2d", "Conv2D", "learn_kernel", "conv2d_strict"}
    assert not result.load_issues
