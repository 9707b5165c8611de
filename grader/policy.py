"""The static half of an exercise policy: what an exercise's code refers to.

At run time the harness counts the aten operators each call runs, which
catches a built-in convolution however it is reached through torch.  This
scan covers what never reaches torch (``scipy.signal.convolve2d``) by
reading the submission's syntax tree: the definition of the exercise and
every module-level function or class it refers to, transitively.  Local
names are not flagged (a student's own helper called ``conv2d`` is fine);
attribute access (``F.conv2d``) and imports of forbidden names are.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from grader.assignment import Policy
from grader.checks import Phrase


def _definitions(trees: Iterable[ast.Module]) -> dict[str, list[ast.AST]]:
    found: dict[str, list[ast.AST]] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Assign):  # corr2d_matmul = conv2d_by_mul
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
    return found


def _imports(trees: Iterable[ast.Module]) -> dict[str, str]:
    """Module-level alias -> what it imports ("scipy.signal", "torch.nn.functional.conv2d")."""
    aliases: dict[str, str] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _within(dotted: str, modules: Iterable[str]) -> bool:
    return bool(dotted) and any(dotted == m or dotted.startswith(m + ".") for m in modules)


def _resolve(node: ast.Attribute, imports: dict[str, str]) -> str:
    """``ss.convolve2d`` -> ``scipy.signal.convolve2d`` when ``ss`` imports scipy.signal; "" if not a plain chain."""
    parts = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name):
        return ""
    root = imports.get(current.id, current.id)
    return ".".join([root, *reversed(parts)])


def violations(trees: Iterable[ast.Module], exercise: str, policy: Policy) -> list[Phrase]:
    """What the code reachable from ``exercise`` uses that ``policy`` forbids (empty when clean), as phrases."""
    trees = list(trees)
    definitions, imports = _definitions(trees), _imports(trees)
    forbidden_attrs = set(policy.forbidden_attributes)
    found: list[Phrase] = []
    seen: set[str] = set()
    pending = [exercise]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for definition in definitions.get(name, []):
            for node in ast.walk(definition):
                if isinstance(node, ast.Attribute):
                    dotted = _resolve(node, imports)
                    if node.attr in forbidden_attrs or _within(dotted, policy.forbidden_modules):
                        name = dotted or "." + node.attr
                        found.append(Phrase.engine("found.attribute", name=name, line=node.lineno))
                elif isinstance(node, ast.Name):
                    target = imports.get(node.id, "")
                    if target.split(".")[-1] in forbidden_attrs or _within(target, policy.forbidden_modules):
                        found.append(Phrase.engine("found.imported", name=node.id, module=target, line=node.lineno))
                    elif node.id in definitions:
                        pending.append(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    module = node.module if isinstance(node, ast.ImportFrom) else None
                    for alias in node.names:
                        full = f"{module}.{alias.name}" if module else alias.name
                        if alias.name in forbidden_attrs or _within(full, policy.forbidden_modules):
                            found.append(Phrase.engine("found.import", module=full, line=node.lineno))
    return sorted(set(found))  # phrases are their English text: equal texts are the same finding
