"""The student process's world: what it can import without a disk it can see, and what it can write."""

from __future__ import annotations

import os

import pytest

from conftest import ROOT
from grader.sandbox import confine, fsview, linux, wire
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
