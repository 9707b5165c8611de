"""Plain data for results: tensors and odd values become JSON-compatible structures.

Counterexamples in a result must be readable by any report and by other
tools, so tensors become ``{"tensor": {"dtype", "shape", "values"}}`` with
nested lists of numbers; non-finite floats become the strings "nan", "inf"
and "-inf".
"""

from __future__ import annotations

import math
from typing import Any


def _number(x: Any) -> Any:
    if isinstance(x, bool) or isinstance(x, int):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else repr(x)
    return x


def to_plain(value: Any, _depth: int = 0) -> Any:
    import torch

    from grader.sandbox.wire import Opaque, meta

    if _depth > 20:
        return "..."
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16 or t.dtype == torch.float16:
            t = t.float()
        values = t.tolist()
        info = meta(value)
        body = {"dtype": str(value.dtype).replace("torch.", ""), "shape": list(value.shape), "values": _walk(values)}
        if info is not None and info.type != "torch.Tensor":
            body["type"] = info.type
        return {"tensor": body}
    if isinstance(value, Opaque):
        return {"object": {"type": value.type, "repr": value.repr}}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v, _depth + 1) for k, v in value.items()}
    return {"object": {"type": type(value).__name__, "repr": repr(value)[:200]}}


def _walk(values: Any) -> Any:
    if isinstance(values, list):
        return [_walk(v) for v in values]
    return _number(values)
