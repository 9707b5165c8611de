"""The grader's end of one student process: send a request, wait for a frame, keep its output, kill it.

Two ways of reaching a student process, behind the same four methods
(``send``, ``receive``, ``kill``, ``pid``):

- ``ForkedProcess``: forked from the warm template (``grader.sandbox.zygote``), on Linux.
  Frames travel on a socket and its output on a pipe, both watched with
  ``select`` in the caller's thread.
- ``SpawnedProcess``: a fresh interpreter of its own (``grader.sandbox.spawned``), where
  forking a warm interpreter is impossible (Windows) or unsafe (macOS, whose system
  frameworks do not survive ``fork``).  Frames travel on its stdin and stdout, its output on
  stderr; two threads read them, because Windows cannot ``select`` on a pipe.

Nothing read from a student process is trusted: frames are size-capped JSON
objects (``wire``), and output goes to ``on_output``, which keeps what it has room for.
"""

from __future__ import annotations

import errno
import os
import queue
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from grader.sandbox import wire

OutputSink = Callable[[bytes], None]


class SandboxError(Exception):
    """The sandbox itself failed (not the student's code)."""


class CallTimedOut(Exception):
    pass


class ProcessDied(Exception):
    pass


class ForkedProcess:
    """A student process forked by the template: a session socket and an output pipe."""

    def __init__(self, pid: int, sock: socket.socket, out_fd: int, on_output: OutputSink,
                 reap: Callable[[int | None], None], uid: int | None):
        self.pid, self.sock, self.out_fd = pid, sock, out_fd
        self._on_output, self._reap, self._uid = on_output, reap, uid
        self._pending = b""
        self._out_eof = False
        os.set_blocking(out_fd, False)

    def send(self, message: dict) -> None:
        wire.send_frame(self.sock, message)

    def receive(self, deadline: float) -> dict:
        """The next frame; ``CallTimedOut`` at the deadline, ``ProcessDied`` when the socket closes."""
        while True:
            if len(self._pending) >= 4:
                length = wire.frame_length(self._pending[:4])
                if len(self._pending) >= 4 + length:
                    payload, self._pending = self._pending[4 : 4 + length], self._pending[4 + length :]
                    return wire.parse_frame(payload)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CallTimedOut()
            watched = [self.sock] if self._out_eof else [self.sock, self.out_fd]
            ready, _, _ = select.select(watched, [], [], remaining)
            if self.out_fd in ready:
                self._drain()
            if self.sock in ready:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    self._drain()
                    raise ProcessDied()
                self._pending += chunk

    def kill(self, isolation: dict[str, bool]) -> None:
        """Kill the process and whatever it started; return once its output is in."""
        if self.pid is not None:
            for kill in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
                try:
                    kill()
                except OSError as exc:
                    if exc.errno not in (errno.ESRCH, errno.EPERM):
                        raise
            self.pid = None
            if isolation.get("namespaces"):
                self._await_teardown()
            else:  # no pid namespace: kill whatever left the process group
                self._reap(self._uid if isolation.get("uid_drop") else None)
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.out_fd is not None:
            self._drain()
            os.close(self.out_fd)
            self.out_fd = None

    def _await_teardown(self, timeout_s: float = 5.0) -> None:
        """Wait until every process of the pid namespace is gone: then no copy of our socket and pipe is open."""
        deadline = time.monotonic() + timeout_s
        sock_open = self.sock is not None
        while sock_open or (self.out_fd is not None and not self._out_eof):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            watched = ([self.sock] if sock_open else []) + ([self.out_fd] if not self._out_eof else [])
            ready, _, _ = select.select(watched, [], [], remaining)
            if self.out_fd is not None and self.out_fd in ready:
                self._drain()
            if sock_open and self.sock in ready:
                try:
                    sock_open = bool(self.sock.recv(1 << 20))
                except OSError:
                    sock_open = False

    def _drain(self) -> None:
        while not self._out_eof:
            try:
                chunk = os.read(self.out_fd, 65536)
            except OSError:  # BlockingIOError included: nothing more for now
                return
            if not chunk:
                self._out_eof = True  # the student closed its output; stop watching it
                return
            self._on_output(chunk)


