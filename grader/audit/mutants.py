"""Mutants of a reference solution: each a full file with exactly one mutation inside one definition.

The mutated definition is unparsed from its tree and spliced into the reference's own text in place
of the original, so everything else (imports, the other exercises, comments) stays byte for byte.
A mutant that does not compile, or whose definition unparses the same as the original, is dropped;
so is the second of two mutants with the same text.
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grader.audit.operators import OPERATORS


@dataclass(frozen=True)
class Mutant:
    id: str  # "<definition>.<operator>.<site>", stable while the reference does not change
    definition: str  # the top-level function or class the mutation lands in
    targets: tuple[str, ...]  # the exercises it can change: the definition and those calling it
    operator: str
    description: str
    diff: str  # unified diff of the definition, as unparsed, before and after
    source: str  # the whole mutant file

    @property
    def exercise(self) -> str:
        """The exercise it is counted under: the definition, or the first exercise calling it."""
        return self.targets[0] if self.targets else self.definition


def _definitions(tree: ast.Module) -> list[ast.FunctionDef | ast.ClassDef]:
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def callers(tree: ast.Module) -> dict[str, set[str]]:
    """For each top-level definition, the top-level definitions that use it, directly or not."""
    defs = {d.name: d for d in _definitions(tree)}
    uses = {name: {n.id for n in ast.walk(d) if isinstance(n, ast.Name) and n.id in defs} - {name}
            for name, d in defs.items()}
    result = {name: set() for name in defs}
    for name in defs:
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for user, used in uses.items():
                if current in used and user not in result[name] and user != name:
                    result[name].add(user)
                    frontier.append(user)
    return result


def targets_of(definition: str, tree: ast.Module, exercises: Sequence[str]) -> tuple[str, ...]:
    """The exercises a mutation in ``definition`` can change, the definition first, then in ``exercises`` order."""
    reach = {definition} | callers(tree).get(definition, set())
    ordered = [definition] if definition in exercises else []
    return tuple(ordered + [e for e in exercises if e in reach and e != definition])


def _span(node: ast.stmt) -> tuple[int, int]:
    """The 0-based line range of a definition, decorators included."""
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return start - 1, node.end_lineno


def generate(reference: str, *, exercises: Sequence[str], operators: Iterable[str] | None = None) -> list[Mutant]:
    """Every mutant of ``reference`` (Python source) by ``operators`` (default: all), in a fixed order."""
    tree = ast.parse(reference)
    lines = reference.splitlines(keepends=True)
    names = list(OPERATORS) if operators is None else list(operators)
    seen = {hashlib.sha256(reference.encode()).hexdigest()}
    found: list[Mutant] = []
    for original in _definitions(tree):
        before = ast.unparse(original)
        start, end = _span(original)
        targets = targets_of(original.name, tree, exercises)
        for name in names:
            operator = OPERATORS[name]
            count = sum(1 for _ in operator(copy.deepcopy(original)))
            for k in range(count):
                fresh = copy.deepcopy(original)
                site = next(itertools.islice(operator(fresh), k, None))
                extra = site.apply()
                ast.fix_missing_locations(fresh)
                try:
                    after = ast.unparse(fresh)
                except Exception:  # a mutation that leaves no valid tree is no mutant
                    continue
                if after == before and not extra:
                    continue
                indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
                block = "".join(indent + line + "\n" for line in after.splitlines())
                if extra:
                    block += "\n\n" + extra + "\n"
                source = "".join(lines[:start]) + block + "".join(lines[end:])
                try:
                    compile(source, "<mutant>", "exec")
                except (SyntaxError, ValueError):
                    continue
                digest = hashlib.sha256(source.encode()).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                diff = "".join(difflib.unified_diff(
                    [line + "\n" for line in before.splitlines()],
                    [line + "\n" for line in (after + ("\n\n\n" + extra if extra else "")).splitlines()],
                    "reference", "mutant", n=1))
                found.append(Mutant(f"{original.name}.{name}.{k}", original.name, targets, name,
                                    site.description, diff, source))
    return found


def sample(mutants: Sequence[Mutant], limit: int | None) -> list[Mutant]:
    """At most ``limit`` mutants, spread evenly over exercises and, inside each, over operators; the same ones on every run.

    Round robin over the exercises, each taking its next mutant in a round robin over its operators
    (started at another operator for each exercise, so that a small sample still covers them all);
    inside an operator, in the order of a hash of the mutant's id, so that the sites sampled are
    spread over the definition, not its first lines.
    """
    if limit is None or limit >= len(mutants):
        return list(mutants)
    by_exercise: dict[str, dict[str, list[Mutant]]] = {}
    for mutant in mutants:
        by_exercise.setdefault(mutant.exercise, {}).setdefault(mutant.operator, []).append(mutant)
    streams = []
    for shift, (_, operators) in enumerate(sorted(by_exercise.items())):
        queues = [sorted(group, key=lambda m: hashlib.sha256(m.id.encode()).hexdigest())
                  for _, group in sorted(operators.items())]
        queues = queues[shift % len(queues):] + queues[:shift % len(queues)]
        streams.append([m for layer in itertools.zip_longest(*queues) for m in layer if m is not None])
    chosen = [m for layer in itertools.zip_longest(*streams) for m in layer if m is not None][:limit]
    order = {m.id: i for i, m in enumerate(mutants)}
    return sorted(chosen, key=lambda m: order[m.id])
