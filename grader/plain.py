"""Plain data for results: tensors and odd values become JSON-compatible structures.

Counterexamples in a result must be readable by any report and by other
tools, so tensors become ``{"tensor": {"dtype", "shape", "values"}}`` with
nested lists of numbers; non-finite floats become the strings "nan", "inf"
and "-inf".
"""

from __future__ import annotations

import math
from typing import Any

from grader import bounded
from grader.bounded import Budget


def _number(x: Any) -> Any:
    if isinstance(x, bool) or isinstance(x, int):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else repr(x)
    return x


def to_plain(value: Any, _depth: int = 0, *, budget: Budget | None = None, compared_with: Any = None) -> Any:
    """``value`` as plain data, bounded (``grader.bounded``): what a result may hold of anything the student sent.

    ``compared_with``: the expected value, when ``value`` is the student's answer (says where a cut tensor differs).
    """
    import torch

    from grader.sandbox.wire import Opaque, meta

    budget = budget if budget is not None else Budget()
    if _depth > 20:
        return "..."
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _number(value) if budget.take() else "…"
    if isinstance(value, str):
        return budget.text(value)
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16 or t.dtype == torch.float16:
            t = t.float()
        body = bounded.tensor_body(t, str(value.dtype).replace("torch.", ""), budget, compared_with)
        body["values"] = _walk(body["values"])
        info = meta(value)
        if info is not None and info.type != "torch.Tensor":
            body["type"] = info.type
        return {"tensor": body}
    if isinstance(value, Opaque):
        return {"object": {"type": value.type, "repr": value.repr}}
    if isinstance(value, (list, tuple)):
        items = []
        for v in value[:bounded.MAX_ITEMS]:
            if budget.left <= 0:  # the value's budget is spent: one entry says how much is left out
                break
            items.append(to_plain(v, _depth + 1, budget=budget))
        if len(value) > len(items):
            items.append(f"… {len(value) - len(items):,} more")
        return items
    if isinstance(value, dict):
        entries = list(value.items())
        plain = {bounded.text(str(k), 100): to_plain(v, _depth + 1, budget=budget)
                 for k, v in entries[:bounded.MAX_ITEMS]}
        if len(entries) > bounded.MAX_ITEMS:
            plain["…"] = f"{len(entries) - bounded.MAX_ITEMS:,} more"
        return plain
    return {"object": {"type": type(value).__name__, "repr": repr(value)[:200]}}


def _walk(values: Any) -> Any:
    if isinstance(values, list):
        return [_walk(v) for v in values]
    return _number(values)
