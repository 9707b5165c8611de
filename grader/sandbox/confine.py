"""Confinement of a forked student process, applied before it runs any student code.

The template forks a child per session; the child calls ``enter`` and only
then loads the submission.  With namespaces available, ``enter`` works like this::

    template (root, host namespaces)
      └─ C: setsid, unshare(mount, pid, net, ipc, uts [, user]), fork, wait
           └─ G: PID 1 of the new pid namespace (dies with C: PR_SET_PDEATHSIG)
                 new root (fsview), rlimits, setuid to the slot's uid,
                 no_new_privs, seccomp, inherited descriptors closed, fork;
                 then only reaps orphans, and exits when S does
                 └─ S: PID 2 -> runs the harness and the student's code

The grader knows C's pid: SIGKILL to C kills G, and when G (PID 1) dies the
kernel kills everything else in the namespace, setsid() or not.  Student
code does not run as PID 1, which the kernel treats specially (signals it
has no handler for are dropped, even a SIGKILL it sends itself; orphans
become its zombies).

Layers (the keys of ``probe()["layers"]`` and of ``SubmissionResult.isolation``):

- ``process``: student code runs in its own process, never in the grader's
- ``time_limits``: wall clock per call (the grader kills) and CPU time
- ``rlimits``: address space, file size, open files, no core dumps
- ``namespaces``: own pid, mount, ipc and uts namespaces; nothing outlives the session
- ``network_off``: an empty network namespace (not even loopback)
- ``filesystem_view``: a new root with the interpreter only, read-only; scratch /tmp
- ``uid_drop``: an unprivileged uid of its own per worker slot, no capabilities
- ``process_limit``: RLIMIT_NPROC for that uid (fork bombs)
- ``syscall_filter``: a seccomp deny-list (see ``syscalls``)

``probe`` finds out once per process, in throwaway forks, which layers this
machine really offers.  In the child, a layer that was found available and
then fails is fatal: the child reports ``confinement_failed`` on the session
socket and exits without running student code.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys

from grader.sandbox import fsview, linux, syscalls

LAYERS = ("process", "time_limits", "rlimits", "namespaces", "network_off", "filesystem_view", "uid_drop",
          "process_limit", "syscall_filter")
UID_BASE = 61000  # slot n runs as uid/gid UID_BASE + n
PROBE_UID = UID_BASE + 999
EXIT_CONFINEMENT_FAILED = 71

try:
    import resource
except ImportError:  # Windows
    resource = None


class ConfinementFailed(Exception):
    """A layer that should have been applied was not; student code must not run."""


# ------------------------------------------------------------------ probing

_probed: dict | None = None
_disabled: frozenset[str] = frozenset()
ALWAYS_ON = ("process", "time_limits")  # the grader itself provides these; they cannot be turned off
NEEDS = {"network_off": "namespaces", "filesystem_view": "namespaces", "process_limit": "uid_drop"}


def check_layer_names(names) -> tuple[str, ...]:
    """Validate names of layers to turn off (``Limits.disabled_layers``, ``GRADER_DISABLE_LAYERS``)."""
    names = tuple(dict.fromkeys(n for n in names if n))
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise ValueError(f"unknown sandbox layers {', '.join(unknown)} (known: {', '.join(LAYERS)})")
    fixed = [n for n in names if n in ALWAYS_ON]
    if fixed:
        raise ValueError(f"{', '.join(fixed)} cannot be turned off")
    return names


def disable(names) -> None:
    """Treat ``names`` as unavailable on this machine (call before the first ``probe``)."""
    global _disabled, _probed
    _disabled = frozenset(check_layer_names(names))
    _probed = None


def probe() -> dict:
    """``{"mode": "root" | "userns" | "none", "layers": {layer: bool}, "errors": {layer: str}}`` (cached)."""
    global _probed
    if _probed is None:
        found = _explain_dependents(without_layers(_probe(), _disabled))
        layers = found["layers"]
        if _disabled and layers["uid_drop"] and not layers["filesystem_view"]:
            # The probe dropped the uid inside the view; without it, the sandbox uid must be able to read
            # the interpreter where it really is (not under /root, mode 0700), as on a machine without one.
            trial = _in_throwaway_fork(lambda: {"error": _error_of(lambda: _trial_uid_drop(PROBE_UID))})
            error = "the trial process died" if trial is None else trial["error"]
            if error:
                layers["uid_drop"] = False
                found["errors"]["uid_drop"] = f"without the filesystem view: {error}"
        _probed = _explain_dependents(found)
    return _probed


def _error_of(fn) -> str | None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def without_layers(found: dict, disabled) -> dict:
    """The probe's findings with ``disabled`` layers off, and the layers that need them off too."""
    layers, errors = dict(found["layers"]), dict(found["errors"])
    for name in disabled:
        layers[name] = False
        errors[name] = "turned off by the grader's configuration (GRADER_DISABLE_LAYERS)"
    return {"mode": found["mode"], "layers": layers, "errors": errors}


