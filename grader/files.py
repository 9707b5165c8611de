"""Writing a file whole or not at all: every file the grader writes for someone to read goes through here.

The data goes to a new temporary file in the target's own folder (so that the rename stays on one file
system), which then replaces the target in one ``os.replace``: a reader sees the old file or the new one,
never half of one.  When writing fails (a full disk, an interrupt) the temporary file is removed and the
old file stays as it was; the error goes on to the caller, who decides what it means (``grader.batch``
stops on a full disk).  Each writer gets its own temporary name, so two processes writing the same file at
once each replace it whole.

No ``fsync``: nothing the grader writes this way is the only copy of a result (the gradebook, SQLite, is;
``grader.batch`` rewrites a ``result.json`` that does not match it), so a power cut costs a rewrite, not data.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

TEMP_SUFFIX = ".tmp"  # a temporary file is ".<name>.<random>.tmp" beside its target
_TRIES = 100


def _create(path: Path, mode: int) -> tuple[int, Path]:
    # os.open with ``mode``: the umask applies as for any new file (mkstemp would make it 0600 whatever it is).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(_TRIES):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            return os.open(temp, flags, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


@contextmanager
def open_atomically(path: Path, *, binary: bool = False, newline: str | None = None,
                    mode: int = 0o666) -> Iterator[IO]:
    """A new file to write ``path`` through (UTF-8 text, or bytes with ``binary``); it replaces ``path`` when
    the block ends without an exception, and is removed when it does not.

    ``mode``: the permissions of the new file before the umask (0o600 for a file only its owner may read).
    """
    path = Path(path)
    fd, temp = _create(path, mode)
    try:
        handle = os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8",
                           newline=None if binary else newline)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    try:
        with handle:
            yield handle
        # closed: everything buffered is written (a full disk shows here at the latest)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes | str, *, mode: int = 0o666) -> None:
    """Replace ``path`` with ``data`` (text as UTF-8, line endings as given), whole or not at all."""
    with open_atomically(path, binary=True, mode=mode) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
