"""The audit in the terminal: one row per exercise, then each survivor with its diff."""

from __future__ import annotations

from grader.audit.report import AuditReport, MutantOutcome
from grader.reports.terminal import pad

COLUMNS = ("exercise", "mutants", "public", "hidden", "equiv.", "survive", "time")


def _percent(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.0f}%)" if whole else "0"


def render(report: AuditReport) -> str:
    rows = [COLUMNS]
    for e in report.exercises:
        rows.append((e.name, str(e.generated), _percent(e.killed_public, e.generated),
                     _percent(e.killed_hidden, e.generated), str(e.likely_equivalent), str(len(e.survivors)),
                     f"{e.duration_s:.1f} s"))
    rows.append(("all", str(report.generated), _percent(report.killed_public, report.generated),
                 _percent(report.killed_hidden, report.generated), str(len(report.likely_equivalent)),
                 str(len(report.survivors)), f"{report.duration_s:.1f} s"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [f"Audit of {report.assignment}: {report.generated} mutants graded (of {report.available} generated), "
             f"{report.workers} worker(s), {report.resumed} from the gradebook", ""]
    for n, row in enumerate(rows):
        lines.append("  ".join(pad(cell, w, right=i > 0) for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0 or n == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", f"public checks kill {100 * report.public_rate:.0f}% of what the hidden checks kill"]
    if report.survivors:
        lines += ["", f"{len(report.survivors)} mutant(s) get full marks from the hidden checks:"]
        lines += [line for m in report.survivors for line in _mutant(m)]
    if report.likely_equivalent:
        lines += ["", f"{len(report.likely_equivalent)} likely equivalent (same values and gradients as the reference):"]
        lines += [f"  {m.id}: {m.description}" for m in report.likely_equivalent]
    return "\n".join(lines)


def _mutant(m: MutantOutcome) -> list[str]:
    head = [f"", f"  {m.id} [{m.operator}] {m.description}"]
    if m.killed_public:
        head.append("    (the public checks kill it)")
    if m.equivalence:
        head.append(f"    not equivalent: {m.equivalence}")
    return head + ["    " + line for line in m.diff.splitlines()]
