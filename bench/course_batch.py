"""A course batch at scale: peak memory of the whole process tree, and throughput with 1 and 2 workers.

    python bench/course_batch.py [--sizes 50 500] [--jobs 2] [--throughput 20] [--repeat 3]

- Peak RSS: ``grader grade`` (the real command, gradebook and all files) over N submissions for each
  of ``--sizes``, sampling every 50 ms the resident memory of every process descended from it
  (the grader, its workers, their templates and student processes) and reporting the peak of
  their sum.  Memory flat in the number of submissions means these peaks stay close to each other.
- Throughput: the same batch of ``--throughput`` submissions with ``-j 1`` and ``-j 2``, alternated,
  ``--repeat`` times each; the median time per submission and the ratio of the two, measured
  in the same run.

Submissions are files of the test corpus (not the endless loop, which costs its time limit twice),
copied under distinct names.  Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SLOW_ON_PURPOSE = {"infinite_loop.py"}
PAGE = os.sysconf("SC_PAGE_SIZE")


def grader() -> list[str]:
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]


def class_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".py", ".ipynb") and p.name not in SLOW_ON_PURPOSE)
    for i in range(count):
        source = files[i % len(files)]
        shutil.copy(source, folder / f"student{i:04d}{source.suffix}")
    return folder


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process we can see."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE)  # ppid, rss (pages)
    return found


def tree_rss(root: int) -> int:
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            total += table[pid][1]
        stack.extend(children.get(pid, ()))
    return total


def peak_rss(command: list[str]) -> tuple[int, float]:
    """Peak resident memory of ``command``'s whole process tree, and its wall time."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(process.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    stop.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {code}")
    return peak, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 500])
    parser.add_argument("--jobs", type=int, default=2, help="workers for the memory runs")
    parser.add_argument("--throughput", type=int, default=20, help="submissions in the -j 1 / -j 2 batch (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for size in args.sizes:
            subs = class_folder(tmp_path / f"class{size}", size)
            out = tmp_path / f"out{size}"
            peak, wall = peak_rss([*grader(), "grade", str(subs), "--out", str(out), "-j", str(args.jobs)])
            print(f"grader grade, {size:4d} submissions, -j {args.jobs}: peak RSS of the process tree "
                  f"{peak / 2**20:7.0f} MiB  ({wall:.0f} s, {wall / size:.2f} s per submission)", flush=True)
        if args.throughput:
            subs = class_folder(tmp_path / "throughput", args.throughput)
            times: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(args.repeat):
                for jobs in (1, 2):  # alternated, so that the machine's load falls on both alike
                    out = tmp_path / f"tp{jobs}"
                    shutil.rmtree(out, ignore_errors=True)  # a fresh gradebook: every submission graded
                    started = time.perf_counter()
                    subprocess.run([*grader(), "grade", str(subs), "--out", str(out), "-j", str(jobs)], cwd=ROOT,
                                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    times[jobs].append((time.perf_counter() - started) / args.throughput)
            one, two = statistics.median(times[1]), statistics.median(times[2])
            print(f"grader grade, {args.throughput} submissions, median of {args.repeat}: "
                  f"-j 1 {one:.2f} s per submission, -j 2 {two:.2f} s per submission, "
                  f"-j 2 is {one / two:.2f}x the throughput of -j 1")


if __name__ == "__main__":
    main()
