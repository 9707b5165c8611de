"""A stand-in for ``from d2l import torch as d2l`` when the d2l package is not installed.

The chapter's code uses d2l's thin aliases of torch (``d2l.ones``,
``d2l.tensor``, ``d2l.transpose``...).  They keep torch's own signatures,
so the stand-in forwards unknown names to torch and defines the few aliases
whose names differ.  Plotting helpers do nothing: a report has no screen.
"""

from __future__ import annotations

import importlib.util
import sys
import types


def _noop(*args, **kwargs):
    return None


def _build() -> types.ModuleType:
    import torch

    module = types.ModuleType("d2l.torch")
    module.__doc__ = "grader's stand-in for d2l.torch (the d2l package is not installed)"
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

    def __getattr__(name: str):
        if hasattr(torch, name) and not name.startswith("_"):
            return getattr(torch, name)
        raise AttributeError(
            f"d2l.{name} is not available: the d2l package is not installed and grader's stand-in "
            "only provides torch's aliases (d2l.ones, d2l.tensor, d2l.transpose, ...)"
        )

    module.__getattr__ = __getattr__
    return module


def install_if_missing() -> None:
    """Make ``from d2l import torch as d2l`` work; a real d2l installation wins."""
    if "d2l" in sys.modules or importlib.util.find_spec("d2l") is not None:
        return
    package = types.ModuleType("d2l")
    package.__path__ = []  # a package, so ``import d2l.torch`` resolves through sys.modules
    package.torch = _build()
    sys.modules["d2l"] = package
    sys.modules["d2l.torch"] = package.torch
