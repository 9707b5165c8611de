"""What the attack tests share: materialising attack submissions and looking for what they left behind."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from conftest import ROOT
from grader.reports import json_report
from grader.sandbox import slots

ATTACKS = ROOT / "tests" / "attacks"
# Text that exists only on the grader's side: the reference solution and the hidden tests.
SECRET_TEXT = ("Reference solution for the `conv-layer` assignment", "The hidden checks of conv-layer",
               "Only in the instructor's checkout")


def free_slot(start: int = 100) -> int:
    """A slot no grader holds, away from slot 0 (the default), so a scan by uid sees only our processes."""
    with slots.claim(start=start) as slot:
        return slot.number


def filled(text: str, name: str, values: dict) -> str:
    """``text`` of the attack ``name`` with its ``__PLACEHOLDERS__`` filled in from ``values``, all of them."""
    for key, value in values.items():
        text = text.replace(f"__{key}__", str(value))
    left = sorted(set(re.findall(r"__[A-Z][A-Z_]*__", text)))
    assert not left, f"{name}: placeholders not filled: {left}"
    return text


def submission(folder: Path, name: str, **values: object) -> Path:
    """Copy ``tests/attacks/<name>`` into ``folder``, filling in its ``__PLACEHOLDERS__``."""
    text = filled((ATTACKS / name).read_text(encoding="utf-8"), name, values)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def stat_fields(pid: int | str) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
            return stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, real uid) of every process on the machine."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = stat_fields(entry)
            if fields is None:
                continue
            ppid = int(fields[1])
            with open(f"/proc/{entry}/status") as status:
                uid = next(int(line.split()[1]) for line in status if line.startswith("Uid:"))
        except (OSError, StopIteration, IndexError, ValueError):
            continue
        found[int(entry)] = (ppid, uid)
    return found


def leftovers(grader, wait_s: float = 5.0) -> list[int]:
    """Processes still running as the grader's sandbox uid, or below its template process.

    Polls for up to ``wait_s``: the kernel kills a pid namespace's processes asynchronously.
    """
    uid, template = grader.limits.uid, grader.template.process.pid
    deadline = time.monotonic() + wait_s
    while True:
        table = _processes()
        left = []
        for pid, (ppid, owner) in table.items():
            ancestor, hops = ppid, 0
            while ancestor not in (0, 1, template) and ancestor in table and hops < 100:
                ancestor, hops = table[ancestor][0], hops + 1
            if owner == uid or (ancestor == template and pid != template):
                left.append(pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def result_text(result) -> str:
    return json_report.dumps(result)


def lost(result) -> dict[str, float]:
    """Exercise name -> points lost."""
    return {e.name: e.max_score - e.score for e in result.exercises if e.score < e.max_score}


def assert_contained(grader, result, *, score: float, loses: set[str], secrets: tuple[str, ...] = ()) -> None:
    """The attack earned exactly what its honest part deserves and left nothing behind."""
    assert set(lost(result)) == loses, f"lost points on {lost(result)}, expected exactly {sorted(loses)}"
    for name in loses:
        exercise = next(e for e in result.exercises if e.name == name)
        assert exercise.score == 0, f"{name} kept {exercise.score} points"
    assert result.score == score
    text = result_text(result)
    for secret in SECRET_TEXT + secrets:
        assert secret not in text, f"{secret!r} reached the result"
    assert "internal grader error" not in text
    assert grader.template.alive(), "the template process died"
    assert leftovers(grader) == [], "processes were left behind"


def output_record(result, tag: str) -> dict:
    """The JSON a test submission printed after ``tag`` (our own attack files report what they observed)."""
    for line in result.output.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
    raise AssertionError(f"no {tag} line in the output:\n{result.output[:2000]}")
