"""Is a surviving mutant likely equivalent?  Compare it with the reference on many random inputs.

The assignment's ``audit.py`` says how to call each exercise (``trial(module, name, seed)``); here
both the reference and the mutant are called on the same seeds and what they return (values,
gradients, inputs afterwards) compared.  A mutant may loop forever or eat memory, so the
comparison runs in a child interpreter (``python -m grader.audit.equivalence``) with a CPU, memory
and wall-clock limit; the mutant is our own code, not a student's, so this is about runaway
processes, not hostile ones.  One child per mutant, its verdict as JSON on stdout.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.tolerance import close, tolerance

WALL_S = 120
CPU_S = 100
MEMORY = 8 << 30  # address space: torch alone maps ~1-2 GiB
PER_TRIAL_S = 5


@dataclass(frozen=True)
class Verdict:
    equivalent: bool
    reason: str  # agreement over N trials, or the first seed on which they differ and how


def compare(reference: Path, mutant: Path, *, harness: Path, exercises: list[str], trials: int | None = None,
            python: str = sys.executable) -> Verdict:
    """Run the comparison in a limited child process; a child that fails or runs out of time means "differs"."""
    request = json.dumps({"reference": str(reference), "mutant": str(mutant), "harness": str(harness),
                          "exercises": exercises, "trials": trials})
    try:
        done = subprocess.run([python, "-m", "grader.audit.equivalence"], input=request, capture_output=True,
                              text=True, timeout=WALL_S, preexec_fn=_limit if sys.platform != "win32" else None)
    except subprocess.TimeoutExpired:
        return Verdict(False, f"the comparison did not finish within {WALL_S} s (the mutant loops?)")
    try:
        verdict = json.loads(done.stdout.strip().splitlines()[-1])
        return Verdict(bool(verdict["equivalent"]), str(verdict["reason"]))
    except (ValueError, IndexError, KeyError, TypeError):
        tail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return Verdict(False, f"the comparison failed: {tail[0][:300]}")


def _limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_S, CPU_S))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


# ------------------------------------------------------------ in the child


def _load(path: str, name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(harness, module, name: str, seed: int) -> Any:
    import signal

    def expire(*_):
        raise TimeoutError(f"did not finish within {PER_TRIAL_S} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(PER_TRIAL_S)
    try:
        return ("ok", harness.trial(module, name, seed))
    except Exception as exc:  # the reference raising too (same type) is agreement
        return ("raised", type(exc).__name__)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _tensors_close(a, b) -> bool:
    """The mutant's ``b`` is the reference's ``a`` as the checks judge an answer: ``grader.tolerance``, the
    computation's scale taken as the reference's largest magnitude (the trial's inputs are the harness's own).
    Equal infinities and NaN where the reference has NaN agree."""
    import torch

    finite = a[torch.isfinite(a)]
    scale = float(finite.abs().max()) if finite.numel() else 0.0
    agree = (a == b) | (torch.isnan(a) & torch.isnan(b)) | (torch.isfinite(a) & ((a - b).abs() <= tolerance(a, scale)))
    return bool(agree.all())


def differ(a: Any, b: Any, where: str = "") -> str | None:
    """Where ``a`` (reference) and ``b`` (mutant) differ, or None when they agree."""
    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return f"{where}: {type(a).__name__} vs {type(b).__name__}"
        if a.shape != b.shape:
            return f"{where}: shape {tuple(a.shape)} vs {tuple(b.shape)}"
        if a.dtype != b.dtype:
            return f"{where}: dtype {a.dtype} vs {b.dtype}"
        if a.is_floating_point() and not _tensors_close(a.double(), b.double()):
            return f"{where}: values differ by up to {float((a.double() - b.double()).abs().max()):.3g}"
        if not a.is_floating_point() and not torch.equal(a, b):
            return f"{where}: values differ"
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a)} vs {sorted(b)}"
        return next((d for k in a if (d := differ(a[k], b[k], f"{where}.{k}" if where else str(k)))), None)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: {len(a)} items vs {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := differ(x, y, f"{where}[{i}]"))), None)
    if isinstance(a, float) and isinstance(b, (int, float)):
        if a == b or (math.isfinite(a) and close(b, a, abs(a))) or (math.isnan(a) and math.isnan(b)):
            return None
        return f"{where}: {a!r} vs {b!r}"
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{where}: {type(a).__name__} vs {type(b).__name__}"
    return None if a == b else f"{where}: {str(a)[:80]} vs {str(b)[:80]}"


def main() -> None:
    request = json.loads(sys.stdin.read())
    import torch

    torch.set_num_threads(1)
    harness = _load(request["harness"], "grader_audit_harness")
    reference = _load(request["reference"], "grader_audit_reference")
    mutant = _load(request["mutant"], "grader_audit_mutant")
    trials = request.get("trials") or getattr(harness, "TRIALS", 50)
    for name in request["exercises"]:
        for seed in range(trials):
            torch.manual_seed(seed)
            expected = _run(harness, reference, name, seed)
            torch.manual_seed(seed)
            got = _run(harness, mutant, name, seed)
            where = differ(expected, got)
            if where is not None:
                print(json.dumps({"equivalent": False, "reason": f"{name} differs on random input {seed}: {where}"}))
                return
    print(json.dumps({"equivalent": True, "reason": f"agrees with the reference on {trials} random inputs of "
                      f"{', '.join(request['exercises'])} (values, gradients, inputs left unchanged)"}))


if __name__ == "__main__":
    main()
