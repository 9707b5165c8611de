"""One line on how isolated the student's code ran: which sandbox layers were on, which were off.

Shared by the terminal summary, the CLI's warnings and any other report; it
reads ``SubmissionResult.isolation`` ({layer: bool}, see ``grader.sandbox.confine``).
"""

from __future__ import annotations

from typing import Any

from grader.messages import Catalogue


def layers_off(isolation: dict[str, Any]) -> list[str]:
    return [name for name, on in isolation.items() if on is not True]


def summary(isolation: dict[str, Any], cat: Catalogue) -> str:
    if not isolation:
        return cat.text("isolation.unknown")
    off = layers_off(isolation)
    if not off:
        return cat.text("isolation.all_on", n=len(isolation))
    return cat.text("isolation.some_off", off=len(off), n=len(isolation), layers=", ".join(off))
