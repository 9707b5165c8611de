"""The symbols every report marks statuses and wrong entries with (terminal, HTML, the legend): written once.

A symbol always goes with words (the status in the reader's language, "(wrong)" for screen readers), so
nothing depends on telling the symbols apart.
"""

from __future__ import annotations

from grader.results import Outcome, Status

PASSED = "✓"
PARTIAL = "◐"
WRONG = "✗"  # failed, an error, too slow, forbidden; and a wrong entry of a grid
NOT_IMPLEMENTED = "○"

# The fields of the catalogue's legend that shows them ("report.symbols"); "report.wrong_cells" has {mark}.
LEGEND = {"passed": PASSED, "partial": PARTIAL, "failed": WRONG, "not_implemented": NOT_IMPLEMENTED}

_BY_STATUS = {Status.PASSED: PASSED, Status.PARTIAL: PARTIAL, Status.NOT_IMPLEMENTED: NOT_IMPLEMENTED}
_BY_OUTCOME = {Outcome.PASSED: PASSED, Outcome.NOT_IMPLEMENTED: NOT_IMPLEMENTED}


def of_status(status: Status) -> str:
    """An exercise's symbol: every status that lost points for a mistake is ✗."""
    return _BY_STATUS.get(status, WRONG)


def of_outcome(outcome: Outcome) -> str:
    """A check's symbol: it holds, it is not implemented, or it is ✗."""
    return _BY_OUTCOME.get(outcome, WRONG)
