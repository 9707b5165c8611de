"""``result.json``: a submission's result as JSON (the shape other tools consume: ``results.to_plain``)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

from grader.bounded import printable_data
from grader.files import write_atomically
from grader.results import SubmissionResult, to_plain


def _default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def dumps(result: SubmissionResult) -> str:
    # Student text keeps no control character: ``cat result.json`` must not drive a terminal.
    return json.dumps(printable_data(to_plain(result)), ensure_ascii=False, indent=2, default=_default,
                      allow_nan=False)


def write(result: SubmissionResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, dumps(result) + "\n")  # never a half-written result after a crash
