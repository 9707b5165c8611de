"""The Gradescope autograder zip: ``setup.sh`` and ``run_autograder`` at its root, the grader's source,
and this assignment's course folder (public and hidden checks, and the reference).

It is for the instructor's Gradescope account only.  ``setup.sh`` installs Python 3.11 if the image lacks
it, the pinned CPU torch and the grader; ``run_autograder`` grades ``/autograder/submission/`` with the
``grader`` on ``PATH`` and always leaves ``/autograder/results/results.json``.  Both read their root from
``AUTOGRADER_ROOT`` (default ``/autograder``), so that a test can run them for real elsewhere.
"""

from __future__ import annotations

import shlex
import stat
import zipfile
from pathlib import Path

import grader
from grader.assignment import Assignment
from grader.files import open_atomically

TORCH_PIN = "torch==2.13.0"  # the exact pin of pyproject.toml: never looser (see README)


class BundleError(Exception):
    pass


SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image.
# GRADER_PYTHON: install into this interpreter instead (a test's virtualenv); GRADER_TORCH_INDEX: where torch
# comes from (empty: pip's own configuration).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
TORCH_INDEX="${GRADER_TORCH_INDEX-@TORCH_INDEX@}"
PYTHON="${GRADER_PYTHON:-}"
if [ -z "$PYTHON" ]; then
    # Ubuntu splits venv (ensurepip) from the interpreter: an image may have one without the other.
    if ! command -v python3.11 >/dev/null 2>&1 || ! python3.11 -c "import ensurepip" >/dev/null 2>&1; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3.11 python3.11-venv
    fi
    python3.11 -m venv "$ROOT/venv"
    PYTHON="$ROOT/venv/bin/python"
    ln -sf "$ROOT/venv/bin/grader" /usr/local/bin/grader
fi
if [ -n "$TORCH_INDEX" ]; then
    "$PYTHON" -m pip install --index-url "$TORCH_INDEX" "@TORCH_PIN@"
else
    "$PYTHON" -m pip install "@TORCH_PIN@"
fi
"$PYTHON" -m pip install "$SOURCE/grader-src"
"$PYTHON" -m grader.cli list --course "$SOURCE/course"
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this as root for every submission. It must always leave results.json: when grading
# itself fails, a result with score 0 says so (the details are in the autograder's output, for staff).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results"
ASSIGNMENT=@ASSIGNMENT@
mkdir -p "$RESULTS"
# The reference and hidden checks are for root alone: a student process that runs as its own uid (the uid drop
# works in most containers, namespaces or not) cannot read them, even where no filesystem view hides them.
chmod -R go-rwx "$SOURCE"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The submission, as one student's folder (its files may be several).
mkdir -p "$WORK/in" && cp -R "$ROOT/submission" "$WORK/in/submission"
METADATA=()
if [ -f "$ROOT/submission_metadata.json" ]; then
    METADATA=(--gradescope-metadata "$ROOT/submission_metadata.json")
fi
# Gradescope's container often lacks user namespaces: the container is the boundary there, and every layer
# that can be on is (--allow-weak-sandbox); extra_data.isolation_off in results.json lists the others.
if grader grade "$WORK/in" --assignment "$ASSIGNMENT" --course "$SOURCE/course" --out "$WORK/graded" \
        --jobs 1 --allow-weak-sandbox \
   && grader export "$WORK/graded" --format gradescope --assignment "$ASSIGNMENT" --course "$SOURCE/course" \
        --out "$RESULTS/results.json" --hidden-visibility @HIDDEN_VISIBILITY@ --granularity @GRANULARITY@ \
        @LATE_PENALTY@"${METADATA[@]}"; then
    exit 0
fi
cat > "$RESULTS/results.json" <<'JSON'
{"score": 0, "output": "The autograder could not grade this submission. Check that you uploaded @FILE@.py or a notebook holding it; if you did, tell your instructor.", "output_format": "text", "stdout_visibility": "hidden", "tests": [], "extra_data": {"autograder_error": true}}
JSON
"""


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and not p.name.endswith((".pyc", ".tmp")))


def write(assignment: Assignment, out: Path, *, torch_index: str = "https://download.pytorch.org/whl/cpu",
          hidden_visibility: str = "after_published", granularity: str = "check",
          late_penalty: str | None = None) -> Path:
    if not assignment.has_hidden:
        raise BundleError(f"the hidden checks and reference of {assignment.name!r} are not here: build the bundle "
                          "in the instructor's checkout (or pass --course DIR)")
    source_root = Path(grader.__file__).resolve().parents[1]
    if not (source_root / "pyproject.toml").is_file():
        raise BundleError(f"the grader's source is not beside its package ({source_root}): build the bundle from "
                          "a checkout of the grader (pip install -e .)")
    course = assignment.course_root
    reference = course / "reference" / f"{assignment.expected_stem}.py"
    if not reference.is_file():
        raise BundleError(f"the reference solution {reference} is missing")
    entries: dict[str, Path] = {}
    for path in _files(source_root / "grader"):
        entries[f"grader-src/grader/{path.relative_to(source_root / 'grader').as_posix()}"] = path
    assignments = source_root / "assignments"
    for path in _files(assignments):
        if "hidden" not in path.relative_to(assignments).parts:  # the package students could install: public half
            entries[f"grader-src/assignments/{path.relative_to(assignments).as_posix()}"] = path
    for name in ("pyproject.toml", "README.md"):
        entries[f"grader-src/{name}"] = source_root / name
    entries["course/assignments/__init__.py"] = course / "assignments" / "__init__.py"
    for path in _files(assignment.folder):
        entries[f"course/assignments/{assignment.folder.name}/{path.relative_to(assignment.folder).as_posix()}"] = path
    entries[f"course/reference/{reference.name}"] = reference
    setup = (SETUP.replace("@TORCH_INDEX@", torch_index).replace("@TORCH_PIN@", TORCH_PIN))
    run = (RUN.replace("@ASSIGNMENT@", shlex.quote(assignment.name))
           .replace("@HIDDEN_VISIBILITY@", shlex.quote(hidden_visibility))
           .replace("@GRANULARITY@", shlex.quote(granularity)).replace("@FILE@", assignment.expected_stem)
           .replace("@LATE_PENALTY@", f"--late-penalty {shlex.quote(late_penalty)} " if late_penalty else ""))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open_atomically(out, binary=True) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", setup), ("run_autograder", run)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o755) << 16  # executable once unzipped
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
        for name, path in sorted(entries.items()):
            archive.write(path, name)
    return out
