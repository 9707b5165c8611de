"""Benchmark: what the sandbox costs per submission, against an unsandboxed run measured in the same run.

Not a test.  Two graders are started once each (public and hidden checks, as ``grader grade`` runs):
one with the full sandbox (``Limits()``) and one without it (``Limits(sandbox=False)``: a forked process
with resource limits only, no namespaces, no new root, no uid change, no seccomp).  Each submission is then
graded ``--repeat`` times by both, in alternating order (ABBA) so that drift on a shared machine hits
both sides alike.  Printed: per submission, the median wall time of each and their ratio; then the same
for the session alone (fork from the template, confinement, loading the submission, tear-down), which is
where the sandbox's fixed cost lives.

    .venv/bin/python bench/sandbox_overhead.py [--repeat 7] [--sessions 30] [SUBMISSION ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import submission as submissions  # noqa: E402
from grader.assignment import find  # noqa: E402
from grader.engine import ALL, Grader, Job  # noqa: E402
from grader.sandbox.workers import Limits, Session  # noqa: E402

DEFAULT_SUBMISSIONS = [
    ROOT / "reference" / "conv_layer.py",
    ROOT / "tests" / "corpus" / "correct_loops.py",
    ROOT / "tests" / "corpus" / "flipped_kernel.py",
    ROOT / "tests" / "corpus" / "correct_notebook.ipynb",
]


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _session_once(grader: Grader, plan: dict) -> None:
    session = Session(grader.template, plan, grader.limits)
    try:
        session.start()
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="*", type=Path, default=DEFAULT_SUBMISSIONS)
    parser.add_argument("--repeat", type=int, default=7, help="gradings of each submission per side")
    parser.add_argument("--sessions", type=int, default=30, help="bare sessions (start + close) per side")
    args = parser.parse_args()

    assignment = find("conv-layer", ROOT)
    assignment.checks(ALL)  # the grader's own one-off imports (torch, checks, reference), outside the timings
    sides = {"sandboxed": Limits(), "unsandboxed": Limits(sandbox=False)}
    graders, startup = {}, {}
    for name, limits in sides.items():
        grader = Grader(assignment, visibilities=ALL, limits=limits)
        startup[name] = _timed(grader.__enter__)
        graders[name] = grader
    try:
        layers = graders["sandboxed"].template.layers
        print(f"sandbox layers on this machine: {', '.join(k for k, v in layers.items() if v)}")
        off = [k for k, v in layers.items() if not v]
        if off:
            print(f"  (off: {', '.join(off)})")
        print(f"grader start (template process + checks), once per worker: "
              f"sandboxed {startup['sandboxed']:.2f} s, unsandboxed {startup['unsandboxed']:.2f} s\n")

        order = [("sandboxed", "unsandboxed"), ("unsandboxed", "sandboxed")]
        rows, all_ratios = [], []
        for path in args.submissions:
            job = Job(path, path.stem, str(path))
            times = {name: [] for name in sides}
            scores = {}
            for rep in range(args.repeat):
                for name in order[rep % 2]:
                    result = None

                    def grade_once(name=name):
                        nonlocal result
                        result = graders[name].grade(job)

                    times[name].append(_timed(grade_once))
                    scores.setdefault(name, result.score)
            assert scores["sandboxed"] == scores["unsandboxed"], f"{path.name}: scores differ: {scores}"
            med = {name: statistics.median(t) for name, t in times.items()}
            ratio = med["sandboxed"] / med["unsandboxed"]
            all_ratios.append(ratio)
            rows.append((path.name, scores["sandboxed"], med["sandboxed"], med["unsandboxed"], ratio))

        print(f"grading one submission (public + hidden checks), median of {args.repeat} per side:")
        print(f"  {'submission':<28} {'score':>5} {'sandboxed':>10} {'unsandboxed':>12} {'ratio':>6} {'extra':>8}")
        for name, score, sandboxed, unsandboxed, ratio in rows:
            print(f"  {name:<28} {score:>5g} {sandboxed:>9.3f}s {unsandboxed:>11.3f}s {ratio:>6.3f} "
                  f"{(sandboxed - unsandboxed) * 1000:>+6.0f}ms")
        print(f"  median ratio over submissions: {statistics.median(all_ratios):.3f}\n")

        plan = submissions.load(args.submissions[0], id="bench", source="bench").plan
        session_times = {name: [] for name in sides}
        for rep in range(args.sessions):
            for name in order[rep % 2]:
                session_times[name].append(_timed(lambda name=name: _session_once(graders[name], plan)))
        med = {name: statistics.median(t) for name, t in session_times.items()}
        print(f"one session alone (fork, confinement, load {args.submissions[0].name}, tear-down), "
              f"median of {args.sessions} per side:")
        print(f"  sandboxed {med['sandboxed'] * 1000:.1f} ms, unsandboxed {med['unsandboxed'] * 1000:.1f} ms, "
              f"ratio {med['sandboxed'] / med['unsandboxed']:.2f}, "
              f"extra {(med['sandboxed'] - med['unsandboxed']) * 1000:+.1f} ms per submission")
    finally:
        for grader in graders.values():
            grader.__exit__()


if __name__ == "__main__":
    main()
