"""``grader audit`` as an instructor runs it: mutants of every assignment's reference, graded in the real
sandbox through the batch engine; the checks must kill every mutant that is not likely equivalent."""

from __future__ import annotations

import json
import subprocess

import pytest

from grader.assignment import all_assignments
from tests.conftest import ROOT
from tests.test_cli import grader_command

# Sampled evenly across operators and exercises, the same mutants every run: a few minutes with -j 2.
MAX_MUTANTS = 50


def audit(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*grader_command(), "audit", name, "-j", "2", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)


@pytest.mark.slow
@pytest.mark.parametrize("name", [a.name for a in all_assignments(ROOT) if a.has_hidden])
def test_the_checks_kill_every_mutant_that_is_not_equivalent(name, tmp_path):
    book, out = tmp_path / "audit.sqlite", tmp_path / "audit.json"
    done = audit(name, "--max-mutants", str(MAX_MUTANTS), "--gradebook", str(book), "--json", str(out),
                 "--html", str(tmp_path / "audit.html"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    totals = report["totals"]
    assert totals["generated"] == MAX_MUTANTS and report["resumed"] == 0
    assert {m["exercise"] for m in report["mutants"]} >= {e["name"] for e in report["exercises"] if e["generated"]}
    survivors = [f"{m['id']} ({m['description']}): {m['equivalence']}\n{m['diff']}"
                 for m in report["mutants"] if not m["killed_hidden"] and not m["equivalent"]]
    assert not survivors, "mutants with full marks from the hidden checks:\n" + "\n".join(survivors)
    assert totals["public_rate"] >= 0.9, done.stdout
    assert "survivors" in (tmp_path / "audit.html").read_text(encoding="utf-8").lower()

    # Run again on the same gradebook: every grade comes from it, none is graded again.
    again = audit(name, "--max-mutants", str(MAX_MUTANTS), "--gradebook", str(book), "--json", str(out))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "graded " not in again.stderr
    resumed = json.loads(out.read_text(encoding="utf-8"))
    assert resumed["resumed"] == MAX_MUTANTS + 1  # and the reference, the baseline
    assert resumed["totals"] == totals
