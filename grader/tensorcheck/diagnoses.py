"""Diagnoses that call the student again, on inputs of their own choosing, once a check has failed.

A diagnosis runs after the minimal counterexample is found, only to name the mistake the comparison could
not: ``diagnose(student, inputs, failure)`` returns ``(code, sentence)``, optionally with the input it was
proven on, or None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import torch

from grader.checks import StudentRaised

Diagnosis = Callable[[Any, dict, Exception], Any]


def answer(call: Callable[[], Any]) -> torch.Tensor | None:
    """The student's answer as a tensor, or None when the call raised or returned something else."""
    try:
        value = call()
    except StudentRaised:
        return None
    return value if isinstance(value, torch.Tensor) else None


def modifies_inputs(name: str, make: Callable[[dict], tuple], labels: tuple[str, ...]) -> Diagnosis:
    """A call that raised when its inputs required grad (autograd refuses in-place changes to a leaf) may still
    say, called again without gradients on ``make(inputs)``: it changes its input (the first ``labels``)."""

    def diagnose(student, inputs: dict, failure: Exception) -> tuple | None:
        try:
            reply = student.call(name, *make(inputs))
        except StudentRaised:
            return None
        modified = [n for n, changed in zip(labels, reply.args_changed) if changed]
        if modified:
            return "input_modified", f"{name} changes its input {', '.join(modified)} in place"
        return None

    return diagnose


def either(*diagnoses: Diagnosis) -> Diagnosis:
    """The first of ``diagnoses`` that names the mistake.

    A diagnosis calls the student again; a call that runs past the time limit there ends the diagnosis
    but must not count against the exercise's later checks (they stop after repeated timeouts).
    """

    def diagnose(student, inputs, failure):
        before = Counter(student.timeouts)
        try:
            for d in diagnoses:
                found = d(student, inputs, failure)
                if found:
                    return found
            return None
        finally:
            student.timeouts.clear()
            student.timeouts.update(before)

    return diagnose