def _explain_dependents(found: dict) -> dict:
    """A layer whose prerequisite is off is off too, and says so."""
    layers, errors = found["layers"], found["errors"]
    for name, needed in NEEDS.items():
        if not layers.get(needed):
            layers[name] = False
            if not errors.get(name):
                errors[name] = f"needs {needed}"
    return found


def base_layers() -> dict[str, bool]:
    """The layers every machine has: a process of its own, time limits, and rlimits where ``resource`` exists."""
    layers = dict.fromkeys(LAYERS, False)
    layers.update(process=True, time_limits=True, rlimits=resource is not None)
    return layers


def _probe() -> dict:
    layers, errors = base_layers(), {}
    if not linux.IS_LINUX or not hasattr(os, "fork"):
        return {"mode": "none", "layers": layers, "errors": {"namespaces": f"not Linux ({sys.platform})"}}
    modes = (["root"] if os.geteuid() == 0 else []) + ["userns", "none"]
    for mode in modes:
        trial = _in_throwaway_fork(lambda: _trial(mode))
        if trial is None:
            errors[f"{mode}_trial"] = "the trial process died"
            continue
        errors.update({f"{k}": v for k, v in trial["errors"].items() if k not in errors})
        if mode == "none" or trial["layers"].get("namespaces"):
            layers.update(trial["layers"])
            return {"mode": mode, "layers": layers, "errors": errors}
    return {"mode": "none", "layers": layers, "errors": errors}


