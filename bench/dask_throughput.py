"""Throughput of `grader grade` through Dask with two local workers, against `-j 1` and `-j 2` here.

    python bench/dask_throughput.py [--repeat 3] [--submissions 20]

Starts a ``dask scheduler`` and two ``dask worker`` processes (``--nthreads 1``) on 127.0.0.1, then
runs the real command line (a new process each time) over N submissions of the test corpus:
``-j 1``, ``-j 2`` and ``--dask ADDRESS``, interleaved, ``--repeat`` times each, and reports the
medians per submission against ``-j 1`` measured in the same run.  The first ``--dask`` run, which
starts each worker's grader (torch, the template, the checks), is reported on its own: later runs find
the graders warm.  Everything shares this machine's cores, so this measures the overhead of going
through Dask, not the gain of more machines.

Not a test: timings depend on the machine.  Run it from the instructor's checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grading_speed import class_folder, grader, timed


def start_cluster(folder: Path) -> tuple[str, list[subprocess.Popen]]:
    dask = [sys.executable, "-m", "dask"]
    scheduler_file = folder / "scheduler.json"
    log = (folder / "cluster.log").open("wb")
    options = dict(cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(scheduler_file)], **options)]
    while not scheduler_file.exists():
        time.sleep(0.2)
    time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    for n in (1, 2):
        processes.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--no-nanny",
                                           "--name", f"w{n}", "--local-directory", str(folder / f"w{n}")], **options))
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=300)
    return address, processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--submissions", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "class").mkdir()
        submissions = class_folder(tmp / "class", args.submissions)
        address, processes = start_cluster(tmp)
        try:
            # --regrade: every run grades every submission (a rerun would otherwise keep them all from the gradebook)
            command = [*grader(), "grade", str(submissions), "--regrade", "--out"]
            variants = {"-j 1": ["--jobs", "1"], "-j 2": ["--jobs", "2"], "--dask, 2 workers": ["--dask", address]}
            cold = timed([*command, str(tmp / "cold"), "--dask", address], 1)[0]
            times: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(args.repeat):
                for name, options in variants.items():
                    times[name] += timed([*command, str(tmp / name.replace(" ", "")), *options], 1)
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    n = args.submissions
    one = statistics.median(times["-j 1"]) / n
    print(f"median of {args.repeat} runs each, {n} submissions, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    for name in variants:
        per = statistics.median(times[name]) / n
        print(f"grader grade {name:<18} {per:6.2f} s per submission  {1 / per:5.2f} submissions/s  "
              f"{per / one:.2f}x -j 1   (runs: {', '.join(f'{t:.1f}' for t in times[name])} s)")
    print(f"grader grade --dask, first run (workers start their graders): {cold / n:.2f} s per submission "
          f"(total {cold:.1f} s)")


if __name__ == "__main__":
    main()
