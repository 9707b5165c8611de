"""The Jinja2 environment the HTML reports share: templates, autoescape, small formatting helpers."""

from __future__ import annotations

import functools
from importlib import metadata
from pathlib import Path

import jinja2

from grader.bounded import printable

from grader.reports import grids, symbols

TEMPLATES = Path(__file__).parent / "templates"
HTML_LANG = {"en": "en", "zh": "zh-Hans"}


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # autoescape on for every template, whatever its name: messages, tracebacks and output are untrusted.
    # finalize: no control character of student text reaches the page raw (autoescape leaves them alone).
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             finalize=_printable)
    env.tests["grid"] = lambda value: isinstance(value, grids.Grid)
    env.tests["stack"] = lambda value: isinstance(value, grids.Stack)
    env.filters["number"] = number
    env.globals["symbols"] = symbols
    return env


def _printable(value):
    # Markup (already escaped) stays Markup: only its control characters are rewritten.
    return type(value)(printable(value)) if isinstance(value, str) else value


def html_lang(lang: str) -> str:
    return HTML_LANG.get(lang, lang)


def number(x: float | int) -> str:
    """Points and seconds without trailing zeros: 20, 7.5, 0.25."""
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


@functools.lru_cache(maxsize=1)
def version() -> str:
    try:
        return metadata.version("grader")
    except metadata.PackageNotFoundError:
        return "dev"
