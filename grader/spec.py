"""``assignment.toml``, validated strictly and by name before anything uses it.

A short table of the keys each table may hold (top level, ``[policy.NAME]``,
``[[exercise]]``, ``[student]``), their types and whether they are required, then
the checks that span keys: the points add up to ``points_total`` (100 unless
stated), a policy an exercise names exists, exercise names are distinct
identifiers, the d2l stand-in has the book functions ``[student] d2l`` names,
and ``probes.py`` registers exactly the probes ``[student] probes`` names.
Every problem found is reported at once, each naming the file, the key's path
(``exercise[3].points``, exercises counted from 1 as they appear in the file)
and what was expected.  A new key is added to the tables below.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import AssignmentError
from grader.sandbox.d2l_shim import BOOK

POINTS_TOTAL = 100  # what the exercises' points add up to unless ``points_total`` says otherwise


class SpecError(AssignmentError):
    """``assignment.toml`` is not a valid spec; ``problems`` are its sentences, one per key (exit status 2)."""

    def __init__(self, file: Path, problems: list[str]):
        self.file, self.problems = file, tuple(problems)
        lines = "\n".join(f"  - {file}: {p}" for p in problems)
        super().__init__(f"{file} is not a valid assignment spec ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class Field:
    expected: str  # what the message says was expected
    valid: Callable[[Any], bool]
    required: bool = False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: Any) -> bool:
    return _is_number(value) and value > 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _patterns(value: Any) -> bool:
    if not _texts(value):
        return False
    try:
        for pattern in value:
            re.compile(pattern)
    except re.error:
        return False
    return True


_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

TOP = {
    "name": Field("a lower-case name with dashes, such as \"conv-layer\"",
                  lambda v: isinstance(v, str) and _NAME.fullmatch(v) is not None, required=True),
    "title": Field("a non-empty string", _text),
    "title_zh": Field("a non-empty string", _text),
    "file": Field("the file name students hand in, without .py (a Python identifier)",
                  lambda v: isinstance(v, str) and v.isidentifier()),
    "timeout_s": Field("a number of seconds greater than 0", _positive),
    "budget_s": Field("a number of seconds greater than 0", _positive),
    "points_total": Field("a number greater than 0", _positive),
    "policy": Field("tables [policy.NAME]", lambda v: isinstance(v, dict)),
    "student": Field("a table [student]", lambda v: isinstance(v, dict)),
    "exercise": Field("one or more [[exercise]] tables",
                      lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(e, dict) for e in v),
                      required=True),
}
POLICY = {
    "message": Field("a non-empty string", _text, required=True),
    "message_zh": Field("a non-empty string", _text),
    "forbidden_ops": Field("a list of regular expressions over aten operator names", _patterns),
    "forbidden_attributes": Field("a list of names", _texts),
    "forbidden_modules": Field("a list of module names", _texts),
}
# What every student process of the assignment gets besides torch and the submission.
STUDENT = {
    "d2l": Field(f"a list of the book functions d2l's stand-in can provide ({', '.join(BOOK)})", _texts),
    "probes": Field("a list of the names probes.py registers with @probe(NAME)",
                    lambda v: _texts(v) and all(n.isidentifier() for n in v)),
}
PROBES_FILE = "probes.py"  # in the assignment's folder, beside assignment.toml
EXERCISE = {
    "name": Field("the Python name students define (an identifier)",
                  lambda v: isinstance(v, str) and v.isidentifier(), required=True),
    "points": Field("a number greater than 0", _positive, required=True),
    "title": Field("a non-empty string", _text),
    "title_zh": Field("a non-empty string", _text),
    "policy": Field("the name of a [policy.NAME] table", _text),
    "timeout_s": Field("a number of seconds greater than 0", _positive),
}


def load(file: Path) -> dict[str, Any]:
    """The spec in ``file``, validated; ``SpecError`` lists every problem."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(file, [f"cannot be read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(file, [f"is not TOML: {exc}"]) from None
    problems = validate(data, file.parent)
    if problems:
        raise SpecError(file, problems)
    return data


