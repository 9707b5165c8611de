"""How long `grader check` and `grader grade` take, against baselines measured in the same run.

    python bench/grading_speed.py [--repeat 3] [--submissions 20]

Every figure is the median wall time of ``--repeat`` runs of the real command line (a new
process each time, as a user runs it):

- baseline: ``python -c "import torch"``, the floor of any grader that runs torch code;
- ``grader check`` on the reference (public checks), against that baseline;
- ``grader grade`` on one submission (public and hidden checks), the cost of grading a
  submission when every submission pays its own interpreter;
- ``grader grade`` over N submissions from the test corpus with 1 and 2 workers, per
  submission, against that single-submission figure;
- the same ``check`` and 1-worker batch with the spawn process model (a fresh interpreter per
  submission, as on Windows and macOS; ``GRADER_PROCESS_MODEL=spawn``), against the fork figures.

Not a test: timings depend on the machine.  Run it from the instructor's checkout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
REFERENCE = ROOT / "reference" / "conv_layer.py"
# Each costs the full time limit of an exercise or more: a class rarely has many, and they would swamp the figures.
SLOW_ON_PURPOSE = {"infinite_loop.py"}


def grader() -> list[str]:
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]


def timed(command: list[str], repeat: int, env: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, **(env or {})})
        times.append(time.perf_counter() - started)
    return times


def class_folder(folder: Path, count: int) -> Path:
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".py", ".ipynb") and p.name not in SLOW_ON_PURPOSE)
    for i in range(count):
        source = files[i % len(files)]
        shutil.copy(source, folder / f"student{i:02d}{source.suffix}")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--submissions", type=int, default=20)
    args = parser.parse_args()

    rows: list[tuple[str, float, str]] = []
    base = statistics.median(timed([sys.executable, "-c", "import torch"], args.repeat))
    rows.append(("python -c 'import torch' (baseline)", base, ""))
    check = statistics.median(timed([*grader(), "check", str(REFERENCE), "--no-color"], args.repeat))
    rows.append(("grader check reference (public checks)", check, f"{check / base:.2f}x the baseline"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        single = statistics.median(timed([*grader(), "grade", str(REFERENCE), "--regrade", "--out", str(tmp / "one")],
                                          args.repeat))
        rows.append(("grader grade, 1 submission (public + hidden)", single, ""))
        (tmp / "class").mkdir()
        submissions = class_folder(tmp / "class", args.submissions)
        per_worker = {}
        for jobs in (1, 2):
            total = statistics.median(timed([*grader(), "grade", str(submissions), "--regrade", "--out", str(tmp / f"j{jobs}"),
                                             "--jobs", str(jobs)], args.repeat))
            per = per_worker[jobs] = total / args.submissions
            rows.append((f"grader grade, {args.submissions} submissions, {jobs} worker(s): per submission", per,
                         f"{per / single:.2f}x one submission alone (total {total:.1f} s)"))
        spawn = {"GRADER_PROCESS_MODEL": "spawn"}
        spawned_check = statistics.median(timed([*grader(), "check", str(REFERENCE), "--no-color"], args.repeat, spawn))
        rows.append(("grader check reference, spawn process model", spawned_check,
                     f"{spawned_check / check:.2f}x check with fork"))
        total = statistics.median(timed([*grader(), "grade", str(submissions), "--regrade", "--out", str(tmp / "spawn"),
                                         "--jobs", "1", "--allow-weak-sandbox"], args.repeat, spawn))
        per = total / args.submissions
        rows.append((f"grader grade, {args.submissions} submissions, 1 worker, spawn model: per submission", per,
                     f"{per / per_worker[1]:.2f}x the same batch with fork (total {total:.1f} s)"))
    width = max(len(r[0]) for r in rows)
    print(f"median of {args.repeat} runs each, Python {sys.version.split()[0]}")
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {seconds:7.2f} s  {note}")


if __name__ == "__main__":
    main()
