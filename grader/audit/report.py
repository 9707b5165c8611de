"""What an audit found, per exercise: frozen dataclasses that round-trip to plain data (the JSON report)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.files import write_atomically


@dataclass(frozen=True)
class MutantOutcome:
    id: str
    exercise: str  # the exercise it is counted under (where the mutation lands)
    targets: tuple[str, ...]  # every exercise it can change
    operator: str
    description: str
    diff: str
    killed_public: bool
    killed_hidden: bool
    failed_checks: tuple[str, ...]  # "exercise: check title" of every failed check, public first
    duration_s: float
    equivalent: bool | None = None  # None: not compared (killed), True: likely equivalent
    equivalence: str = ""  # why it may be equivalent, or the input on which it differs

    @property
    def survived(self) -> bool:
        """Graded full marks by the hidden checks and not likely equivalent: a gap in the checks."""
        return not self.killed_hidden and not self.equivalent


@dataclass(frozen=True)
class ExerciseAudit:
    name: str
    generated: int
    killed_public: int
    killed_hidden: int
    likely_equivalent: int
    duration_s: float
    survivors: tuple[MutantOutcome, ...] = ()
    equivalents: tuple[MutantOutcome, ...] = ()

    @property
    def public_rate(self) -> float:
        """Of the mutants the hidden checks kill, the share the public checks kill too (1 when there are none)."""
        return ratio(self.killed_public, self.killed_hidden)


def ratio(part: int, whole: int) -> float:
    return 1.0 if whole == 0 else part / whole


@dataclass(frozen=True)
class AuditReport:
    assignment: str
    exercises: tuple[ExerciseAudit, ...]
    mutants: tuple[MutantOutcome, ...]
    available: int  # mutants the operators generated before --max-mutants sampled them
    workers: int
    duration_s: float  # wall time of the whole audit
    resumed: int = 0  # mutants whose grades came from the gradebook of an earlier run
    operators: dict[str, int] = field(default_factory=dict)  # mutants graded, by operator

    @property
    def generated(self) -> int:
        return len(self.mutants)

    @property
    def killed_public(self) -> int:
        return sum(m.killed_public for m in self.mutants)

    @property
    def killed_hidden(self) -> int:
        return sum(m.killed_hidden for m in self.mutants)

    @property
    def survivors(self) -> list[MutantOutcome]:
        return [m for m in self.mutants if m.survived]

    @property
    def likely_equivalent(self) -> list[MutantOutcome]:
        return [m for m in self.mutants if not m.killed_hidden and m.equivalent]

    @property
    def public_rate(self) -> float:
        return ratio(sum(m.killed_public and m.killed_hidden for m in self.mutants), self.killed_hidden)


def summarise(assignment: str, exercises: list[str], mutants: list[MutantOutcome], **facts: Any) -> AuditReport:
    """Group the mutants by exercise, in the assignment's order."""
    per = []
    for name in exercises + sorted({m.exercise for m in mutants} - set(exercises)):
        mine = [m for m in mutants if m.exercise == name]
        per.append(ExerciseAudit(
            name, len(mine), sum(m.killed_public for m in mine), sum(m.killed_hidden for m in mine),
            sum(bool(not m.killed_hidden and m.equivalent) for m in mine), round(sum(m.duration_s for m in mine), 2),
            tuple(m for m in mine if m.survived), tuple(m for m in mine if not m.killed_hidden and m.equivalent)))
    operators: dict[str, int] = {}
    for m in mutants:
        operators[m.operator] = operators.get(m.operator, 0) + 1
    return AuditReport(assignment, tuple(per), tuple(mutants), operators=operators, **facts)


def to_plain(report: AuditReport) -> dict[str, Any]:
    data = asdict(report)
    data["totals"] = {"generated": report.generated, "killed_public": report.killed_public,
                      "killed_hidden": report.killed_hidden, "likely_equivalent": len(report.likely_equivalent),
                      "survivors": len(report.survivors), "public_rate": round(report.public_rate, 4)}
    for plain, audit in zip(data["exercises"], report.exercises):
        plain["public_rate"] = round(audit.public_rate, 4)
    return data


def from_plain(data: dict[str, Any]) -> AuditReport:
    def mutant(d: dict) -> MutantOutcome:
        return MutantOutcome(**{**d, "targets": tuple(d["targets"]), "failed_checks": tuple(d["failed_checks"])})

    exercises = tuple(ExerciseAudit(**{**{k: v for k, v in e.items() if k != "public_rate"},
                                       "survivors": tuple(mutant(m) for m in e["survivors"]),
                                       "equivalents": tuple(mutant(m) for m in e["equivalents"])})
                      for e in data["exercises"])
    rest = {k: v for k, v in data.items() if k not in ("exercises", "mutants", "totals")}
    return AuditReport(exercises=exercises, mutants=tuple(mutant(m) for m in data["mutants"]), **rest)


def write_json(report: AuditReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(to_plain(report), ensure_ascii=False, indent=1) + "\n")