def _in_throwaway_fork(fn) -> dict | None:
    """Run ``fn`` in a forked process and return the JSON it reports."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            _report = fn()
            os.write(w, json.dumps(_report).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    try:
        while select.select([r], [], [], 20.0)[0]:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None


def _trial(mode: str) -> dict:
    """Try every layer in this (throwaway) process the way ``enter`` would; report what held."""
    layers, errors = {}, {}

    def attempt(name, fn):
        try:
            fn()
            layers[name] = True
        except Exception as exc:  # noqa: BLE001 - any failure means "not available"
            layers[name] = False
            errors[name] = f"{type(exc).__name__}: {exc}"[:300]
        return layers[name]

    if mode != "none":
        user = linux.CLONE_NEWUSER if mode == "userns" else 0
        ids = (os.getuid(), os.getgid())
        if not attempt("namespaces", lambda: _unshare(mode, linux.CLONE_NEWNS | linux.CLONE_NEWPID | linux.CLONE_NEWIPC
                                                      | linux.CLONE_NEWUTS | user, ids)):
            return {"layers": layers, "errors": errors}
        attempt("network_off", lambda: linux.unshare(linux.CLONE_NEWNET))
        r, w = os.pipe()
        pid = os.fork()
        if pid:  # stay alive until the inner process has reported
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        os.close(r)
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        fs_ok = attempt("filesystem_view", lambda: _trial_view(mode))
        if not fs_ok:
            attempt("namespaces", _mount_fresh_proc)
    if mode == "root":
        attempt("uid_drop", lambda: _trial_uid_drop(PROBE_UID))
        layers["process_limit"] = layers["uid_drop"]
    elif mode == "none" and os.geteuid() == 0:
        attempt("uid_drop", lambda: _trial_uid_drop(PROBE_UID))  # outside a view: where it is installed
        layers["process_limit"] = layers["uid_drop"]
    if mode == "userns" and not attempt("namespaces", linux.drop_capabilities):
        layers.update(network_off=False, filesystem_view=False)  # enter() could not finish: none of it counts
    attempt("syscall_filter", _trial_seccomp)
    return {"layers": layers, "errors": errors}


def _trial_view(mode: str) -> None:
    fsview.build(scratch_bytes=1 << 20, uid=PROBE_UID if mode == "root" else None,
                 gid=PROBE_UID if mode == "root" else None)
    problems = fsview.check(forbidden=["/etc/shadow", "/etc/hosts", "/root/.bashrc", "/home", "/var", "/sys", "/boot"])
    if problems:
        raise ConfinementFailed("; ".join(problems))


def _trial_uid_drop(uid: int) -> None:
    folders = fsview.python_dirs()  # before the change: the new uid may not even see that they exist
    _drop_uid(uid, processes=64)
    for folder in folders:
        if not os.access(folder, os.R_OK | os.X_OK):
            raise ConfinementFailed(f"uid {uid} cannot read {folder}")
        os.listdir(folder)
    if linux.effective_capabilities() != 0:
        raise ConfinementFailed("capabilities left after the uid change")


def _trial_seccomp() -> None:
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    syscalls.install()
    try:
        linux.unshare(0)
    except OSError:
        return
    raise ConfinementFailed("the filter did not deny unshare")


# ------------------------------------------------------------------ applying


def enter(config: dict, session, output_fd: int) -> dict:
    """Confine this freshly forked process; return (in the process that will run student code) the applied layers.

    ``config``: ``sandbox`` (apply every available layer), ``uid``, ``processes``,
    ``scratch_bytes``, ``required`` (layers whose absence is fatal) and ``rlimits``.
    On any failure it reports ``confinement_failed`` on ``session`` and exits.
    """
    from grader.sandbox import wire

    try:
        applied = _enter(config, session, output_fd)
        wire.send_frame(session, {"confined": applied})  # the grader's record of what held
        return applied
    except BaseException as exc:  # noqa: BLE001 - never fall through to student code
        try:
            wire.send_frame(session, {"confinement_failed": f"{type(exc).__name__}: {exc}"[:1000]})
        finally:
            os._exit(EXIT_CONFINEMENT_FAILED)


def _enter(config: dict, session, output_fd: int) -> dict:
    applied = base_layers()
    applied["rlimits"] = False
    sandbox = bool(config.get("sandbox", True))
    info = probe() if sandbox else {"mode": "none", "layers": {}}
    available, mode = info["layers"], info["mode"]
    required = [name for name in config.get("required", ()) if not available.get(name)]
    if required:
        raise ConfinementFailed(f"layers not available on this machine: {', '.join(required)}")
    uid = int(config.get("uid", UID_BASE))
    drop_uid = sandbox and bool(available.get("uid_drop"))
    if sandbox and mode in ("root", "userns") and available.get("namespaces"):
        net = linux.CLONE_NEWNET if available.get("network_off") else 0
        user = linux.CLONE_NEWUSER if mode == "userns" else 0
        _unshare(mode, linux.CLONE_NEWNS | linux.CLONE_NEWPID | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS | net | user,
                 (os.getuid(), os.getgid()))
        _split(session, output_fd)  # from here on: G, PID 1 of the new pid namespace
        applied["namespaces"] = True
        applied["network_off"] = bool(net)
        linux.sethostname("sandbox")
        if available.get("filesystem_view"):
            fsview.build(scratch_bytes=int(config.get("scratch_bytes", 64 << 20)),
                         uid=uid if drop_uid else None, gid=uid if drop_uid else None)
            applied["filesystem_view"] = True
        else:
            _mount_fresh_proc()
    _write_quietly("/proc/self/oom_score_adj", "1000")  # under memory pressure, student code goes first
    if resource is not None and (available.get("rlimits") or not sandbox):
        set_rlimits(config.get("rlimits", {}))
        applied["rlimits"] = True
    dropped = False
    if drop_uid:
        _drop_uid(uid, int(config.get("processes", 32)))
        applied["uid_drop"] = applied["process_limit"] = dropped = True
    elif sandbox and linux.IS_LINUX and (mode != "none" or os.geteuid() == 0):
        linux.drop_capabilities()  # still uid 0 or our own uid, but without capabilities
        dropped = True
    if sandbox and linux.IS_LINUX:
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        if available.get("syscall_filter"):
            syscalls.install()
            applied["syscall_filter"] = True
        if dropped and linux.effective_capabilities() != 0:
            raise ConfinementFailed("capabilities are left after dropping them")
    not_applied = [name for name in config.get("required", ()) if not applied.get(name)]
    if not_applied:
        raise ConfinementFailed(f"layers not applied: {', '.join(not_applied)}")
    _close_inherited({0, 1, 2, session.fileno(), output_fd})
    if applied["namespaces"]:
        _fork_from_init(session, output_fd)  # from here on: S, PID 2
    os.environ.update(HOME="/tmp", TMPDIR="/tmp")
    # The template ignores SIGCHLD (its children reap themselves); student code must be able to wait for its own.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    return applied


def _unshare(mode: str, flags: int, ids: tuple[int, int]) -> None:
    linux.unshare(flags)
    if mode == "userns":  # map our own ids; we keep full capabilities inside the new user namespace
        uid, gid = ids
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
        _write("/proc/self/gid_map", f"{gid} {gid} 1\n")


def _split(session, output_fd: int) -> None:
    """Fork G, PID 1 of the new pid namespace; this process (C) waits for it and never returns."""
    r, w = os.pipe()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        os.close(w)
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([r], [], [], 0)[0]:  # C died before the line above: the pipe is at EOF
            os._exit(0)
        os.close(r)
        return
    # C: hold nothing of the session, so the grader sees EOF once the namespace is gone.
    os.close(r)
    session.close()
    os.close(output_fd)
    _close_inherited({w})
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(0)
        os._exit(min(max(os.waitstatus_to_exitcode(status), 0), 255) if os.WIFEXITED(status) else 128 + 9)


def _fork_from_init(session, output_fd: int) -> None:
    """In G (PID 1, already confined): fork the student process S, then reap until S exits; S returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        return
    session.close()
    os.close(output_fd)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _close_inherited(set())
    while True:  # an init: every orphan of the namespace ends up here
        try:
            child, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(0)
        if child == pid:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _mount_fresh_proc() -> None:
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)