def validate(data: dict[str, Any], folder: Path | None = None) -> list[str]:
    """The problems of ``data`` (a parsed ``assignment.toml``), each naming its key; [] when it is valid.

    With ``folder`` (the assignment's), also that its ``probes.py`` registers the probes ``[student]`` names.
    """
    problems = _table(data, TOP, "")
    student = data.get("student") if isinstance(data.get("student"), dict) else {}
    problems += _table(student, STUDENT, "student.")
    if STUDENT["d2l"].valid(student.get("d2l", [])):
        for name in student.get("d2l", []):
            if name not in BOOK:
                close = difflib.get_close_matches(name, BOOK, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"student.d2l: {name!r} is not a book function d2l's stand-in provides{hint}; "
                                f"expected one of {', '.join(BOOK)} (BOOK in grader/sandbox/d2l_shim.py)")
    if folder is not None and STUDENT["probes"].valid(student.get("probes", [])):
        problems += _probes(student.get("probes", []), folder / PROBES_FILE)
    policies = data.get("policy") if isinstance(data.get("policy"), dict) else {}
    for name, policy in policies.items():
        if not isinstance(policy, dict):
            problems.append(f"policy.{name}: expected a table [policy.{name}], got {_shown(policy)}")
        elif not re.fullmatch(r"[A-Za-z_][\w-]*", name):
            problems.append(f"policy.{name}: expected a policy name of letters, digits, _ and -")
        else:
            problems += _table(policy, POLICY, f"policy.{name}.")
    exercises = data.get("exercise") if TOP["exercise"].valid(data.get("exercise")) else []
    seen: dict[str, int] = {}
    for index, exercise in enumerate(exercises, start=1):
        where = f"exercise[{index}]."
        problems += _table(exercise, EXERCISE, where)
        name, policy = exercise.get("name"), exercise.get("policy")
        if isinstance(name, str):
            if name in seen:
                problems.append(f"{where}name: {name!r} is already the name of exercise[{seen[name]}]; "
                                "expected distinct exercise names")
            seen.setdefault(name, index)
        if isinstance(policy, str) and policy and policy not in policies:
            known = ", ".join(sorted(policies)) or "none is defined"
            problems.append(f"{where}policy: no policy named {policy!r} (expected one of the [policy.NAME] "
                            f"tables: {known})")
    points = [e.get("points") for e in exercises]
    total = data.get("points_total", POINTS_TOTAL)
    if exercises and all(_positive(p) for p in points) and _positive(total) \
            and not math.isclose(sum(points), total, abs_tol=1e-9):
        stated = "points_total" if "points_total" in data else f"{POINTS_TOTAL} (points_total, when not stated)"
        problems.append(f"exercise[*].points: the exercises' points add up to {sum(points):g}; expected {stated} "
                        f"= {total:g}")
    return problems


def _probes(declared: list[str], file: Path) -> list[str]:
    """``declared`` against the probes ``file`` registers (``@probe("NAME")`` on its top-level functions)."""
    if not file.is_file():
        return [f"student.probes: expected {file.name} beside assignment.toml to register them"] if declared else []
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        return [f"student.probes: {file.name} cannot be read: {exc}"]
    registered = [d.args[0].value for node in tree.body if isinstance(node, ast.FunctionDef)
                  for d in node.decorator_list
                  if isinstance(d, ast.Call) and getattr(d.func, "id", getattr(d.func, "attr", None)) == "probe"
                  and d.args and isinstance(d.args[0], ast.Constant) and isinstance(d.args[0].value, str)]
    problems = [f"student.probes: {file.name} registers no probe named {name!r} (expected one of the names it "
                f"registers with @probe(NAME): {', '.join(registered) or 'it registers none'})"
                for name in declared if name not in registered]
    problems += [f"student.probes: {file.name} registers the probe {name!r}, which student.probes does not name; "
                 "expected every probe it registers to be declared" for name in registered if name not in declared]
    return problems


def _table(table: dict[str, Any], fields: dict[str, Field], prefix: str) -> list[str]:
    problems = []
    for key, value in table.items():
        field = fields.get(key)
        if field is None:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{prefix}{key}: unknown key{hint}; expected one of {', '.join(fields)}")
        elif not field.valid(value):
            problems.append(f"{prefix}{key}: expected {field.expected}, got {_shown(value)}")
    for key, field in fields.items():
        if field.required and key not in table:
            problems.append(f"{prefix}{key}: missing; expected {field.expected}")
    return problems


def _shown(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{text[:60]}{'...' if len(text) > 60 else ''} ({kind})"
