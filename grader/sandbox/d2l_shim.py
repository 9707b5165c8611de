"""The stand-in for ``from d2l import torch as d2l`` that every student process gets.

The chapter's code uses d2l's thin aliases of torch (``d2l.ones``,
``d2l.tensor``, ``d2l.transpose``...).  They keep torch's own signatures,
so the stand-in forwards unknown names to torch and defines the few aliases
whose names differ.  Plotting helpers do nothing: a report has no screen.

Beyond the aliases, d2l holds the functions the book saves (``#@save``) as it
goes, and some of them are an assignment's answers: conv-layer asks for
``corr2d``, which the channels section then calls as ``d2l.corr2d``.  So the
stand-in provides only the book functions the assignment declares
(``[student] d2l`` in ``assignment.toml``), from ``d2l_book``, and always replaces
an installed d2l: what a student gets depends on the assignment, never on the
machine that grades.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

# The book's functions the stand-in can provide, by the name d2l has them under: the modules of d2l_book,
# listed, not imported (only what an assignment declares is ever imported into its student processes).
BOOK = tuple(sorted(p.stem for p in (Path(__file__).parent / "d2l_book").glob("*.py") if p.stem != "__init__"))


def _noop(*args, **kwargs):
    return None


def _build(provided: tuple[str, ...]) -> types.ModuleType:
    import torch

    module = types.ModuleType("d2l.torch")
    module.__doc__ = "grader's stand-in for d2l.torch: torch's aliases and the book functions this assignment gives"
    aliases = {
        "transpose": lambda x, *a, **k: x.t(*a, **k),
        "numpy": lambda x, *a, **k: x.detach().numpy(*a, **k),
        "size": lambda x, *a, **k: x.numel(*a, **k),
        "reduce_sum": lambda x, *a, **k: x.sum(*a, **k),
        "reduce_mean": lambda x, *a, **k: x.mean(*a, **k),
        "argmax": lambda x, *a, **k: x.argmax(*a, **k),
        "astype": lambda x, *a, **k: x.type(*a, **k),
        "to": lambda x, *a, **k: x.to(*a, **k),
        "reshape": lambda x, *a, **k: x.reshape(*a, **k),
        "concat": torch.cat,
        "nn": torch.nn,
        "torch": torch,
    }
    for name in ("use_svg_display", "set_figsize", "set_axes", "plot", "show_images", "show_heatmaps"):
        aliases[name] = _noop
    module.__dict__.update(aliases)
    for name in provided:
        module.__dict__[name] = getattr(importlib.import_module(f"grader.sandbox.d2l_book.{name}"), name)

    def __getattr__(name: str):
        if name in BOOK:  # a book function this assignment does not give: most likely the exercise itself
            raise AttributeError(f"d2l.{name} is not available in this assignment: write {name} yourself")
        if hasattr(torch, name) and not name.startswith("_"):
            return getattr(torch, name)
        given = f" and {', '.join(f'd2l.{n}' for n in provided)}" if provided else ""
        raise AttributeError(
            f"d2l.{name} is not available: grader's stand-in for d2l provides torch's aliases (d2l.ones, "
            f"d2l.tensor, d2l.transpose, ...){given}")

    module.__getattr__ = __getattr__
    return module


def install(provided: tuple[str, ...] = ()) -> None:
    """Make ``import d2l`` and ``from d2l import torch as d2l`` give the stand-in with the book functions
    ``provided`` (names of ``BOOK``, as ``grader.spec`` validated them), in place of any installed d2l."""
    package = types.ModuleType("d2l")
    package.__path__ = []  # a package, so ``import d2l.torch`` resolves through sys.modules
    package.torch = _build(tuple(provided))
    for name in [n for n in sys.modules if n == "d2l" or n.startswith("d2l.")]:
        del sys.modules[name]
    sys.modules["d2l"] = package
    sys.modules["d2l.torch"] = package.torch
