"""The student's view of the filesystem: a new root with only what the interpreter needs.

Inside a private mount namespace, a small tmpfs becomes the new root.  Into
it go read-only bind mounts of the Python installation, the virtual
environment, the grader package (public code), /usr and a few files of /etc
and /dev, plus a fresh /proc and a size-limited scratch tmpfs at /tmp.  The
course folder (reference/, assignments/*/hidden/), the submissions, the
output folder, /root and /work are simply not there.  The old root is
detached, so no path leads back to it.

Paths are worked out from the running interpreter (``sys.prefix``,
``sys.base_prefix``, the real ``sys.executable``) and the grader package, so
the same code holds for a venv, a pyenv or a distribution Python.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.sandbox import linux

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/nsswitch.conf",
             "/etc/mime.types")
DEVICES = ("null", "zero", "full", "random", "urandom")
BASE_CANDIDATES = ("/tmp", "/mnt", "/run", "/var/tmp", "/opt", "/srv", "/media", "/home")
# Never part of the view, whatever the interpreter's layout says.
NEVER = ("/", "/root", "/home", "/work", "/etc", "/proc", "/sys", "/dev", "/tmp", "/var", "/run")


def overlay(lower: str, upper: str, target: str) -> None:
    """A read-only overlay of ``upper`` over ``lower`` on ``target`` (its options name the two folders as given)."""
    linux.mount("overlay", target, "overlay", linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV,
                f"lowerdir={upper}:{lower}")


def _grader_package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # .../grader (sandbox/ is inside it)


def is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def python_dirs() -> list[str]:
    """Folders the interpreter reads from, outermost first and without nesting."""
    candidates = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                  os.path.realpath(sys.exec_prefix), os.path.realpath(sys.base_exec_prefix),
                  os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
                  _grader_package_dir()}
    dirs = sorted(c for c in candidates if os.path.isdir(c) and c not in NEVER)
    kept: list[str] = []
    for folder in dirs:
        if not any(is_under(folder, outer) for outer in kept):
            kept.append(folder)
    return kept


def layout() -> dict:
    """What goes into the view: bind-mounted folders and files, and symlinks to recreate."""
    binds, links = [], {}
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            links[path] = os.readlink(path)
        elif os.path.isdir(path):
            binds.append(path)
    for folder in python_dirs():
        if not any(is_under(folder, outer) for outer in binds):
            binds.append(folder)
    files = [p for p in ETC_FILES if os.path.exists(p)]
    return {"binds": binds, "files": files, "links": links}


def choose_base(sources: list[str]) -> str:
    for base in BASE_CANDIDATES:
        if os.path.isdir(base) and not os.path.islink(base) and not any(is_under(s, base) for s in sources):
            return base
    raise OSError("no folder to build the sandbox root in")


def mkdirs(root: str, path: str) -> str:
    """Create ``path`` under ``root`` (mode 0755 all the way), returning the full path."""
    target = root
    for part in Path(path).parts[1:]:
        target = os.path.join(target, part)
        if not os.path.isdir(target):
            os.mkdir(target, 0o755)
    return target


def touch(root: str, path: str) -> str:
    mkdirs(root, os.path.dirname(path))
    target = root + path
    if not os.path.exists(target):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    return target


def _write(root: str, path: str, text: str) -> None:
    mkdirs(root, os.path.dirname(path))
    with open(root + path, "w") as handle:
        handle.write(text)


def build(*, scratch_bytes: int, uid: int | None, gid: int | None) -> None:
    """Replace this mount namespace's root with the view (call in a private mount namespace, as root in it)."""
    view = layout()
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    root = choose_base(view["binds"] + view["files"])
    linux.mount("tmpfs", root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    # Scratch and /proc first: an interpreter installed under /tmp (a CI checkout, say) is then bound
    # inside the scratch space instead of being hidden by it.
    linux.mount("proc", mkdirs(root, "/proc"), "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    owner = f",uid={uid},gid={gid},mode=0700" if uid is not None else ",mode=1777"
    linux.mount("tmpfs", mkdirs(root, "/tmp"), "tmpfs", linux.MS_NOSUID | linux.MS_NODEV,
                f"size={max(scratch_bytes, 1 << 20)},nr_inodes=16384{owner}")
    for folder in view["binds"]:
        linux.mount(folder, mkdirs(root, folder), None, linux.MS_BIND | linux.MS_REC)
    for path in view["files"]:
        target = mkdirs(root, path) if os.path.isdir(path) else touch(root, path)
        linux.mount(path, target, None, linux.MS_BIND | linux.MS_REC)
    for link, destination in view["links"].items():
        os.symlink(destination, root + link)
    mkdirs(root, "/dev")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            linux.mount(f"/dev/{name}", touch(root, f"/dev/{name}"), None, linux.MS_BIND)
    for name, destination in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                              ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(destination, f"{root}/dev/{name}")
    user, group = (uid, gid) if uid is not None else (os.getuid(), os.getgid())
    _write(root, "/etc/passwd", f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                f"student:x:{user}:{group}:student:/tmp:/usr/sbin/nologin\n")
    _write(root, "/etc/group", f"root:x:0:\nstudent:x:{group}:\n")
    _write(root, "/etc/hostname", "sandbox\n")
    os.chdir(root)
    linux.pivot_root(".", ".")  # the old root ends up stacked under the new one...
    linux.umount2(".", linux.MNT_DETACH)  # ...and is detached: nothing leads back to the host
    os.chdir("/")
    _make_read_only()
    os.chdir("/tmp")


def _make_read_only() -> None:
    """Remount every mount of the view read-only except the scratch /tmp itself, /proc and the devices.

    Only /tmp itself: an interpreter bound below it is as read-only as any other.
    """
    writable_trees = ("/proc", "/dev")
    with open("/proc/self/mountinfo") as mountinfo:
        entries = [line.split() for line in mountinfo]
    for fields in entries:
        point = fields[4].encode().decode("unicode_escape")
        options = set(fields[5].split(","))
        if point == "/tmp" or any(is_under(point, w) for w in writable_trees) or "ro" in options:
            continue
        flags = linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
        for option in options:
            flags |= linux.MOUNT_OPTION_FLAGS.get(option, 0)
        linux.mount(None, point, None, flags)


def check(forbidden: list[str] = ()) -> list[str]:
    """Problems with the view seen from inside it (empty when it is as intended)."""
    problems = [f"{p} is missing" for p in python_dirs() if not os.path.isdir(p)]
    problems += [f"{p} is visible" for p in forbidden if os.path.exists(p)]
    probe = "/usr/.grader-write-probe"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
        os.unlink(probe)
        problems.append("/usr is writable")
    except OSError:
        pass
    return problems
