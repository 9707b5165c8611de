"""A student process that is an interpreter of its own: the process model without ``fork``.

On Windows there is no ``fork``, and on macOS forking a process that has loaded
torch (and with it Apple's system frameworks) is unsafe, as CPython's own
``multiprocessing`` decided when it stopped forking there.  So on those systems
every session gets a fresh interpreter, started with a clean environment and
warmed up *before* a session needs it (``workers.Spawner`` keeps one spare):

    python -I -c BOOTSTRAP GRADER_ROOT [--disable=LAYER,...] [--warm=common|everything] [--d2l=NAME,...] [PROBES_FILE ...]

Frames (``wire``) arrive on stdin and leave on stdout; everything the student
prints goes to stderr, which the grader reads with a cap.  The process
imports only public code, like the fork template: nothing of the reference or
the tests ever exists here.

Isolation is what such a machine offers: a separate process, the grader's
time limits, and on macOS the resource limits.  The other layers need Linux.
"""

from __future__ import annotations

import os
import queue
import sys
import tempfile
import threading

from grader.sandbox import wire

WHY_NOT = "they need Linux: grade on Linux, or on Windows inside WSL"


class PipeChannel:
    """The two ends of the frame pipes, with the two socket methods ``wire`` uses.

    A thread reads the grader's end all the time, not only between calls: when it closes (the
    grader exited, or was killed), this process ends at once, even in the middle of an endless
    loop of student code.  A forked process gets the same from its template; this one has no
    template, and on Windows no process group the grader's end could take with it.
    """

    def __init__(self, read_fd: int, write_fd: int):
        self._read_fd = read_fd
        self._out = os.fdopen(write_fd, "wb", buffering=0)
        self._chunks: queue.Queue[bytes] = queue.Queue()
        self._pending = b""
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            try:
                chunk = os.read(self._read_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                os._exit(0)  # the grader is gone: nothing may outlive it
            self._chunks.put(chunk)

    def recv(self, n: int) -> bytes:
        if not self._pending:
            self._pending = self._chunks.get()
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = self._out.write(view)
            view = view[written:]


def layers(disabled: tuple[str, ...] = ()) -> dict:
    """What this process model applies: ``{"mode", "layers": {layer: bool}, "errors": {layer: reason}}``."""
    from grader.sandbox import confine  # imports nothing Linux-only at import time

    found = confine.base_layers()
    errors = {name: WHY_NOT for name, on in found.items() if not on}
    if not found["rlimits"]:
        errors["rlimits"] = "Windows has no resource limits"
    # A layer this model never offers keeps its reason; one it offers says the configuration turned it off.
    return confine.without_layers({"mode": "none", "layers": found, "errors": errors},
                                  [name for name in disabled if found.get(name)])


def _confine(confinement: dict, offered: dict[str, bool]) -> dict[str, bool]:
    applied = dict(offered)
    if applied["rlimits"]:
        from grader.sandbox import confine

        try:
            confine.set_rlimits(confinement.get("rlimits", {}))
        except (OSError, ValueError):  # macOS refuses some limits (RLIMIT_AS): then say they are off
            applied["rlimits"] = False
    required = [name for name in confinement.get("required", ()) if not applied.get(name)]
    if required:
        raise RuntimeError(f"layers not available without Linux: {', '.join(required)}")
    return applied


def main(argv: list[str]) -> None:
    # First of all, before any import can print: frames keep stdin and stdout to themselves.
    channel = PipeChannel(os.dup(0), os.dup(1))
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr

    from grader.sandbox import harness

    options = harness.TemplateOptions.parse(argv)
    harness.prepare(options)
    offered = layers(options.disabled)
    wire.send_frame(channel, {"ready": True, "pid": os.getpid(), **offered})
    try:
        request = wire.recv_frame(channel)  # a spare the grader no longer needs ends in PipeChannel
    except wire.ProtocolError:
        os._exit(0)
    try:
        applied = _confine(request.get("confinement", {}), offered["layers"])
    except BaseException as exc:  # noqa: BLE001 - never fall through to student code
        wire.send_frame(channel, {"confinement_failed": f"{type(exc).__name__}: {exc}"[:1000]})
        os._exit(71)
    # Its working folder is its own and removed with it: the place for the student's files.
    os.environ.update(HOME=os.getcwd(), TMPDIR=os.getcwd(), TEMP=os.getcwd(), TMP=os.getcwd())
    tempfile.tempdir = None  # computed again from the variables above on its next use
    wire.send_frame(channel, {"confined": applied})
    harness.child_main(channel, os.dup(2))
