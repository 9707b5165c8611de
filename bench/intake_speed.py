"""How long intake takes to read an LMS download, against unzipping it, measured in the same run.

    python bench/intake_speed.py [--repeat 5] [--students 1000]

Builds a Canvas "Download Submissions" zip as Canvas writes it (tests/lms_archives.py): per
student the reference solution, a PDF, and for one in ten a re-upload.  Every figure is the
median wall time of ``--repeat`` runs in this process:

- baseline: ``zipfile.ZipFile.extractall`` of the archive (trusting it, writing everything);
  the two run in turn, so a busy disk slows both alike;
- intake: ``grader.intake.opened`` (safe extraction, counting every byte, the LMS's names) plus
  ``intake.chosen`` (the file of each submission, its identity), against that baseline.

Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from lms_archives import CanvasUpload, canvas_zip  # noqa: E402

from grader import intake  # noqa: E402
from grader.assignment import find  # noqa: E402


def build(folder: Path, students: int) -> Path:
    code = (ROOT / "reference" / "conv_layer.py").read_bytes()
    uploads = []
    for n in range(students):
        uploads.append(CanvasUpload(f"Student, Number{n}", 10_000 + n, 3 * n + 1, "conv_layer.py", code))
        uploads.append(CanvasUpload(f"Student, Number{n}", 10_000 + n, 3 * n + 2, "report.pdf", b"%PDF" * 2000))
        if n % 10 == 0:
            uploads.append(CanvasUpload(f"Student, Number{n}", 10_000 + n, 3 * n + 3, "conv_layer-1.py", code))
    return canvas_zip(folder / "course-hw1_submissions.zip", uploads)


def median_times(runs: list, repeat: int) -> list[float]:
    """The median time of each of ``runs``, run in turn ``repeat`` times (so a busy moment hits them alike)."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, spent in zip(runs, times):
            started = time.perf_counter()
            run()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--students", type=int, default=1000)
    args = parser.parse_args()
    assignment = find("conv-layer", ROOT)
    names = [e.name for e in assignment.exercises]
    with tempfile.TemporaryDirectory() as tmp:
        archive = build(Path(tmp), args.students)

        def unzip() -> None:
            target = Path(tempfile.mkdtemp(dir=tmp))
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(target)
            shutil.rmtree(target)

        def read() -> None:
            with intake.opened([archive]) as found:
                chosen = intake.chosen(found, expected_stem=assignment.expected_stem, names=names)
                assert len(chosen) == args.students and all(c.path is not None for c in chosen)

        baseline, ours = median_times([unzip, read], args.repeat)
    print(f"Canvas download: {args.students} students, {args.repeat} runs each (median)")
    print(f"  extractall (baseline)      {baseline * 1000:8.1f} ms")
    print(f"  intake.opened + chosen     {ours * 1000:8.1f} ms   {ours / baseline:5.2f}x baseline, "
          f"{ours / args.students * 1e6:6.0f} us per submission")


if __name__ == "__main__":
    main()
