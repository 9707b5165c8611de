"""The grader's side of the process model: a warm template and per-submission sessions.

A template hands out student processes that have already imported torch.
There are two, with the same methods, chosen by ``template_for``:

- ``Zygote`` (Linux): one interpreter, started once, that forks a student
  process on request (a fork costs tens of milliseconds; a new interpreter
  costs over a second) and confines it with every layer the machine offers.
- ``Spawner`` (Windows, macOS): a fresh interpreter per student process, kept
  warm as a spare before it is needed (see ``grader.sandbox.spawned``).

A ``Session`` is one submission loaded in one student process; when a call
times out or the process dies, the session kills it and transparently starts
a fresh one with the same submission, so a crash costs only the call it
happened in.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox import confine, harness, wire
from grader.sandbox.template_root import BOOTSTRAP
from grader.sandbox.processes import CallTimedOut, ForkedProcess, ProcessDied, SandboxError, SpawnedProcess

__all__ = ["CallTimedOut", "Limits", "LoadReport", "ProcessDied", "SandboxError", "Session", "Spawner", "Template",
           "WeakSandbox", "Zygote", "template_for"]

GRADER_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds the grader package


@dataclass(frozen=True)
class Limits:
    call_timeout_s: float = 10.0
    load_timeout_s: float = 20.0
    output_bytes: int = 64 * 1024  # kept per session; the rest is counted and dropped
    cpu_s: int = 120
    extra_address_space: int = 3 * 1024**3
    file_size: int = 16 * 1024**2
    open_files: int = 256
    processes: int = 32  # RLIMIT_NPROC of the sandbox uid (threads count too)
    scratch_bytes: int = 64 * 1024**2  # the tmpfs at /tmp inside the sandbox
    # Worker slot: student code runs as uid confine.UID_BASE + slot.  None: the Grader claims a free one
    # (see ``slots``), so no two graders running at once on this machine share a uid.
    slot: int | None = None
    sandbox: bool = True  # False: resource limits only, no namespaces/uid/seccomp (benchmarks, debugging)
    strict: bool = False  # every sandbox layer must hold, or no student code runs (``grader grade``)
    # Layers to treat as unavailable, as on a weaker machine (tests of the refusal; see GRADER_DISABLE_LAYERS).
    disabled_layers: tuple[str, ...] = ()
    # "fork" from a warm template (Linux), "spawn" a warm interpreter per session (Windows, macOS), or
    # "auto": what this system supports.  "spawn" on Linux is how the tests run the Windows code path.
    process_model: str = "auto"

    @property
    def uid(self) -> int:
        return confine.UID_BASE + (self.slot or 0)

    def confinement(self) -> dict:
        return {
            "sandbox": self.sandbox,
            "uid": self.uid,
            "processes": self.processes,
            "scratch_bytes": self.scratch_bytes,
            "required": list(confine.LAYERS) if (self.strict and self.sandbox) else [],
            "rlimits": {
                "cpu_s": self.cpu_s,
                "extra_address_space": self.extra_address_space,
                "file_size": self.file_size,
                "open_files": self.open_files,
            },
        }


class WeakSandbox(SandboxError):
    """Every layer was required (``Limits.strict``) and this machine cannot provide some of them."""

    def __init__(self, missing: list[str], reasons: dict[str, str]):
        self.missing, self.reasons = list(missing), dict(reasons)
        by_reason: dict[str, list[str]] = {}  # one reason often covers several layers: say it once
        for name in self.missing:
            by_reason.setdefault(self.reasons.get(name, ""), []).append(name)
        details = "; ".join(f"{', '.join(names)} ({reason})" if reason else ", ".join(names)
                            for reason, names in by_reason.items())
        super().__init__(f"this machine cannot provide these sandbox layers: {details}")

    def __reduce__(self):  # crosses from a batch worker to the main process
        return (WeakSandbox, (self.missing, self.reasons))


def _clean_env() -> dict[str, str]:
    # Nothing of the grader's environment (tokens, keys) reaches student code.
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": "/tmp",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
    }
    if sys.platform == "win32":
        # Without SYSTEMROOT, Windows cannot start Python's random number generator or load DLLs;
        # PATH is where torch's DLLs are found; TEMP where torch and tempfile write.  None is a secret.
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "PATH", "TEMP", "TMP")
                    if k in os.environ})
    return env


def can_fork() -> bool:
    """Whether student processes can be forked from a warm template here (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")


def template_for(limits: "Limits", probe_files: list[Path], *, d2l: tuple[str, ...] = (),
                 warm_everything: bool) -> "Template":
    """The template of ``limits.process_model`` ("auto": fork where it is possible and safe, else spawn), whose
    student processes get ``probe_files`` and the d2l stand-in with the book functions ``d2l``."""
    model = limits.process_model
    if model == "auto":
        model = "fork" if can_fork() else "spawn"
    if model == "fork":
        return Zygote(probe_files, d2l=d2l, disabled_layers=limits.disabled_layers, warm_everything=warm_everything)
    if model == "spawn":
        # One submission needs one process; a batch keeps a spare warming while a submission is graded.
        return Spawner(probe_files, d2l=d2l, disabled_layers=limits.disabled_layers, warm_everything=warm_everything,
                       spare=warm_everything)
    raise SandboxError(f"unknown process model {model!r} (known: auto, fork, spawn)")


class Template:
    """What ``Zygote`` and ``Spawner`` share: how their interpreters start, the layers this machine
    offers, and a context manager.

    Subclasses set ``layers`` and ``layer_errors`` in ``wait_ready`` and define ``start``, ``launch``,
    ``alive``, ``start_process`` and ``close``.
    """

    def __init__(self, probe_files: list[Path] = (), *, d2l: tuple[str, ...] = (), python: str = sys.executable,
                 ready_timeout_s: float = 120.0, disabled_layers: tuple[str, ...] = (), warm_everything: bool = True):
        self.python = python
        self.ready_timeout_s = ready_timeout_s
        self.disabled_layers = confine.check_layer_names(disabled_layers)
        # What every student process starts from (harness.prepare): read by the template's interpreter.
        self.options = harness.TemplateOptions(self.disabled_layers, warm_everything, tuple(d2l),
                                               tuple(str(Path(p).resolve()) for p in probe_files))
        self.layers: dict[str, Any] = {}  # what this machine offers: {layer: bool}
        self.layer_errors: dict[str, str] = {}  # why a layer is not available
        self.starts = 0  # interpreters started

    def _command(self, module: str, *first: str) -> list[str]:
        """A fresh, isolated interpreter running ``grader.sandbox.<module>.main`` (see harness.TemplateOptions)."""
        return [self.python, "-I", "-c", BOOTSTRAP.format(module=module), str(GRADER_ROOT), *first,
                *self.options.argv()]

    def require(self, layers: tuple[str, ...] = confine.LAYERS) -> None:
        """Raise ``WeakSandbox`` unless every one of ``layers`` is available here."""
        self.wait_ready()
        missing = [name for name in layers if not self.layers.get(name)]
        if missing:
            raise WeakSandbox(missing, self.layer_errors)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Zygote(Template):
    """A warm interpreter that forks student processes."""

    def __init__(self, probe_files: list[Path] = (), **options: Any):
        super().__init__(probe_files, **options)
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self._ready = False

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the interpreter without waiting: it imports torch while the grader does its own imports."""
        if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
            raise SandboxError("this system cannot fork a warm template: use the spawn process model")
        # A stream socket with wire's frames: SOCK_SEQPACKET would be simpler, but macOS has none.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            # The launcher builds the template a root where nothing names the instructor's folders (Linux, root).
            self._command("template_root", str(theirs.fileno())),
            pass_fds=[theirs.fileno()],
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd="/",
        )
        theirs.close()
        self.control = ours
        self.starts += 1
        self._ready = False

    def wait_ready(self) -> None:
        if self._ready:
            return
        ready = self._receive(self.ready_timeout_s)
        if not ready.get("ready"):
            raise SandboxError(f"template process did not start: {ready}")
        self.layers = ready.get("layers", {})
        self.layer_errors = {str(k): str(v) for k, v in ready.get("errors", {}).items()}
        self._ready = True

    def _receive(self, timeout_s: float) -> dict:
        try:
            return wire.recv_frame(self.control, time.monotonic() + timeout_s)
        except (wire.WireTimeout, wire.PeerClosed, wire.ProtocolError, OSError):
            stderr = ""
            if self.process.poll() is not None and self.process.stderr:
                stderr = self.process.stderr.read().decode(errors="replace")[-2000:]
            raise SandboxError("the template process is not answering" + (f":\n{stderr}" if stderr else ""))

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start_process(self, confinement: dict, on_output) -> ForkedProcess:
        """A new student process, confined as ``confinement`` says; its output goes to ``on_output``."""
        for attempt in (1, 2):
            if not self.alive():
                self.close()
                self.start()
            self.wait_ready()
            ours, theirs = socket.socketpair()
            out_r, out_w = os.pipe()
            try:
                wire.send_frame(self.control, {"op": "fork", "confinement": confinement}, [theirs.fileno(), out_w])
                reply = self._receive(30.0)
            except (OSError, SandboxError):
                ours.close()
                os.close(out_r)
                if attempt == 2:
                    raise
                self.close()  # the template died under us: start a new one once
                continue
            finally:
                theirs.close()
                os.close(out_w)
            if "pid" not in reply:
                raise SandboxError(f"template process refused to fork: {reply}")
            return ForkedProcess(reply["pid"], ours, out_r, on_output, self.reap, confinement.get("uid"))
        raise AssertionError("unreachable")

    def reap(self, uid: int | None) -> None:
        """Kill what a session left behind when there is no pid namespace to do it.

        The template kills every process of ``uid`` (when given) and every orphan it adopted
        as subreaper (processes that left the session with setsid and a double fork).
        """
        if not self.alive() or self.control is None:
            return
        try:
            wire.send_frame(self.control, {"op": "reap", "uid": uid})
            self._receive(10.0)
        except (OSError, SandboxError):
            pass

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            if self.process.stderr:
                self.process.stderr.close()
            self.process = None



class Spawner(Template):
    """Student processes that are interpreters of their own, for systems without a safe ``fork``.

    Each one imports torch before a session needs it: ``launch`` starts one while the grader does
    its own imports, and with ``spare`` a new one is started whenever one is handed out, so a batch
    (or a restart after a timeout) rarely waits for an interpreter to start.
    """

    def __init__(self, probe_files: list[Path] = (), *, spare: bool = True, **options: Any):
        super().__init__(probe_files, **options)
        self.keep_spare = spare
        self._spare: SpawnedProcess | None = None

    def launch(self) -> None:
        if self._spare is not None:
            if self._spare.alive():
                return
            self._spare.kill()  # died while waiting: its folder and pipes go too
        # Its own empty working folder, removed with it: nothing one submission writes is seen by the next.
        scratch = tempfile.mkdtemp(prefix="grader-student-")
        self._spare = SpawnedProcess(self._command("spawned"), env=dict(_clean_env(), HOME=scratch), scratch=scratch)
        self.starts += 1

    def start(self) -> None:
        self.wait_ready()

    def wait_ready(self) -> None:
        self.launch()  # a spare to wait for, if there is none yet
        ready = self._spare.wait_ready(time.monotonic() + self.ready_timeout_s)
        layers, errors = ready.get("layers"), ready.get("errors")
        self.layers = {str(k): v is True for k, v in layers.items()} if isinstance(layers, dict) else {}
        self.layer_errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}

    def alive(self) -> bool:
        return True  # nothing long-lived to die: every process is started when it is needed

    def start_process(self, confinement: dict, on_output) -> SpawnedProcess:
        self.wait_ready()
        process, self._spare = self._spare, None
        if self.keep_spare:
            self.launch()  # the next one warms up while this one is graded
        process.begin(confinement, on_output)
        return process

    def close(self) -> None:
        if self._spare is not None:
            self._spare.kill()
            self._spare = None



@dataclass
class LoadReport:
    units: list[dict] = field(default_factory=list)  # {"label", "status", "error"?}
    names: dict[str, str] = field(default_factory=dict)


def _load_unit(unit: Any) -> dict:
    """One unit of a load report, as plain strings: the report comes from a process that ran student code."""
    if not isinstance(unit, dict):
        return {"label": "?", "status": "malformed"}
    clean: dict[str, Any] = {"label": str(unit.get("label", "?"))[:40], "status": str(unit.get("status", "?"))[:40]}
    error = unit.get("error")
    if isinstance(error, dict):
        clean["error"] = {"type": str(error.get("type", "Error"))[:100], "message": str(error.get("message", ""))[:2000],
                          "traceback": str(error.get("traceback", ""))[:4000]}
    return clean


class Session:
    """One submission loaded in a student process, restarted on timeout or crash."""

    def __init__(self, template: Template, plan: dict, limits: Limits = Limits()):
        self.template, self.plan, self.limits = template, dict(plan), limits
        self.plan.setdefault("skip", [])
        self.plan.setdefault("died", [])
        self.process: ForkedProcess | SpawnedProcess | None = None
        self.output = bytearray()
        self.output_dropped = 0
        self._output_lock = threading.Lock()  # a spawned process's output arrives on a reader thread
        self.load_report = LoadReport()
        self._next_id = 0
        self._progress: int | None = None
        self.isolation: dict[str, bool] = {}  # the layers the student process reported applied
        self._confined = False

    # -- lifecycle

    def start(self) -> LoadReport:
        """Start a student process and load the submission.

        A unit that hangs (``skip``) or ends the process (``died``: ``os._exit``, a crash, a signal) is
        skipped on the next attempt, and the load report says which it was.
        """
        while True:
            self._spawn()
            try:
                self.load_report = self._await_load()
                return self.load_report
            except (CallTimedOut, ProcessDied, wire.ProtocolError) as exc:
                unit = self._progress
                self._kill()
                if unit is None or unit in self.plan["skip"] or unit in self.plan["died"]:
                    self.load_report = LoadReport(units=[{"label": "file", "status": "crashed", "error": {
                        "type": type(exc).__name__, "message": "the submission could not be loaded", "traceback": ""}}])
                    return self.load_report
                self.plan["died" if isinstance(exc, ProcessDied) else "skip"].append(unit)

    def _spawn(self) -> None:
        self.process = self.template.start_process(self.limits.confinement(), self._take_output)
        self._progress = None
        self._confined = False
        try:
            self.process.send({"plan": self.plan})
        except OSError:  # it died before it could be given the submission
            raise ProcessDied() from None

    def _take_output(self, chunk: bytes) -> None:
        with self._output_lock:
            room = max(self.limits.output_bytes - len(self.output), 0)
            self.output += chunk[:room]
            self.output_dropped += max(len(chunk) - room, 0)

    def _await_load(self) -> LoadReport:
        deadline = time.monotonic() + self.limits.load_timeout_s
        while True:
            frame = self.process.receive(deadline)
            if not self._confined:
                self._take_confinement(frame)
                continue
            if "progress" in frame:
                progress = frame["progress"]
                if type(progress) is not int or not 0 <= progress < 1_000_000:
                    raise wire.ProtocolError("load progress is malformed")
                self._progress = progress
                continue
            if frame.get("loaded"):
                units = frame.get("units", [])
                if not isinstance(units, list):
                    raise wire.ProtocolError("load report is malformed")
                names = frame.get("names", {})
                names = {str(k)[:200]: str(v)[:20] for k, v in names.items()} if isinstance(names, dict) else {}
                return LoadReport(units=[_load_unit(u) for u in units[:10_000]], names=names)
            raise wire.ProtocolError("unexpected frame while loading")

    def _take_confinement(self, frame: dict) -> None:
        """The first frame of a student process, sent before any student code runs: what confines it."""
        if "confinement_failed" in frame:
            message = str(frame["confinement_failed"])[:1000]
            self._kill()
            raise SandboxError(f"the sandbox could not be set up, so no student code was run: {message}")
        layers = frame.get("confined")
        if not isinstance(layers, dict):
            raise wire.ProtocolError("the student process did not report its confinement")
        self.isolation = {str(k)[:40]: v is True for k, v in layers.items()}
        self._confined = True

    def restart(self) -> None:
        self._kill()
        kept = len(self.output)
        self._spawn()
        try:
            self._await_load()
        finally:
            with self._output_lock:
                del self.output[kept:]  # the load's output was already captured once

    def close(self) -> None:
        """End the student process; its output is complete afterwards."""
        if self.process is not None:
            try:
                self.process.send({"op": "exit"})
            except OSError:
                pass
        self._kill()

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill(self.isolation)
            self.process = None

    # -- requests

    def request(self, message: dict, timeout_s: float | None = None) -> dict:
        """Send one request and wait for its reply; the process is replaced after a timeout or crash."""
        if self.process is None:
            self.restart()
        self._next_id += 1
        message = dict(message, id=self._next_id)
        deadline = time.monotonic() + (timeout_s or self.limits.call_timeout_s)
        try:
            self.process.send(message)
            while True:
                reply = self.process.receive(deadline)
                if reply.get("id") == self._next_id:
                    return reply
        except (CallTimedOut, ProcessDied, wire.ProtocolError, OSError):
            self._kill()
            raise

    def output_mark(self) -> tuple[int, int]:
        """Where the output stands now: ``rewind_output`` drops what came after (a replay's, run again)."""
        with self._output_lock:
            return len(self.output), self.output_dropped

    def rewind_output(self, mark: tuple[int, int]) -> None:
        with self._output_lock:
            del self.output[mark[0]:]
            self.output_dropped = mark[1]

    def output_text(self) -> str:
        with self._output_lock:
            text = self.output.decode("utf-8", errors="replace")
        if self.output_dropped:
            text += f"\n[... {self.output_dropped} more bytes of output not kept]"
        return text
