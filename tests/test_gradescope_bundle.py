"""The Gradescope autograder, run for real: build the bundle, unpack it as Gradescope does, install what
setup.sh installs into a fresh virtualenv (pip only: the local CPU torch wheel), run run_autograder on
right, wrong and hostile submissions, and check each results.json against Gradescope's specification."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from conftest import CORPUS, ROOT

ATTACKS = ROOT / "tests" / "attacks"
SCHEMA = json.loads((ROOT / "tests" / "gradescope_results.schema.json").read_text())


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """An /autograder-like root with the bundle unpacked in source/, set up in a fresh virtualenv."""
    base = tmp_path_factory.mktemp("gradescope")
    bundle = base / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "gradescope-bundle", "--assignment", "conv-layer",
                           "--out", str(bundle)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    root = base / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert "setup.sh" in names and "run_autograder" in names  # at the zip's root
        for name in ("setup.sh", "run_autograder"):
            assert (archive.getinfo(name).external_attr >> 16) & stat.S_IXUSR
        assert any(n.startswith("course/assignments/conv_layer/hidden/") for n in names)
        assert not any("/hidden/" in n for n in names if n.startswith("grader-src/"))
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile does not restore modes; Gradescope's unzip does
        (root / "source" / name).chmod(0o755)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": str(venv / "bin" / "python"),
           "GRADER_TORCH_INDEX": ""}  # pip's own configuration: the local CPU wheel
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                           timeout=1800)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert "conv-layer" in setup.stdout  # setup.sh ends by listing the assignment with its hidden checks
    return root, venv


def run_autograder(autograder, files: dict[str, str], **env_extra: str) -> dict:
    root, venv = autograder
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("GRADER_")}
    env.update({"AUTOGRADER_ROOT": str(root), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", **env_extra})
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    return document


def corpus(name: str) -> dict[str, str]:
    return {"conv_layer.py": (CORPUS / name).read_text(encoding="utf-8")}


@pytest.mark.slow
def test_right_and_wrong_submissions(autograder):
    right = run_autograder(autograder, corpus("correct_loops.py"))
    assert right["score"] == 100.0
    assert all(t["status"] == "passed" for t in right["tests"] if "status" in t)
    wrong = run_autograder(autograder, {**corpus("flipped_kernel.py"), "notes.txt": "my notes"})
    assert wrong["score"] == 80.0
    hidden = [t for t in wrong["tests"] if t["name"].endswith("(hidden)")]
    assert hidden and {t["visibility"] for t in hidden} == {"after_published"}
    assert wrong["extra_data"]["isolation"]  # which layers ran, recorded for the instructor


@pytest.mark.slow
def test_hostile_submissions_cannot_fake_their_results(autograder):
    root, _ = autograder
    text = (ATTACKS / "fake_results_file.py").read_text(encoding="utf-8")
    text = text.replace('    "__OUT__/grades.csv",\n', '    "__OUT__/grades.csv",\n    "__OUT__/results.json",\n')
    text = text.replace("__OUT__", str(root / "results")).replace("__SUBMISSIONS__", str(root / "submission"))
    planted = run_autograder(autograder, {"conv_layer.py": text})
    assert planted["score"] == 80.0
    assert not (root / "results" / "planted.txt").exists()
    bragging = run_autograder(autograder, {"conv_layer.py": (ATTACKS / "fake_results_stdout.py").read_text()})
    assert bragging["score"] == 80.0


@pytest.mark.slow
def test_weak_container_and_no_code(autograder):
    # Gradescope's container often has no user namespaces: the grader runs with what it can, and says so.
    weak = run_autograder(autograder, corpus("flipped_kernel.py"), GRADER_DISABLE_LAYERS="namespaces")
    assert weak["score"] == 80.0 and "namespaces" in weak["extra_data"]["isolation_off"]
    nothing = run_autograder(autograder, {"README.txt": "forgot the code"})
    assert nothing["score"] == 0 and "conv_layer.py" in nothing["output"]
