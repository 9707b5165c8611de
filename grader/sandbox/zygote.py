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
    _warm_up()
    _load_probes(argv[1:])
    from grader.sandbox import confine, harness

    # Children are reaped automatically; the grader watches them through their sockets.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    reply = lambda message: control.send(json.dumps(message).encode())  # noqa: E731
    reply({"ready": True, "pid": os.getpid(), "layers": confine.available_layers()})
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 4)
        except (ConnectionError, OSError):
            return
        if not message:
            return  # the grader went away
        request = json.loads(message)
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
                confine.apply(request.get("confinement", {}))
                harness.child_main(session, output_fd)
            finally:
                os._exit(70)
        os.close(session_fd)
        os.close(output_fd)
        reply({"pid": pid})


if __name__ == "__main__":
    main(sys.argv[1:])
