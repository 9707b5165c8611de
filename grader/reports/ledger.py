"""``grader gradebook``: the class at a glance, and one student's attempts with what changed between them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from grader.reports.templating import number

if TYPE_CHECKING:  # reports render what the gradebook read; they do not open it
    from grader.gradebook import Gradebook, Record


def printable(text: str) -> str:
    """Names and keys come from LMS downloads (hostile input): no escape sequence reaches the terminal."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


def status(record: "Record") -> str:
    kinds = [issue.kind for issue in record.result.load_issues]
    if "internal_error" in kinds:
        text = "grader error"
    elif kinds:
        text = f"{len(kinds)} load problem(s)"
    else:
        passed = sum(e.status.value == "passed" for e in record.result.exercises)
        text = f"{passed}/{len(record.result.exercises)} exercises passed"
    if record.result.identity.late:
        text += ", late"
    if record.late_penalty_percent is not None:
        text += f", late penalty {number(record.late_penalty_percent)}%"
    return text


def who(record: "Record") -> str:
    students = record.result.identity.students
    return printable(", ".join(f"{p.name} ({p.id})" if p.name and p.id else p.name or p.id for p in students))


def class_lines(book: "Gradebook") -> Iterator[str]:
    """One line per submission key: its latest score, attempts and status."""
    records = book.iter_latest()
    first = next(records, None)
    if first is None:
        yield f"{book.path}: no submissions graded yet"
        return
    yield f"{'submission':<24} {'score':>11}  {'attempts':>8}  {'graded at (UTC)':<24}  status"
    for record in _chain(first, records):
        score = f"{number(record.result.score)}/{number(record.result.max_score)}"
        name = who(record)
        yield (f"{printable(record.key):<24} {score:>11}  {record.attempt:>8}  {record.graded_at:<24}  {status(record)}"
               + (f"  [{name}]" if name else ""))


def _chain(first: "Record", rest: Iterator["Record"]) -> Iterator["Record"]:
    yield first
    yield from rest


def changes(before: "Record | None", after: "Record") -> list[str]:
    """What differs between two attempts of a submission: why it was graded again."""
    if before is None:
        return ["first attempt"]
    found = []
    if before.sha256 != after.sha256:
        found.append("new submission bytes")
    if before.fingerprint != after.fingerprint:
        found.append("assignment changed (spec, checks or reference)")
    for name in sorted(set(before.versions) | set(after.versions)):
        old, new = before.versions.get(name, "-"), after.versions.get(name, "-")
        if old != new:
            found.append(f"{name} {old} -> {new}")
    if before.visibilities != after.visibilities:
        found.append(f"checks {'+'.join(before.visibilities)} -> {'+'.join(after.visibilities)}")
    return found or ["regraded (nothing changed)"]


def attempt_lines(records: Iterable["Record"]) -> Iterator[str]:
    """Every attempt of one submission key, oldest first: its score and what changed since the one before."""
    previous = None
    for record in records:
        if previous is None:
            name = who(record)
            yield printable(record.key) + (f" [{name}]" if name else "")
        score = f"{number(record.result.score)}/{number(record.result.max_score)}"
        delta = ""
        if previous is not None and previous.result.score != record.result.score:
            delta = f" ({'+' if record.result.score > previous.result.score else ''}" \
                    f"{number(round(record.result.score - previous.result.score, 2))})"
        yield (f"  attempt {record.attempt}  {record.graded_at}  {score}{delta}  {status(record)}; "
               + ", ".join(changes(previous, record)))
        previous = record
