"""The template process: one warm interpreter that forks a student process per session.

It imports torch, the harness and the assignment's probes (all public code),
and nothing of the reference or the tests, so a forked child inherits a warm
torch and no secret.  It is started once per grader worker with a clean
environment, then answers ``fork`` requests on its control socket: each
request (one SOCK_SEQPACKET message of JSON) carries the session's socket and output pipe as file descriptors.

Run as ``python -m grader.sandbox.zygote CONTROL_FD [PROBES_FILE ...]``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import sys

from grader.sandbox import linux


def _warm_up() -> None:
    import numpy  # noqa: F401  (students may use it; import it once here)
    import torch

    # A forked child must not inherit an OpenMP pool: with more than one intra-op
    # thread, the first parallel op after fork deadlocks.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.ones(2, 2).sum().item()  # initialise the allocator and dispatcher once
    from torch.utils._python_dispatch import TorchDispatchMode  # noqa: F401

    from grader.sandbox import d2l_shim, harness

    d2l_shim.install_if_missing()
    harness.warm_up()


def _load_probes(paths: list[str]) -> None:
    for index, path in enumerate(paths):
        spec = importlib.util.spec_from_file_location(f"grader_probes_{index}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    from grader.sandbox import confine, harness

    # Probe the sandbox layers before torch is imported: the trial forks are cheap then.
    layers = confine.available_layers()
    _warm_up()
    _load_probes(argv[1:])
    # Children are reaped automatically; the grader watches them through their sockets.  As a
    # subreaper, this process (not the machine's init) also inherits and reaps their orphans.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        pass
    reply = lambda message: control.send(json.dumps(message).encode())  # noqa: E731
    reply({"ready": True, "pid": os.getpid(), "layers": layers})
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 4)
        except (ConnectionError, OSError):
            return
        if not message:
            return  # the grader went away
        request = json.loads(message)
        if request.get("op") == "reap":
            for fd in fds:
                os.close(fd)
            reply({"reaped": _reap_uid(int(request["uid"]))})
            continue
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            reply({"error": "fork needs two descriptors"})
            continue
        session_fd, output_fd = fds
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                os.setsid()
                session = socket.socket(fileno=session_fd)
                # May fork again: what returns is the process that runs student code, confined.
                confine.enter(request.get("confinement", {}), session, output_fd)
                harness.child_main(session, output_fd)
            finally:
                os._exit(70)
        os.close(session_fd)
        os.close(output_fd)
        reply({"pid": pid})


def _reap_uid(uid: int) -> bool:
    """Kill every process of ``uid`` (student processes that left their process group)."""
    if uid <= 0 or os.geteuid() != 0:
        return False
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)  # everything this uid may signal: its own processes, never this one
        finally:
            os._exit(0)
    return True


if __name__ == "__main__":
    main(sys.argv[1:])
