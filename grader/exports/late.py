"""Late penalties: a percentage off the score, flat or per day late, stated wherever the grade goes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from grader.results import Identity

_SPEC = re.compile(r"^\s*(?P<percent>\d+(?:\.\d+)?)\s*%?\s*(?P<per_day>(?:/|per)\s*day)?\s*$", re.IGNORECASE)


class PenaltyError(ValueError):
    pass


@dataclass(frozen=True)
class LatePenalty:
    percent: float
    per_day: bool = False

    @classmethod
    def parse(cls, text: str) -> "LatePenalty":
        """``"10"`` or ``"10%"`` (flat), ``"10%/day"`` or ``"10% per day"``."""
        match = _SPEC.match(text)
        if not match or not 0 <= float(match["percent"]) <= 100:
            raise PenaltyError(f"--late-penalty {text!r}: give a percentage from 0 to 100, flat ('10%') "
                               "or per day late ('10%/day')")
        return cls(float(match["percent"]), bool(match["per_day"]))

    def apply(self, identity: Identity, due: datetime | None) -> tuple[float, str]:
        """The percentage off and the sentence that says why; (0, "") for work on time."""
        submitted = _when(identity.submitted_at)
        late = identity.late or (due is not None and submitted is not None and submitted > due)
        if not late:
            return 0.0, ""
        if not self.per_day:
            return self.percent, f"late: {self.percent:g}% off"
        if due is None or submitted is None:
            # The download says late but not by how much (Canvas's LATE): one day, and the reason says so.
            return min(100.0, self.percent), (f"late by an unknown time, counted as 1 day: {self.percent:g}% off")
        days = max(1, math.ceil((submitted - due).total_seconds() / 86400))
        percent = min(100.0, self.percent * days)
        return percent, f"late by {days} day(s): {percent:g}% off ({self.percent:g}% per day)"


def _when(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_due(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = _when(text)
    if moment is None:
        raise PenaltyError(f"--due {text!r} is not an ISO-8601 date and time (e.g. 2026-03-01T23:59:00+01:00)")
    return moment
