"""Run Python as Windows would, as far as grader's process model can tell.

There is no Windows machine here, so the tests run the code path grader takes
there on Linux, in interpreters that lack what Windows lacks: ``os.fork``,
process groups and sessions, uids, passing descriptors over sockets, ``fcntl``
and ``resource``, ``select`` on anything but a socket, and ``subprocess``
options that only POSIX has (``pass_fds``, ``preexec_fn``, ``start_new_session``).
Whatever of that grader still used would raise here.  What it cannot show: code
that branches on ``sys.platform == "win32"`` (the Windows environment, taskkill).

Use it like the interpreter (``sys.executable`` becomes the wrapper, so every
process grader starts is Windows-like too)::

    python -I windows_like.py --as WRAPPER [flags] -c CODE [args...]
    python -I windows_like.py --as WRAPPER [flags] -m MODULE [args...]

where WRAPPER is an executable script: ``exec python -I windows_like.py --as "$0" "$@"``.
"""

import os
import runpy
import select
import signal
import socket
import subprocess
import sys

NOT_ON_WINDOWS = {
    os: ("fork", "forkpty", "killpg", "setsid", "getsid", "setpgid", "getpgid", "getpgrp",
         "geteuid", "getuid", "getegid", "getgid", "setresuid", "setresgid", "setuid", "setgid", "setgroups",
         "set_blocking", "get_blocking", "wait3", "wait4", "sched_setaffinity"),
    socket: ("send_fds", "recv_fds", "sendmsg", "recvmsg"),
    signal: ("SIGKILL", "SIGCHLD", "SIGALRM", "setitimer", "pthread_kill"),
}
POSIX_ONLY_POPEN = ("pass_fds", "preexec_fn", "start_new_session", "process_group", "user", "group", "extra_groups",
                    "umask")


def _select(rlist, wlist, xlist, *timeout):
    for item in (*rlist, *wlist, *xlist):
        if not isinstance(item, socket.socket):
            raise OSError(10038, f"select on {item!r}: an operation was attempted on something that is not a socket")
    return _real_select(rlist, wlist, xlist, *timeout)


class _Popen(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        used = [name for name in POSIX_ONLY_POPEN if kwargs.get(name) not in (None, False, (), [], -1)]
        if used:
            raise ValueError(f"{', '.join(used)} not supported on Windows platforms")
        super().__init__(*args, **kwargs)

    def kill(self):  # TerminateProcess on Windows; the POSIX Popen.kill would need the removed SIGKILL
        if self.returncode is None:
            try:
                os.kill(self.pid, _SIGKILL)
            except ProcessLookupError:
                pass

    terminate = kill


def become_windows_like(wrapper: str) -> None:
    for module, names in NOT_ON_WINDOWS.items():
        for name in names:
            if hasattr(module, name):
                delattr(module, name)
    for name in ("fcntl", "resource", "termios", "grp", "pwd"):
        sys.modules[name] = None  # import raises ImportError, as on Windows
    select.select = _select
    subprocess.Popen = _Popen
    sys.executable = wrapper


_real_select = select.select
_SIGKILL = signal.SIGKILL


def main(argv: list[str]) -> None:
    assert argv[0] == "--as", "usage: windows_like.py --as WRAPPER [flags] -c CODE | -m MODULE [args...]"
    become_windows_like(argv[1])
    args = argv[2:]
    while args and args[0].startswith("-") and args[0] not in ("-c", "-m"):
        args = args[2:] if args[0] in ("-X", "-W") else args[1:]  # the real interpreter already had its flags
    kind, target, rest = args[0], args[1], args[2:]
    if kind == "-c":
        sys.argv = ["-c", *rest]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    else:
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
