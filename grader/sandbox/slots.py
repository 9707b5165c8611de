"""Worker slots: one sandbox uid per grader that runs at the same time on this machine.

Student code of slot ``n`` runs as uid ``confine.UID_BASE + n``.  Process
limits (RLIMIT_NPROC counts every process of a uid, machine-wide) and the
per-uid clean-up (``kill(-1)`` as that uid) are only per worker if no two
graders running at once share a uid: not two workers of one batch, and not
two ``grader grade`` commands started side by side.  So a grader claims a
slot for as long as it runs, with an ``flock`` on a file per slot; the
kernel drops the lock when the process ends, however it ends.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

try:
    import fcntl
except ImportError:  # Windows: no uids to share, any slot will do
    fcntl = None

MAX_SLOTS = 256  # uids UID_BASE .. UID_BASE + 255 (the probe uses UID_BASE + 999)


class SlotUnavailable(Exception):
    """No slot could be claimed (all busy, or the asked-for one is held by another grader)."""


class Slot:
    """A claimed slot; ``release`` (or the end of the process) frees it."""

    def __init__(self, number: int, fd: int | None):
        self.number, self._fd = number, fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> "Slot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_dir() -> str:
    """A folder only this user can write, shared by every grader this user runs."""
    path = os.path.join(tempfile.gettempdir(), f"grader-slots-{os.geteuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    # Someone else's folder (or a symlink planted in a shared /tmp) could hand out slots in use.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SlotUnavailable(f"{path} is not a private folder of this user; remove it")
    return path


def _try_lock(folder: str, number: int) -> int | None:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(os.path.join(folder, f"slot-{number}.lock"), flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def claim(number: int | None = None, *, start: int = 0) -> Slot:
    """Claim slot ``number``, or the lowest free one from ``start``."""
    if fcntl is None:
        return Slot(number or start, None)
    folder = lock_dir()
    if number is not None:
        if not 0 <= number < MAX_SLOTS:
            raise SlotUnavailable(f"slot {number} is out of range (0..{MAX_SLOTS - 1})")
        fd = _try_lock(folder, number)
        if fd is None:
            raise SlotUnavailable(f"slot {number} is in use by another grader on this machine")
        return Slot(number, fd)
    for candidate in range(start, MAX_SLOTS):
        fd = _try_lock(folder, candidate)
        if fd is not None:
            return Slot(candidate, fd)
    raise SlotUnavailable(f"all {MAX_SLOTS} sandbox slots are in use on this machine")
