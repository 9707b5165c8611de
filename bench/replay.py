"""What replaying recorded examples saves, against T0 measured in the same run.

    python bench/replay.py [--repeat 3] [--wrong 10]

Every figure is the median wall time of ``--repeat`` runs of the real command line (a new process each
time), with ``GRADER_REPLAY_DIR`` pointing at a private folder ("off": no replay):

- T0: ``python -c "import torch, hypothesis"``, the floor of any grader that runs torch code and
  Hypothesis, timed once before every measured run, all through the benchmark (on a shared machine
  the load moves; T0 is the median of all those samples, and each ratio is against it);
- the marginal cost of one more correct submission with ``-j 2``: ``grader grade`` of 41 copies of the
  reference minus ``grader grade`` of 1, divided by 40, with and without replay (records kept from an
  earlier run, as a rerun or the next batch of a course finds them);
- ``grader check`` on the reference: without replay, on the first run (the records are built) and on
  later runs;
- a batch of wrong submissions (the corpus's, ``-j 2``): per submission, with and without replay.

Not a test: timings depend on the machine; the ratios to T0 are what to compare.
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
import tomllib
from pathlib import Path

RATIO = "ratio"  # a row whose ratio to T0 is shown, once T0 is known
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
REFERENCE = ROOT / "reference" / "conv_layer.py"
# Each costs the full time limit of an exercise or more: it would swamp the figures of the others.
SLOW_ON_PURPOSE = {"infinite_loop.py"}


def grader() -> list[str]:
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]


BASELINE = [sys.executable, "-c", "import torch, hypothesis"]
baseline_samples: list[float] = []


def once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **env})
    return time.perf_counter() - started


def timed(command: list[str], repeat: int, env: dict[str, str], before=lambda: None) -> float:
    times = []
    for _ in range(repeat):
        baseline_samples.append(once(BASELINE, {}))  # T0 next to every run, under the same load
        before()
        times.append(once(command, env))
    return statistics.median(times)


def copies(folder: Path, source: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        shutil.copy(source, folder / f"student{i:02d}{source.suffix}")
    return folder


def wrong_ones(folder: Path, count: int) -> Path:
    entries = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["submission"]
    files = [e["file"] for e in entries if e.get("breaks") and e["file"] not in SLOW_ON_PURPOSE][:count]
    folder.mkdir(parents=True)
    for name in files:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wrong", type=int, default=10, help="wrong submissions in the last batch")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cache = tmp / "cache"
        replay, off = {"GRADER_REPLAY_DIR": str(cache)}, {"GRADER_REPLAY_DIR": "off"}
        one, many = copies(tmp / "one", REFERENCE, 1), copies(tmp / "many", REFERENCE, 41)
        run = 0

        def grade(folder: Path, env: dict[str, str], jobs: int = 2) -> float:
            nonlocal run
            run += 1
            return timed([*grader(), "grade", str(folder), "--regrade", "--out", str(tmp / f"out{run}"),
                          "--jobs", str(jobs)], args.repeat, env)

        for label, env in (("without replay", off), ("with replay", replay)):
            if env is replay:
                grade(one, replay)  # records from an earlier run
            single, batch = grade(one, env), grade(many, env)
            marginal = (batch - single) / 40
            rows.append((f"grade -j 2, 1 correct submission, {label}", single, RATIO))
            rows.append((f"grade -j 2, 41 correct submissions, {label}", batch, RATIO))
            rows.append((f"marginal correct submission (41 - 1) / 40, {label}", marginal, RATIO))

        check = [*grader(), "check", str(REFERENCE), "--no-color"]
        seconds = timed(check, args.repeat, off)
        rows.append(("grader check reference, without replay", seconds, RATIO))
        cold = tmp / "cold"
        seconds = timed(check, args.repeat, {"GRADER_REPLAY_DIR": str(cold)},
                        before=lambda: shutil.rmtree(cold, ignore_errors=True))
        rows.append(("grader check reference, first run (records built)", seconds, RATIO))
        seconds = timed(check, args.repeat, replay)
        rows.append(("grader check reference, with replay", seconds, RATIO))

        wrong = wrong_ones(tmp / "wrong", args.wrong)
        count = len(list(wrong.iterdir()))
        for label, env in (("without replay", off), ("with replay", replay)):
            total = grade(wrong, env)
            rows.append((f"grade -j 2, {count} wrong submissions, {label}: per submission", total / count,
                         RATIO))
    t0 = statistics.median(baseline_samples)
    quartiles = statistics.quantiles(baseline_samples, n=4)
    rows = [(label, seconds, f"{seconds / t0:.3f} x T0" if note else "") for label, seconds, note in rows]
    rows.insert(0, ("T0: python -c 'import torch, hypothesis'", t0,
                    f"median of {len(baseline_samples)} samples (quartiles {quartiles[0]:.2f}, {quartiles[2]:.2f} s)"))
    width = max(len(r[0]) for r in rows)
    print(f"median of {args.repeat} runs each, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after")
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {seconds:7.3f} s  {note}")


if __name__ == "__main__":
    main()
