"""Which assignment a submission is for, when the command line does not say: the names its files define.

No assignment is special.  Each code file is read with ``ast`` (never run; a
notebook's code cells) and counts for the assignment whose exercise names it
defines the most of at its top level; a tie goes to the assignment whose file
name it has.  The submissions' assignment is the one most files count for.
When none stands out, ``--assignment`` must choose, unless only one
assignment is installed (then it is that one, as before there were several).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.assignment import Assignment
from grader.errors import UsageProblem
from grader.intake.found import Candidate
from grader.intake.choose import top_level_names
from grader.messages import english

MAX_FILES = 500  # a batch bigger than a class: the first files decide
_SHOWN = 4  # names a sentence lists before "…"


@dataclass(frozen=True)
class Recognised:
    assignment: Assignment
    key: str  # the sentence for stderr in the catalogue: "graded as conv-layer: defines corr2d, Conv2D, …"
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def why(self) -> str:
        return english(self.key, **self.args)


def recognise(files: Sequence[Candidate], assignments: Sequence[Assignment], *, what: str) -> Recognised:
    """The assignment ``files`` (the code files of ``what``: a path, or "the submissions") are for.

    ``UsageProblem`` when it cannot be told and more than one assignment is installed.
    """
    if not assignments:
        raise _ask("", assignments)
    code = [f for f in files if f.is_code][:MAX_FILES]
    votes: Counter[str] = Counter()
    defined: dict[str, set[str]] = {a.name: set() for a in assignments}
    tied: list[str] = []  # assignments a file defines as many names of as of another's
    for file in code:
        names = top_level_names(file)
        counts = {a.name: len(names & _names(a)) for a in assignments}
        best = max(counts.values())
        top = [a for a in assignments if counts[a.name] == best]
        if len(top) > 1:
            top = [a for a in top if file.match_stem == a.expected_stem] or top
        if len(top) == 1 and (best > 0 or file.match_stem == top[0].expected_stem):
            votes[top[0].name] += 1
            defined[top[0].name] |= names & _names(top[0])
        elif best > 0:
            tied += [a.name for a in top if a.name not in tied]
    ranked = votes.most_common()
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        chosen = next(a for a in assignments if a.name == ranked[0][0])
        return _evidence(chosen, defined[chosen.name], votes, code)
    if len(assignments) == 1:
        return Recognised(assignments[0], "recognised.only", {"assignment": assignments[0].name, "what": what})
    if ranked or tied:
        candidates = [name for name, n in ranked if n == ranked[0][1]] if ranked else tied
        why = f"{what} could be for {' and '.join(candidates)}"
    else:
        why = f"nothing in {what} defines an assignment's names" if code else f"there is no code file in {what}"
    raise _ask(why, assignments)


def recorded_or_only(names: set[str], assignments: Sequence[Assignment], *, what: str) -> Recognised:
    """The assignment whose results ``what`` holds (``names``, see ``recorded``), else the only one installed."""
    known = [a for a in assignments if a.name in names]
    if len(known) == 1:
        return Recognised(known[0], "recognised.export_held", {"assignment": known[0].name, "what": what})
    if len(assignments) == 1 and not names:
        return Recognised(assignments[0], "recognised.export_only", {"assignment": assignments[0].name})
    if known:
        raise _ask(f"{what} holds results of {' and '.join(a.name for a in known)}", assignments)
    if names:
        raise _ask(f"{what} holds results of {', '.join(sorted(names))}, not an assignment installed here",
                   assignments)
    raise _ask(f"{what} holds no results that name their assignment", assignments)


def only(assignments: Sequence[Assignment]) -> Assignment:
    """The one assignment installed; else ``--assignment`` must choose."""
    if len(assignments) == 1:
        return assignments[0]
    raise _ask(f"{len(assignments)} assignments are installed", assignments)


def _ask(why: str, assignments: Sequence[Assignment]) -> UsageProblem:
    if not assignments:
        return UsageProblem("no assignments are installed: reinstall grader")
    return UsageProblem(f"cannot tell which assignment to use: {why}; pass --assignment NAME, one of:\n"
                        + "\n".join(f"  {a.name:<16} {a.title} (defines {_listed(_ordered(a))})"
                                     for a in assignments))


def _names(assignment: Assignment) -> set[str]:
    return {e.name for e in assignment.exercises}


def _ordered(assignment: Assignment, among: set[str] | None = None) -> list[str]:
    return [e.name for e in assignment.exercises if among is None or e.name in among]


def _listed(names: list[str]) -> str:
    return ", ".join(names[:_SHOWN]) + (", …" if len(names) > _SHOWN else "")


def _evidence(chosen: Assignment, defined: set[str], votes: Counter[str], code: list[Candidate]) -> Recognised:
    args = {"assignment": chosen.name, "names": _listed(_ordered(chosen, defined)), "n": len(defined),
            "total": len(chosen.exercises)}
    if len(code) > 1:
        others = sum(votes.values()) - votes[chosen.name]
        return Recognised(chosen, "recognised.batch", args | {"votes": votes[chosen.name], "files": len(code),
                                                              "others": others})
    if defined:
        return Recognised(chosen, "recognised.defines", args)
    return Recognised(chosen, "recognised.named", {"assignment": chosen.name, "file": code[0].name})


def recorded(folder: Path, gradebook: Path | None, *, result_name: str, look_at: int = 20) -> set[str]:
    """The assignments whose results the gradebook, else ``folder`` (grade's --out), holds: for ``grader export``."""
    from grader.gradebook import Gradebook, GradebookError

    if gradebook is not None and gradebook.is_file():
        try:
            with Gradebook.open(gradebook, create=False) as book:
                return {book.assignment} - {None}
        except GradebookError:
            return set()  # export itself says what is wrong with it
    found: set[str] = set()
    results = (child / result_name for child in sorted(folder.iterdir())) if folder.is_dir() else ()
    for index, result in enumerate(results):
        if index >= look_at:
            break
        try:
            name = json.loads(result.read_text(encoding="utf-8")).get("assignment")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(name, str):
            found.add(name)
    return found
