"""Hypothesis draws from the seed alone: the private-API patch that makes it so, and its check at start-up.

Hypothesis mixes numbers found in the source of every loaded "local" module (anything outside
site-packages: an editable install of the grader, the assignment's checks, the reference) into the
data it draws, and caches them in ``.hypothesis/`` in the working directory.  The same check would
then draw other inputs in a student's wheel install than in the instructor's checkout, or after
some import: counterexamples must not depend on that.  The patch reaches into private API, so a
Hypothesis other than the pinned one may lack it; then every grading process says so on stderr (an
``UnreproducibleExamples`` warning) instead of silently drawing other counterexamples.
"""

from __future__ import annotations

import warnings

class UnreproducibleExamples(UserWarning):
    """This Hypothesis cannot be made to draw from the seed alone: counterexamples may differ between installs."""


def ignore_local_constants() -> str | None:
    """Patch Hypothesis to ignore local constants; None when done, else why not (also warned, loudly)."""
    problem = _patch()
    if problem is not None:
        warnings.warn(problem, UnreproducibleExamples, stacklevel=2)
    return problem


def _patch() -> str | None:
    import hypothesis

    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
        from hypothesis.internal.floats import float_to_int
        from sortedcontainers import SortedSet
    except ImportError as exc:
        return _unreproducible(hypothesis.__version__, f"{exc.name or exc} cannot be imported")
    missing = [name for name in ("_get_local_constants", "CONSTANTS_CACHE") if not hasattr(providers, name)]
    if missing or not hasattr(getattr(providers.CONSTANTS_CACHE, "cache", None), "clear"):
        what = ", ".join(f"hypothesis.internal.conjecture.providers.{n}" for n in missing or ["CONSTANTS_CACHE.cache"])
        return _unreproducible(hypothesis.__version__, f"{what} is missing")
    try:
        none = Constants(integers=SortedSet(), floats=SortedSet(key=float_to_int), bytes=SortedSet(),
                         strings=SortedSet())
    except TypeError as exc:
        return _unreproducible(hypothesis.__version__, f"hypothesis.internal.constants_ast.Constants changed ({exc})")
    providers._get_local_constants = lambda: none
    providers.CONSTANTS_CACHE.cache.clear()
    return None


def _unreproducible(version: str, why: str) -> str:
    return (f"Hypothesis {version} cannot be made to draw from the seed alone ({why}): counterexamples may "
            "differ from one install to another and from the pinned Hypothesis's; install the version "
            "pyproject.toml pins (pip install -e .)")
