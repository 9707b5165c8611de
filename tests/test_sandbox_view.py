"""The student process's world: what it can import without a disk it can see, and what it can write."""

from __future__ import annotations

import os

import pytest

from conftest import ROOT
from grader.sandbox import confine, fsview, linux, template_root, wire
from grader.sandbox.workers import Limits, Session

needs_root = pytest.mark.skipif(not linux.IS_LINUX or os.geteuid() != 0,
                                reason="building the filesystem view needs root in a mount namespace")

# Every kind of step the correct corpus takes, in a student process: an optimizer, a broadcast in a
# backward pass, unfold, einsum, numpy.  Afterwards it says which modules it had to import itself.
WORKLOAD = '''
import sys
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BEFORE = set(sys.modules)


def run():
    X = torch.arange(20.0).reshape(4, 5)
    W = torch.zeros(2, 2, requires_grad=True)
    optimizer = torch.optim.SGD([W], lr=1e-3)
    for _ in range(2):
        loss = ((F.unfold(X[None, None], (2, 2)).squeeze(0).t() @ W.reshape(-1)) ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    layer_bias = nn.Parameter(torch.zeros(1))
    out = torch.einsum("ijkl,kl->ij", X.unfold(0, 2, 1).unfold(1, 2, 1), W.detach()) + layer_bias
    torch.autograd.grad(out, [layer_bias], torch.ones_like(out))
    np.asarray(out.detach())
    return sorted(set(sys.modules) - BEFORE)
'''


def test_a_batch_template_leaves_students_nothing_to_import(grader_all):
    """Whatever the template did not load, every student process would load again, at its own cost,
    and through a filesystem view that might not show it."""
    session = Session(grader_all.template, {"kind": "module", "filename": "workload.py", "source": WORKLOAD},
                      grader_all.limits)
    try:
        report = session.start()
        assert all(u["status"] == "ok" for u in report.units), report.units
        reply = session.request({"op": "call", "target": "run", "args": wire.encode([])})
    finally:
        session.close()
    assert reply["ok"], reply
    assert wire.decode(reply["value"]) == []


@needs_root
def test_an_interpreter_under_tmp_is_visible_and_read_only(tmp_path, monkeypatch):
    """A CI checkout under /tmp puts the virtual environment there: the scratch /tmp must not hide it."""
    site = tmp_path / "venv" / "site"
    site.mkdir(parents=True)
    (site / "marker.py").write_text("X = 1\n")
    dirs = fsview.python_dirs()
    monkeypatch.setattr(fsview, "python_dirs", lambda: [*dirs, str(site)])

    def inside() -> dict:
        linux.unshare(linux.CLONE_NEWNS)
        fsview.build(scratch_bytes=1 << 20, uid=None, gid=None)
        seen = {"marker": (site / "marker.py").read_text(), "reference": (ROOT / "reference").exists()}
        for name, path in (("venv", site / "planted.py"), ("scratch", "/tmp/scratch.txt"),
                           ("checkout", ROOT / "planted.txt")):
            try:
                with open(path, "w") as handle:
                    handle.write("x")
                seen[name] = "written"
            except OSError as exc:
                seen[name] = type(exc).__name__
        return seen

    seen = confine._in_throwaway_fork(inside)
    # As root, only a read-only mount refuses a write with a plain OSError (EROFS).  The checkout's path
    # is a read-only skeleton, or, for a checkout under /tmp, a folder of the scratch space: either way
    # nothing reaches the real one.
    checkout = seen.pop("checkout")
    assert seen == {"marker": "X = 1\n", "reference": False, "venv": "OSError", "scratch": "written"}
    assert checkout == ("written" if ROOT.is_relative_to("/tmp") else "OSError")
    assert not (site / "planted.py").exists() and not (ROOT / "planted.txt").exists()


def test_limits_default_to_the_full_sandbox():
    assert Limits().sandbox and not Limits().disabled_layers


def test_the_template_roots_masks_rewrite_what_names_the_real_place(tmp_path):
    """The files of an installation that record where it is get a copy naming the neutral place (text), are
    emptied (compiled files, which Python then compiles again) or left alone (programs); nothing else is copied."""
    checkout, venv, base = tmp_path / "course", tmp_path / "course" / ".venv", tmp_path / "pyenv" / "3.11"
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "__pycache__").mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "lib64").symlink_to("lib")
    (venv / "pyvenv.cfg").write_text(f"home = {base}/bin\ncommand = {base}/bin/python3 -m venv {venv}\n")
    (venv / "bin" / "pytest").write_text(f"#!{venv}/bin/python\nimport pytest\n")
    (venv / "bin" / "pytest").chmod(0o755)
    (venv / "bin" / "python").symlink_to(f"{base}/bin/python3.11")
    (venv / "bin" / "python3").symlink_to("python")
    (site / "__editable__.grader.pth").write_text("import __editable___grader_finder\n")
    (site / "__editable___grader_finder.py").write_text(f"MAPPING = {{'grader': '{checkout}/grader'}}\n")
    (site / "__pycache__" / "__editable___grader_finder.cpython-311.pyc").write_bytes(b"\x00\x01" + str(venv).encode())
    (site / "plain.py").write_text("X = 1\n")
    (site / "native.so").write_bytes(b"\x7fELF\x00" + f"{base}/lib".encode())
    layout = template_root.Plan(installs=((str(venv), template_root.ENV),),
                                renames=((str(venv), template_root.ENV), (str(base), template_root.PYTHON),
                                         (str(checkout), template_root.GRADER)),
                                executable=template_root.ENV + "/bin/python", grader_root=str(checkout), probes=(),
                                library_path=None)
    mask = tmp_path / "mask"
    mask.mkdir()
    masked = template_root.build_mask(layout, str(venv), str(mask))
    in_site = "lib/python3.11/site-packages/"
    assert sorted(masked) == sorted(["pyvenv.cfg", "bin/pytest", "bin/python",
                                     in_site + "__editable___grader_finder.py",
                                     in_site + "__pycache__/__editable___grader_finder.cpython-311.pyc"])
    assert (mask / "pyvenv.cfg").read_text() == ("home = /opt/python/bin\n"
                                                 "command = /opt/python/bin/python3 -m venv /opt/python-env\n")
    assert (mask / "bin" / "pytest").read_text() == "#!/opt/python-env/bin/python\nimport pytest\n"
    assert os.stat(mask / "bin" / "pytest").st_mode & 0o777 == 0o755
    assert os.readlink(mask / "bin" / "python") == "/opt/python/bin/python3.11"
    finder = (mask / in_site / "__editable___grader_finder.py").read_text()
    assert finder == "MAPPING = {'grader': '/opt/grader/grader'}\n"
    assert (mask / in_site / "__pycache__" / "__editable___grader_finder.cpython-311.pyc").read_bytes() == b""
    assert not (mask / "lib64").exists()  # reached through a link: masked where it really is
    assert layout.neutral(str(venv / "bin" / "python")) == "/opt/python-env/bin/python"
    assert layout.neutral(str(checkout / "grader")) == "/opt/grader/grader"
