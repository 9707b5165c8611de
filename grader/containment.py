"""Reading a submission's files without ever leaving the submission's own tree.

The grader runs as root and reads submission files in its own process.  A
symbolic link in a submission (to the reference, to ``/etc/shadow``) would
make it read, grade or quote a file that is not the student's: every path
component below the submission's root is opened with ``O_NOFOLLOW``, one
directory descriptor at a time, so a link (or a component swapped for one
after a check) fails the open instead of being followed.  The file is then
checked with ``fstat`` on the descriptor actually read: a regular file, not a
FIFO or a device, no larger than the cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the grader in open()
_BINARY = getattr(os, "O_BINARY", 0)


class NotInside(Exception):
    """The path is a link, leaves the submission, or is not a regular file; ``str()`` says which, in English."""

    def __init__(self, reason: str, relative: str):
        super().__init__(reason)
        self.reason, self.relative = reason, relative  # reason: "link" or "not_regular"


class TooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def links_below(root: Path, file: Path) -> str | None:
    """The first of ``root`` and the components below it down to ``file`` that is a symbolic link, or None.

    Where ``O_NOFOLLOW`` and ``openat`` are missing (Windows), an ``lstat`` of each component before opening.
    """
    parts = file.relative_to(root).parts if file != root else ()
    current, shown = root, root.name
    for part in ("", *parts):
        if part:
            current, shown = current / part, f"{shown}/{part}"
        if current.is_symlink():
            return shown
    return None


def read_inside(root: Path, file: Path, max_bytes: int) -> bytes:
    """The bytes of ``file`` (``root`` itself, or a file below it), reached without following any link.

    Raises ``NotInside`` for a link or a file that is not regular, ``TooLarge`` above ``max_bytes``,
    ``OSError`` when it cannot be read.
    """
    parts = file.relative_to(root).parts if file != root else ()
    if not _NOFOLLOW or os.open not in os.supports_dir_fd:  # Windows: no O_NOFOLLOW, no dir_fd
        found = links_below(root, file)
        if found is not None:
            raise NotInside("link", found)
        return _read(os.open(file, os.O_RDONLY | _BINARY), file.name, max_bytes)
    shown = root.name
    try:
        if not parts:
            return _read(os.open(root, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK), shown, max_bytes)
        fd = os.open(root, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        try:
            for part in parts[:-1]:
                shown = f"{shown}/{part}"
                next_fd = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = next_fd
            shown = f"{shown}/{parts[-1]}"
            return _read(os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK, dir_fd=fd), shown,
                         max_bytes)
        finally:
            os.close(fd)
    except OSError as exc:
        import errno

        # ELOOP: the last component is a link; ENOTDIR: a directory component is a link (to a file or a folder).
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise NotInside("link", shown) from None
        raise


def _read(fd: int, shown: str, max_bytes: int) -> bytes:
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotInside("not_regular", shown)
        if info.st_size > max_bytes:
            raise TooLarge(info.st_size)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > max_bytes:  # it grew after fstat
                raise TooLarge(total)
            chunks.append(chunk)
    finally:
        os.close(fd)
