"""Gradients: the student's, taken by autograd in the student process, against the oracle's, taken here.

The student's side is ``Student.call(..., grad_wrt=..., grad_output=...)`` (or a probe that returns
gradients): what comes back is the result's gradient with respect to each input asked for, or the news
that the result has no autograd history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from grader.checks import Mismatch, Phrase
from grader.replay import recorded
from grader.tolerance import close, tolerance

from . import compare


def oracle_grads(fn: Callable[..., torch.Tensor], args: Sequence[Any], wrt: Sequence[int],
                 grad_output: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The gradients of ``fn(*args)`` with respect to ``args[i]`` for i in ``wrt``, in float64.

    Copies: ``.double()`` of a float64 tensor is the tensor itself, and the drawn inputs must stay as drawn.
    """
    args = list(args)
    for i in wrt:
        args[i] = args[i].detach().to(torch.float64, copy=True).requires_grad_(True)
    out = fn(*args).double()
    return tuple(torch.autograd.grad(out, [args[i] for i in wrt], grad_output.double(), allow_unused=True))


@dataclass(frozen=True)
class _Gradients:
    gradients: Callable[..., tuple[torch.Tensor, ...]]


def oracle_gradients(oracles: Any) -> Callable[..., tuple[torch.Tensor, ...]]:
    """``grads(name, args, wrt, grad_output)``: the gradients of ``oracles.<name>(*args)`` (``oracle_grads``),
    taken inside one call that a replay record keeps and answers like any oracle's.

    ``oracles`` are the assignment's own, before ``recorded``: their outputs never leave the call.
    """
    def grads(name: str, args: Sequence[Any], wrt: Sequence[int], grad_output: torch.Tensor):
        return oracle_grads(getattr(oracles, name), args, wrt, grad_output)

    return recorded(_Gradients(grads)).gradients


def gradient_phrase(name: str, label: str) -> Phrase:
    return Phrase("what.gradient_wrt", f"the gradient of {name}'s output with respect to {label}",
                  name=name, label=label)


def require_gradients(reply: Any, name: str, labels: Sequence[str]) -> list[torch.Tensor]:
    """The gradients the student's call produced, one per label; a Mismatch when autograd was cut."""
    if reply.cut_off:
        raise Mismatch(f"{name}'s result is cut off from autograd (it has no grad_fn): build it from "
                       f"{' and '.join(labels)} with tensor operations, without .item(), .detach(), .data, "
                       "torch.tensor(...) or numpy", diagnosis="autograd_cut_off", key="cut_off", args={"name": name})
    if reply.grads is None:
        raise Mismatch(f"{name} returned something whose gradient cannot be taken", diagnosis="autograd_cut_off",
                       key="no_gradient_possible", args={"name": name})
    grads = []
    for grad, label in zip(reply.grads, labels):
        if grad is None:
            raise Mismatch(f"no gradient reaches {label} through {name}: is {label} detached or replaced?",
                           diagnosis="autograd_cut_off", key="no_gradient_reaches", args={"name": name, "label": label})
        grads.append(grad)
    return grads


def check_gradients(reply: Any, expected: Sequence[torch.Tensor], name: str, labels: Sequence[str],
                    scale: float) -> None:
    """Each gradient the student's call produced equals the oracle's (``expected``, in ``labels`` order)."""
    for grad, exp, label in zip(require_gradients(reply, name, labels), expected, labels):
        compare.check_tensor(grad, exp, scale, gradient_phrase(name, label))


def check_mass(grad: Any, total: float, name: str, label: str, scale: float, *, too_much: str) -> None:
    """Where the oracle's gradient is not unique (tied maxima), what every right one shares: no negative
    entry, and the upstream gradient passed on in full, ``total`` (a positive upstream gradient's sum).
    ``too_much`` is the diagnosis when more than that is passed on (each tied element given all of it)."""
    what = gradient_phrase(name, label)
    got = compare.returned_tensor(grad, what)
    given = float(got.sum())
    if bool((got >= -tolerance(0.0, scale)).all()) and close(given, total, scale):
        return
    code = too_much if given > total else None
    raise Mismatch(f"{what} passes on {given:g} of the upstream gradient's {total:g}: where several elements tie "
                   "for the maximum, exactly one of them (or a split) may receive each window's gradient",
                   expected=f"entries >= 0 summing to {total:g}", got=got, diagnosis=code, key="gradient_mass",
                   args={"what": what, "got": f"{given:g}", "expected": f"{total:g}"})
