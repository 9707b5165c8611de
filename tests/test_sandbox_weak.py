"""A machine that cannot provide every sandbox layer: ``grade`` refuses unless told, ``check`` says what was off.

A weaker machine is simulated by turning layers off (``Limits.disabled_layers``, or the environment
variable ``GRADER_DISABLE_LAYERS`` that ``grader check`` and ``grader grade`` read on the grader's side).
The fallbacks must still clean up after student code where they can.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from click.testing import CliRunner

from attack_kit import ATTACKS, assert_contained, free_slot, output_record, submission
from conftest import grade
from grader import cli
from grader.engine import ALL, Grader
from grader.sandbox import slots
from grader.sandbox.workers import Limits, WeakSandbox

pytestmark = pytest.mark.slow  # each test starts a template process of its own


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli.main, list(args), env=env or {}, catch_exceptions=False)


# ------------------------------------------------------------------ refusing


UID_LAYERS = {"uid_drop", "process_limit"}


@pytest.mark.parametrize("disabled, missing, maybe", [
    (("network_off",), {"network_off"}, set()),
    # Both need a namespace; and without the view, the sandbox uid can only run an interpreter it can read
    # where it is installed (not under /root, mode 0700, as on the development machines).
    (("namespaces",), {"namespaces", "network_off", "filesystem_view"}, UID_LAYERS),
    (("filesystem_view",), {"filesystem_view"}, UID_LAYERS),
    (("uid_drop",), UID_LAYERS, set()),  # RLIMIT_NPROC means nothing for root
])
def test_strict_grader_refuses_before_running_student_code(assignment, disabled, missing, maybe):
    slot = free_slot()
    with pytest.raises(WeakSandbox) as refused:
        with Grader(assignment, visibilities=ALL, limits=Limits(strict=True, slot=slot, disabled_layers=disabled)):
            pytest.fail("a strict grader started without every layer")
    assert missing <= set(refused.value.missing) <= missing | maybe
    assert "GRADER_DISABLE_LAYERS" in refused.value.reasons[disabled[0]]
    assert all(refused.value.reasons.get(name) for name in refused.value.missing)
    assert str(refused.value).count("(") >= len(refused.value.missing)  # every layer with its reason
    slots.claim(slot).release()  # the refused grader gave its slot back


def test_grade_refuses_without_the_opt_in(tmp_path):
    out = tmp_path / "out"
    result = _run("grade", str(ATTACKS / "victim.py"), "--out", str(out), "-j", "1",
                  env={"GRADER_DISABLE_LAYERS": "network_off"})
    assert result.exit_code == 3
    assert "refusing to grade" in result.output
    assert "network_off" in result.output and "--allow-weak-sandbox" in result.output
    assert not out.exists() or not any(out.rglob("result.json"))


def test_grade_refuses_in_a_parallel_batch_too(tmp_path):
    out = tmp_path / "out"
    result = _run("grade", str(ATTACKS / "victim.py"), str(ATTACKS / "crashes.py"), "--out", str(out), "-j", "2",
                  env={"GRADER_DISABLE_LAYERS": "namespaces"})
    assert result.exit_code == 3, result.output
    assert "refusing to grade" in result.output and "filesystem_view" in result.output
    assert not out.exists() or not any(out.rglob("result.json"))


def test_grade_with_the_opt_in_records_what_was_off(tmp_path):
    out = tmp_path / "out"
    result = _run("grade", str(ATTACKS / "victim.py"), "--out", str(out), "-j", "1", "--allow-weak-sandbox", "--lang", "en",
                  env={"GRADER_DISABLE_LAYERS": "network_off"})
    assert result.exit_code == 0, result.output
    assert "warning: sandbox: weaker isolation" in result.output and "network_off" in result.output
    graded = json.loads((out / "victim" / "result.json").read_text())
    assert graded["score"] == 100
    assert graded["isolation"]["network_off"] is False
    assert all(on for name, on in graded["isolation"].items() if name != "network_off")


def test_an_unknown_layer_name_is_a_clear_error(tmp_path):
    result = _run("grade", str(ATTACKS / "victim.py"), "--out", str(tmp_path), "-j", "1",
                  env={"GRADER_DISABLE_LAYERS": "namespace"})
    assert result.exit_code == 3
    assert "unknown sandbox layers namespace" in result.output


def test_check_runs_with_what_there_is_and_says_what_was_off(tmp_path):
    weak = _run("check", str(ATTACKS / "victim.py"), "--json", str(tmp_path / "weak.json"), "--lang", "en",
                env={"GRADER_DISABLE_LAYERS": "syscall_filter,namespaces"})
    assert weak.exit_code == 0, weak.output
    assert "Score: 100 of 100 points" in weak.output
    line = next(line for line in weak.output.splitlines() if "sandbox:" in line)
    assert "weaker isolation" in line
    for name in ("namespaces", "network_off", "filesystem_view", "syscall_filter"):
        assert name in line
    assert json.loads((tmp_path / "weak.json").read_text())["isolation"]["syscall_filter"] is False
    full = _run("check", str(ATTACKS / "victim.py"), "--lang", "en")
    assert "sandbox: all 9 isolation layers on" in full.output


# ------------------------------------------------------------------ the fallbacks still contain


@pytest.fixture(scope="module")
def no_namespaces(assignment):
    """Root without namespaces (a container that forbids them): what holds must hold alone."""
    limits = Limits(slot=free_slot(), disabled_layers=("namespaces",))
    with Grader(assignment, visibilities=ALL, limits=limits) as grader:
        yield grader


def _needs_uid_drop(grader) -> None:
    if not grader.template.layers["uid_drop"]:
        # Here student code is root (without capabilities): a fork bomb is unbounded and kill(-1) reaches every
        # root process of the machine. That is what a weak sandbox means, and why ``grade`` refuses it.
        pytest.skip(f"no uid drop without namespaces on this machine: {grader.template.layer_errors['uid_drop']}")


def test_without_namespaces_processes_that_outlive_the_session_are_killed(no_namespaces, tmp_path):
    # By uid when the uid drop holds; otherwise the template, their subreaper, kills what it adopted.
    result = grade(no_namespaces, submission(tmp_path, "outlive.py"))
    assert result.isolation["namespaces"] is False
    assert_contained(no_namespaces, result, score=100, loses=set())


def test_without_namespaces_a_fork_bomb_is_capped_by_uid(no_namespaces, tmp_path):
    _needs_uid_drop(no_namespaces)
    result = grade(no_namespaces, submission(tmp_path, "fork_bomb.py"))
    assert_contained(no_namespaces, result, score=80, loses={"corr2d"})


def test_without_namespaces_the_grader_still_cannot_be_killed(no_namespaces, tmp_path):
    _needs_uid_drop(no_namespaces)
    template = no_namespaces.template.process.pid
    result = grade(no_namespaces, submission(tmp_path, "kill_grader.py", GRADER_PID=os.getpid(),
                                             ZYGOTE_PID=template))
    assert_contained(no_namespaces, result, score=90, loses={"conv2d_strict"})
    assert no_namespaces.template.process.pid == template


def test_without_namespaces_the_student_still_has_no_capabilities(no_namespaces, tmp_path):
    result = grade(no_namespaces, submission(tmp_path, "escalate.py"))
    assert_contained(no_namespaces, result, score=100, loses=set())
    seen = output_record(result, "ESCALATE")
    expected_uid = no_namespaces.limits.uid if result.isolation["uid_drop"] else 0
    assert seen["uid"] == expected_uid
    assert int(seen["CapEff"], 16) == int(seen["CapPrm"], 16) == int(seen["CapBnd"], 16) == 0
    assert (seen["Seccomp"], seen["NoNewPrivs"]) == ("2", "1")
    assert max(seen["pids"]) > 10  # honest about what is missing: it sees the machine's processes


def test_without_uid_drop_student_code_is_root_without_capabilities(assignment, tmp_path):
    limits = Limits(slot=free_slot(), disabled_layers=("uid_drop",))
    with Grader(assignment, visibilities=ALL, limits=limits) as grader:
        result = grade(grader, submission(tmp_path, "escalate.py"))
        assert_contained(grader, result, score=100, loses=set())
    seen = output_record(result, "ESCALATE")
    assert seen["uid"] == 0 and int(seen["CapEff"], 16) == int(seen["CapBnd"], 16) == 0
    assert (result.isolation["uid_drop"], result.isolation["process_limit"]) == (False, False)
    assert result.isolation["namespaces"] is True


def test_with_neither_the_template_still_kills_orphans(assignment, tmp_path):
    limits = Limits(slot=free_slot(), disabled_layers=("namespaces", "uid_drop"))
    with Grader(assignment, visibilities=ALL, limits=limits) as grader:
        result = grade(grader, submission(tmp_path, "outlive.py"))
        assert_contained(grader, result, score=100, loses=set())
    assert not any(result.isolation[name] for name in ("namespaces", "uid_drop", "process_limit"))


def test_the_template_kills_every_process_of_a_slot_uid(no_namespaces):
    """The clean-up used without a pid namespace, when the uid drop holds: everything of that uid dies."""
    uid = no_namespaces.limits.uid
    strays = [subprocess.Popen(["/bin/sleep", "60"], user=uid, group=uid, extra_groups=[], start_new_session=True)
              for _ in range(3)]
    no_namespaces.template.reap(uid)
    for stray in strays:
        assert stray.wait(10) == -signal.SIGKILL
