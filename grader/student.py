"""The checks' view of a submission: calls that run in the student process.

Every answer is decoded from plain data and validated; every way the call
can go wrong becomes a ``grader.checks`` exception the runner understands.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from grader.assignment import Exercise
from grader.budget import Budget
from grader.checks import CrashSignal, ForbiddenSignal, NotImplementedSignal, Phrase, StudentRaised, TimeoutSignal
from grader.sandbox import wire
from grader.sandbox.workers import CallTimedOut, ProcessDied, Session


@dataclass(frozen=True)
class Reply:
    value: Any
    grads: list | None = None  # one per input asked for (None when the input got no gradient)
    cut_off: bool = False  # the result has no autograd history
    args_changed: tuple[bool, ...] = ()
    ops: Counter = field(default_factory=Counter)


def _describe_call(target: str, args: tuple) -> Phrase:
    """``corr2d(tensor of shape (3, 3), 2)``: what a message says was called."""
    import torch

    parts = [Phrase.engine("call.tensor", shape=str(tuple(a.shape))) if isinstance(a, torch.Tensor) else repr(a)[:40]
             for a in args]
    return Phrase.engine("call.signature", name=target, args=parts)


class Student:
    """Calls into one loaded submission, on behalf of the checks of one exercise at a time."""

    def __init__(self, session: Session, names: dict[str, str], budget: Budget | None = None,
                 probes: tuple[str, ...] | None = None):
        self.session, self.names, self.budget = session, names, budget
        self.probes = probes  # the assignment's declared probes ([student] probes); None: not checked
        self.exercise: Exercise | None = None
        self.timeouts: Counter[str] = Counter()  # per exercise: repeated timeouts stop its other checks

    def mark(self) -> tuple:
        """What a replay that falls back to the full run must undo (``rewind``): timeouts and printed output."""
        return Counter(self.timeouts), self.session.output_mark()

    def rewind(self, mark: tuple) -> None:
        timeouts, output = mark
        self.timeouts.clear()
        self.timeouts.update(timeouts)
        self.session.rewind_output(output)

    def has(self, name: str) -> bool:
        return name in self.names

    def call(self, target: str, *args: Any, grad_wrt: tuple[int, ...] = (), grad_output: Any = None,
             timeout_s: float | None = None, **kwargs: Any) -> Reply:
        request = {"op": "call", "target": target, "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs)}
        if grad_wrt:
            request["grad"] = {"wrt": list(grad_wrt), "output": wire.encode(grad_output)}
        return self._request(request, _describe_call(target, args), target, timeout_s)

    def probe(self, name: str, target: str, timeout_s: float | None = None, **kwargs: Any) -> Reply:
        if self.probes is not None and name not in self.probes:
            # The check's mistake, not the student's: raised here, it is the grader's internal error, where the
            # student process's KeyError would have been reported as the submission raising.
            raise LookupError(f"the check asked for the probe {name!r}, which assignment.toml does not declare "
                              f"([student] probes: {', '.join(self.probes) or 'none'})")
        request = {"op": "probe", "name": name, "kwargs": wire.encode(kwargs)}
        return self._request(request, target, target, timeout_s)

    def _request(self, request: dict, what: str, target: str, timeout_s: float | None) -> Reply:
        if target not in self.names:
            raise self._not_defined(target)
        timeout_s = timeout_s or (self.exercise.timeout_s if self.exercise else None)
        if self.budget is not None:  # no call runs past the submission's whole budget
            left = self.budget.left()
            if left <= 0:
                raise self._out_of_budget()
            timeout_s = min(timeout_s or self.session.limits.call_timeout_s, left)
        try:
            reply = self.session.request(request, timeout_s)
        except CallTimedOut:
            if self.budget is not None and self.budget.spent:
                raise self._out_of_budget() from None
            if self.exercise is not None:
                self.timeouts[self.exercise.name] += 1
            seconds = timeout_s or self.session.limits.call_timeout_s
            raise TimeoutSignal.engine("call.timeout", what=what, seconds=float(seconds)) from None
        except ProcessDied:
            raise CrashSignal.engine("call.died", what=what) from None
        except wire.ProtocolError as exc:
            raise self._invalid_reply(what, exc) from None
        try:
            return self._decode(reply, what, target)
        except wire.ProtocolError as exc:
            raise self._invalid_reply(what, exc) from None

    def _out_of_budget(self) -> TimeoutSignal:
        return TimeoutSignal.engine("not_run.budget", **self.budget.args)

    @staticmethod
    def _not_defined(name: str) -> NotImplementedSignal:
        return NotImplementedSignal.engine("call.not_defined", name=name)

    @staticmethod
    def _invalid_reply(what: str, exc: wire.ProtocolError) -> CrashSignal:
        return CrashSignal.engine("call.invalid_reply", what=what, error=str(exc))

    def _decode(self, reply: dict, what: str, name: str) -> Reply:
        ops = reply.get("ops") if isinstance(reply.get("ops"), dict) else {}
        ops = Counter({str(k)[:100]: int(v) for k, v in ops.items() if isinstance(v, int)})
        self._check_policy(ops, what)
        if reply.get("missing"):  # defined when loaded, gone since (the submission deleted it)
            raise self._not_defined(name)
        if not reply.get("ok"):
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            type_name = str(error.get("type", "Error"))[:100]
            message = str(error.get("message", ""))[:2000]
            traceback = str(error.get("traceback", ""))[:4000]
            if error.get("not_implemented"):
                raise NotImplementedSignal.engine("call.stub", traceback, name=name)
            if type_name == "SystemExit":
                raise CrashSignal.engine("call.exit", traceback, what=what, code=message)
            raise StudentRaised(type_name, message, traceback)
        grads = reply.get("grads")
        cut_off = isinstance(grads, dict) and bool(grads.get("cut_off"))
        decoded_grads = [wire.decode(g) for g in grads] if isinstance(grads, list) else None
        changed = reply.get("args_changed", [])
        changed = tuple(bool(c) for c in changed) if isinstance(changed, list) else ()
        return Reply(wire.decode(reply.get("value")), decoded_grads, cut_off, changed, ops)

    def _check_policy(self, ops: Counter, what: str) -> None:
        policy = self.exercise.policy if self.exercise else None
        if policy is None:
            return
        forbidden = _any_of(policy.forbidden_ops)
        used = sorted(op for op in ops if forbidden.search(op)) if forbidden else []
        if used:
            raise ForbiddenSignal.engine("call.forbidden", policy=policy.phrase, what=what, ops=used[:3])


@functools.lru_cache(maxsize=32)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern | None:
    """One regex for a policy's patterns: every call's few dozen operators are matched against it."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
