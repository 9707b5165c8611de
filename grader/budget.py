"""A submission's total time budget: what one student can cost a worker, whatever each call does.

Each call has its own time limit, but a submission whose every call stays just under it would hold a
worker for minutes (a full grading is about 400 calls).  The budget bounds the whole: it starts when
grading of the submission starts (loading included), every call's time limit is cut to what is left of
it, and once it is spent the remaining checks end as ``timeout`` without calling the student again.
Its size comes from ``budget_s`` in ``assignment.toml`` (default ``DEFAULT_BUDGET_S``): a small multiple
of what grading the reference solution takes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

DEFAULT_BUDGET_S = 60.0


@dataclass
class Budget:
    seconds: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    @property
    def spent(self) -> bool:
        return self.left() <= 0

    @property
    def args(self) -> dict:
        """The arguments of the ``not_run.budget`` sentence."""
        return {"seconds": float(self.seconds)}