_EOF = object()


class SpawnedProcess:
    """A student process that is an interpreter of its own; started warm, before a session needs it.

    Its life: ``__init__`` starts it (it imports torch and the harness), ``wait_ready``
    reads its first frame (``{"ready", "layers", "errors"}``), ``begin`` hands it a
    session (output from then on goes to the session), and ``kill`` ends it.
    """

    def __init__(self, command: list[str], *, env: dict[str, str], scratch: str):
        group = {"start_new_session": True} if hasattr(os, "killpg") else {}
        if sys.platform == "win32":
            group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env, cwd=scratch, **group)
        self.scratch = scratch  # its working folder, removed when it is killed
        self.pid: int | None = self.process.pid
        # Bounded, so that a process that floods frames is held back by its pipe, not buffered in our memory.
        self._frames: queue.Queue = queue.Queue(maxsize=4)
        self._lock = threading.Lock()
        self._on_output: OutputSink | None = None
        self._early_output = bytearray()  # before a session owns it: kept for error messages only
        self.ready: dict | None = None
        self._threads = [threading.Thread(target=self._read_frames, daemon=True),
                         threading.Thread(target=self._read_output, daemon=True)]
        for thread in self._threads:
            thread.start()

    # -- the two readers (threads)

    def _read_frames(self) -> None:
        stream = self.process.stdout
        try:
            while True:
                header = stream.read(4)
                if len(header) < 4:
                    break
                length = wire.frame_length(header)
                payload = stream.read(length)
                if len(payload) < length:
                    break
                self._frames.put(wire.parse_frame(payload))
        except wire.ProtocolError as exc:
            self._frames.put(exc)  # and stop reading: the session kills the process
            return
        except (OSError, ValueError):  # the pipe was closed under us
            pass
        self._frames.put(_EOF)

    def _read_output(self) -> None:
        stream = self.process.stderr
        while True:
            try:
                chunk = stream.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            with self._lock:
                if self._on_output is not None:
                    self._on_output(chunk)
                else:
                    self._early_output = (self._early_output + chunk)[-4000:]

    # -- the grader's side

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, deadline: float) -> dict:
        if self.ready is None:
            try:
                frame = self.receive(deadline)
            except (CallTimedOut, ProcessDied, wire.ProtocolError) as exc:
                self.kill()
                output = self._early_output.decode(errors="replace")[-2000:]
                raise SandboxError(f"a student process did not start ({type(exc).__name__})"
                                   + (f":\n{output}" if output else "")) from None
            if not frame.get("ready"):
                self.kill()
                raise SandboxError(f"a student process did not start: {str(frame)[:500]}")
            self.ready = frame
        return self.ready

    def begin(self, confinement: dict, on_output: OutputSink) -> None:
        with self._lock:
            self._on_output = on_output
        self.send({"op": "start", "confinement": confinement})

    def send(self, message: dict) -> None:
        stream = self.process.stdin
        stream.write(wire.frame(message))
        stream.flush()

    def receive(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CallTimedOut()
        try:
            item = self._frames.get(timeout=remaining)
        except queue.Empty:
            raise CallTimedOut() from None
        if item is _EOF:
            self._frames.put(_EOF)  # every later receive sees it too
            raise ProcessDied()
        if isinstance(item, Exception):
            raise item
        return item

    def kill(self, isolation: dict[str, bool] | None = None) -> None:
        """Kill the process (and, where the platform allows, what it started); return once its output is in."""
        if self.pid is not None:
            _kill_tree(self.process)
            self.pid = None
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # Its output is complete once the reader saw EOF; a grandchild that kept the pipe open costs 2 s, not a hang.
        self._threads[1].join(timeout=2)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.scratch, ignore_errors=True)


def _kill_tree(process: subprocess.Popen) -> None:
    if hasattr(os, "killpg"):
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: its children too, unless they left it
        except OSError:
            pass
    elif sys.platform == "win32":
        # TerminateProcess (Popen.kill) ends only the process itself; taskkill /T ends its children too.
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    try:
        process.kill()
    except OSError:
        pass
