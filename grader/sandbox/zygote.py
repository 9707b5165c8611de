"""The template process: one warm interpreter that forks a student process per session.

It imports torch, the harness and the assignment's probes (all public code),
and nothing of the reference or the tests, so a forked child inherits a warm
torch and no secret.  It is started once per grader worker with a clean
environment, by ``template_root`` in a root of its own where nothing names the
instructor's folders (Linux, as root), then answers ``fork`` requests on its control socket: each
request (one frame of ``wire``, JSON) carries the session's socket and output pipe as file descriptors.

Run as ``python -m grader.sandbox.zygote CONTROL_FD [--disable=LAYER,...] [--warm=common|everything]
[--d2l=NAME,...] [PROBES_FILE ...]`` (``harness.TemplateOptions``; see ``harness.warm_up`` for what each
warm-up loads).
"""

from __future__ import annotations

import os
import signal
import socket
import sys

from grader.sandbox import linux, wire


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    from grader.sandbox import confine

    from grader.sandbox import harness

    options = harness.TemplateOptions.parse(argv[1:])
    confine.disable(options.disabled)
    # Probe the sandbox layers before torch is imported: the trial forks are cheap then.
    found = confine.probe()
    harness.prepare(options)
    # Children are reaped automatically; the grader watches them through their sockets.  As a
    # subreaper, this process (not the machine's init) also inherits and reaps their orphans.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        pass
    reply = lambda message: wire.send_frame(control, message)  # noqa: E731
    reply({"ready": True, "pid": os.getpid(), "layers": found["layers"], "errors": found["errors"],
           "mode": found["mode"]})
    try:
        _serve(control, reply)
    finally:
        _kill_children()  # the grader went away: nothing it started may outlive it


def _serve(control: socket.socket, reply) -> None:
    from grader.sandbox import confine, harness

    while True:
        try:
            request, fds = wire.recv_frame_with_fds(control, 4)
        except (wire.PeerClosed, wire.ProtocolError, OSError):
            return  # the grader went away (or is not the grader)
        if request.get("op") == "reap":
            for fd in fds:
                os.close(fd)
            uid = request.get("uid")
            reaped = _reap_uid(int(uid)) if uid is not None else False
            _kill_children()  # one session at a time: any child left now is the last one's, or an orphan of it
            reply({"reaped": reaped})
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


def _children() -> list[int]:
    """Pids whose parent is this process (its sessions, and orphans it adopted as subreaper)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me and fields[0] not in (b"Z", b"X"):
            found.append(int(entry))
    return found


def _kill_children(rounds: int = 50) -> None:
    """SIGKILL every child; their own children are then adopted by this subreaper and killed next round."""
    import time

    for _ in range(rounds):
        children = _children()
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


def _reap_uid(uid: int) -> bool:
    """Kill every process of ``uid`` (student processes that left their process group)."""
    if uid <= 0 or os.geteuid() != 0:
        return False
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)  # everything this uid may signal: its own processes, never this one
        finally:
            os._exit(0)
    os.close(w)
    os.read(r, 1)  # EOF once the killer has exited (SIGCHLD is ignored, so there is nothing to wait for)
    os.close(r)
    return True


if __name__ == "__main__":
    main(sys.argv[1:])
