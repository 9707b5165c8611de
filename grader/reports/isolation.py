"""One line on how isolated the student's code ran: which sandbox layers were on, which were off.

Shared by the terminal summary, the CLI's warnings and any other report; it
reads ``SubmissionResult.isolation`` ({layer: bool}, see ``grader.sandbox.confine``).
"""

from __future__ import annotations

from typing import Any


def layers_off(isolation: dict[str, Any]) -> list[str]:
    return [name for name, on in isolation.items() if on is not True]


def summary(isolation: dict[str, Any]) -> str:
    if not isolation:
        return "sandbox: isolation unknown (no student code ran)"
    off = layers_off(isolation)
    if not off:
        return f"sandbox: all {len(isolation)} isolation layers on"
    return (f"sandbox: weaker isolation, {len(off)} of {len(isolation)} layers off on this machine: "
            + ", ".join(off))