def _drop_uid(uid: int, processes: int) -> None:
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    if linux.IS_LINUX:
        linux.drop_bounding_set()  # while we still may: the change of uid then clears the rest
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgid() != uid:
        raise ConfinementFailed("the uid change did not hold")


def _set_limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def set_rlimits(limits: dict) -> None:
    _set_limit(resource.RLIMIT_CORE, 0)
    if "cpu_s" in limits:
        _set_limit(resource.RLIMIT_CPU, int(limits["cpu_s"]))
    if "file_size" in limits:
        _set_limit(resource.RLIMIT_FSIZE, int(limits["file_size"]))
    if "open_files" in limits:
        _set_limit(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    if "extra_address_space" in limits and hasattr(resource, "RLIMIT_AS") and os.path.exists("/proc/self/statm"):
        # Relative to what the warm template already maps (torch alone is ~600 MiB).
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        _set_limit(resource.RLIMIT_AS, pages * resource.getpagesize() + int(limits["extra_address_space"]))


def _close_inherited(keep: set[int]) -> None:
    start = 3
    for fd in sorted(k for k in keep if k >= 3):
        if fd > start:
            os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 1 << 20)


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _write_quietly(path: str, text: str) -> None:
    try:
        _write(path, text)
    except OSError:
        pass
