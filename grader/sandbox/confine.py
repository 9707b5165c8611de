"""Confinement applied in a forked student process before it loads student code.

Layers are applied in an order that keeps each possible: resource limits
while still privileged.  ``available_layers`` reports what this machine offers,
so the grader can state which layers were on.
"""

from __future__ import annotations

import resource
import sys


def available_layers() -> dict[str, bool]:
    return {"process": True, "time_limits": True, "rlimits": sys.platform != "win32"}


def _set_limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def apply(config: dict) -> None:
    """Apply the limits in ``config`` (seconds and bytes) to this process."""
    limits = config.get("rlimits", {})
    if "cpu_s" in limits:
        _set_limit(resource.RLIMIT_CPU, int(limits["cpu_s"]))
    if "file_size" in limits:
        _set_limit(resource.RLIMIT_FSIZE, int(limits["file_size"]))
    if "open_files" in limits:
        _set_limit(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    if "extra_address_space" in limits:
        # Relative to what the warm template already maps (torch alone is ~600 MiB).
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        _set_limit(resource.RLIMIT_AS, pages * resource.getpagesize() + int(limits["extra_address_space"]))
