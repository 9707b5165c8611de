"""The template's own root: Python, its packages and the grader at neutral paths (Linux, as root).

Student processes are forked from the template, so they inherit every name it holds: its command line
(``/proc/1/cmdline``), its executable, the files it mapped (``/proc/self/maps``), ``sys.path``,
``sys.prefix``, modules' ``__file__`` and their code's ``co_filename``.  Started where the instructor
installed things, all of these would name the instructor's checkout (where ``reference/`` and the hidden
checks live) and home folder.  So, as root on Linux, a launcher builds the template a root of its own in a
private mount namespace and executes the interpreter there::

    /opt/python        the Python installation (sys.base_prefix), unless it is under /usr
    /opt/python-env    the virtual environment (sys.prefix), when there is one
    /opt/grader        a copy of the grader package (public code, without __pycache__)
    /opt/probes/N/     copies of the assignment's probe files
    /usr, /lib...      as on the host; a fresh /proc, /sys, /dev, a few files of /etc

Each installation is a read-only overlay of two layers: a small tmpfs folder holding copies of the few
files that name the real place (``pyvenv.cfg``, scripts' ``#!`` lines, an editable install's ``.pth`` and
finder, ``direct_url.json``, ``_sysconfigdata``), rewritten to name the neutral one, over the real folder.
A bind mount would do without the copies, but ``/proc/self/mountinfo`` shows where in its filesystem each
bind mount comes from; an overlay's own root is ``/`` and its options name the neutral folders only.

The student's view (``fsview``) is then built from this root, so it holds these paths only.  Where the
root cannot be built (not root, no overlayfs, an unusual layout, a layer turned off), the template
runs where it is installed, as before.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import sys
from dataclasses import dataclass

from grader.sandbox import fsview, linux

PYTHON, ENV, GRADER, PROBES = "/opt/python", "/opt/python-env", "/opt/grader", "/opt/probes"
MASKS = "/.masks"  # the overlays' top layers, in the new root (the student's view does not hold it)
STAGE = "/.stage"
# Where, in an installation, files that name the installation's own path are (all small): rewritten in the mask.
MASKED = ("pyvenv.cfg", "bin/*", "bin/__pycache__/*", "lib*/pkgconfig/*",
          "lib*/python3*/_sysconfigdata*", "lib*/python3*/__pycache__/_sysconfigdata*", "lib*/python3*/config-*/*",
          "lib*/python3*/site-packages/*", "lib*/python3*/site-packages/__pycache__/*",
          "lib*/python3*/site-packages/*.dist-info/direct_url.json", "lib*/python3*/site-packages/*.egg-info/*")
MASK_MAX_BYTES = 4 << 20
ETC_FILES = (*fsview.ETC_FILES, "/etc/passwd", "/etc/group")
BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
             "from grader.sandbox.{module} import main; main(sys.argv[2:])")


class NotBuilt(Exception):
    """The root could not be built; nothing has changed outside this process's mount namespace."""


@dataclass(frozen=True)
class Plan:
    installs: tuple[tuple[str, str], ...]  # (real folder, neutral folder): overlays
    renames: tuple[tuple[str, str], ...]  # (real path, neutral path), every spelling, longest first
    executable: str  # the interpreter to execute, at its neutral path
    grader_root: str  # the real folder that holds the grader package
    probes: tuple[tuple[str, str], ...]  # (real file, neutral file)
    library_path: str | None  # libpython's folder: the interpreter's RUNPATH names its real place

    def neutral(self, path: str) -> str:
        for real, neutral in self.renames:
            if fsview.is_under(path, real):
                return neutral + path[len(real):]
        return path

    def rewritten(self, data: bytes) -> bytes:
        for real, neutral in self.renames:
            data = data.replace(real.encode(), neutral.encode())
        return data

    def names_a_real_path(self, data: bytes) -> bool:
        return any(real.encode() in data for real, _ in self.renames)


def _system(path: str) -> bool:
    return any(fsview.is_under(path, os.path.realpath(d)) for d in fsview.SYSTEM_DIRS if os.path.isdir(d))


def plan(grader_root: str, probe_files: list[str]) -> Plan | None:
    """Where everything goes, or None for a layout this does not handle."""
    base, env = os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)
    if os.path.realpath(sys.base_exec_prefix) != base or os.path.realpath(sys.exec_prefix) != env:
        return None
    installs = [(real, neutral) for real, neutral in ((base, PYTHON), (env, ENV))
                if not _system(real) and real != "/"]
    if env == base:
        installs = installs[:1]
    grader_root = os.path.realpath(grader_root)
    spellings = [(path, neutral) for real, neutral in installs
                 for path in {real, os.path.abspath(sys.base_prefix if neutral == PYTHON else sys.prefix)}]
    if not any(fsview.is_under(grader_root, real) for real, _ in installs):
        spellings.append((grader_root, GRADER))
    renames = tuple(sorted(set(spellings), key=lambda pair: len(pair[0]), reverse=True))
    draft = Plan(tuple(installs), renames, "", grader_root, (), None)
    executable = draft.neutral(os.path.abspath(sys.executable))
    if executable == os.path.abspath(sys.executable) and not _system(executable):
        return None
    probes = tuple((os.path.realpath(p), f"{PROBES}/{i}/{os.path.basename(p)}") for i, p in enumerate(probe_files))
    library = None
    if (base, PYTHON) in installs and glob.glob(os.path.join(base, "lib", "libpython*.so*")):
        library = PYTHON + "/lib"
    return Plan(tuple(installs), renames, executable, grader_root, probes, library)


def possible(disabled: tuple[str, ...]) -> bool:
    """Whether to try: as root on Linux, with the layers the student's view needs (without overlayfs, ``build``
    finds out before anything changes)."""
    return linux.IS_LINUX and os.geteuid() == 0 and not {"namespaces", "filesystem_view"} & set(disabled)


# ------------------------------------------------------------------ building


def _mirror_dirs(real: str, mask: str, rel: str) -> None:
    """Create ``mask/rel`` folder by folder with the modes and owners of ``real/rel`` (an overlay shows the top
    layer's)."""
    parts = [p for p in rel.split("/") if p]
    for depth in range(len(parts) + 1):
        source = os.path.join(real, *parts[:depth])
        target = os.path.join(mask, *parts[:depth])
        if depth and os.path.isdir(target):
            continue
        info = os.stat(source)
        if not os.path.isdir(target):
            os.mkdir(target)
        os.chmod(target, stat.S_IMODE(info.st_mode))
        os.chown(target, info.st_uid, info.st_gid)


def build_mask(layout: Plan, real: str, mask: str) -> list[str]:
    """Copies of the files of ``real`` that name a real path, rewritten, under ``mask``; returns their paths."""
    _mirror_dirs(real, mask, "")
    masked = []
    for pattern in MASKED:
        for rel in sorted(glob.glob(pattern, root_dir=real)):
            path = os.path.join(real, rel)
            if os.path.realpath(os.path.dirname(path)) != os.path.dirname(path):
                continue  # reached through a link (a venv's lib64 -> lib): masked where it really is
            try:
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    target = os.readlink(path)
                    if target == layout.rewritten(target.encode()).decode():
                        continue
                    _mirror_dirs(real, mask, os.path.dirname(rel))
                    os.symlink(layout.rewritten(target.encode()).decode(), os.path.join(mask, rel))
                elif stat.S_ISREG(info.st_mode) and info.st_size <= MASK_MAX_BYTES:
                    with open(path, "rb") as handle:
                        data = handle.read()
                    if not layout.names_a_real_path(data):
                        continue
                    if rel.endswith(".pyc"):
                        data = b""  # its strings cannot be rewritten; an empty one makes Python compile the source
                    elif b"\0" in data:
                        continue  # a program (the interpreter's RUNPATH): rewriting would break it
                    else:
                        data = layout.rewritten(data)
                    _mirror_dirs(real, mask, os.path.dirname(rel))
                    target = os.path.join(mask, rel)
                    with open(target, "wb") as handle:
                        handle.write(data)
                    os.chmod(target, stat.S_IMODE(info.st_mode))
                    os.chown(target, info.st_uid, info.st_gid)
                else:
                    continue
            except OSError:
                continue  # unreadable: the student's view cannot read it either
            masked.append(rel)
    return masked


def build(layout: Plan) -> None:
    """Make this process's root the template's root (call once, in the launcher, as root).

    Raises ``NotBuilt`` when something fails before the root changes (then nothing has); after that,
    a failure is fatal for this process.
    """
    sources = [real for real, _ in layout.installs] + [layout.grader_root] + [real for real, _ in layout.probes]
    try:
        linux.unshare(linux.CLONE_NEWNS)
        linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
        root = fsview.choose_base(sources)
        linux.mount("tmpfs", root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=64m,nr_inodes=65536,mode=0755")
    except OSError as exc:
        raise NotBuilt(str(exc)) from None
    try:
        _populate(root, layout)
    except Exception as exc:
        linux.umount2(root, linux.MNT_DETACH)  # back to the host's folders, in this namespace
        raise NotBuilt(f"{type(exc).__name__}: {exc}") from None
    os.chdir(root)
    linux.pivot_root(".", ".")
    linux.umount2(".", linux.MNT_DETACH)
    os.chdir("/")
    for _, neutral in layout.installs:
        os.mkdir(STAGE)
        fsview.overlay(neutral, MASKS + neutral, STAGE)
        linux.umount2(neutral, linux.MNT_DETACH)  # the overlay keeps a private copy of its layers
        linux.mount(STAGE, neutral, None, linux.MS_MOVE)
        os.rmdir(STAGE)


def _populate(root: str, layout: Plan) -> None:
    for path in fsview.SYSTEM_DIRS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            linux.mount(path, fsview.mkdirs(root, path), None, linux.MS_BIND | linux.MS_REC)
    for path in ETC_FILES:
        if os.path.exists(path):
            target = fsview.mkdirs(root, path) if os.path.isdir(path) else fsview.touch(root, path)
            linux.mount(path, target, None, linux.MS_BIND | linux.MS_REC)
    linux.mount("proc", fsview.mkdirs(root, "/proc"), "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    for path in ("/dev", "/sys"):  # the template's own (torch reads the CPUs' topology); never the student's
        if os.path.isdir(path):
            linux.mount(path, fsview.mkdirs(root, path), None, linux.MS_BIND | linux.MS_REC)
    os.chmod(fsview.mkdirs(root, "/tmp"), 0o1777)  # where the student's view is built
    for real, neutral in layout.installs:
        linux.mount(real, fsview.mkdirs(root, neutral), None, linux.MS_BIND | linux.MS_REC)
        mask = fsview.mkdirs(root, MASKS + neutral)
        build_mask(layout, real, mask)
        # Try the overlay now, while a failure can still fall back to the template where it is installed.
        trial = fsview.mkdirs(root, STAGE)
        fsview.overlay(root + neutral, mask, trial)
        linux.umount2(trial, linux.MNT_DETACH)
        os.rmdir(trial)
    package = fsview.mkdirs(root, GRADER)
    shutil.copytree(os.path.join(layout.grader_root, "grader"), os.path.join(package, "grader"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for real, neutral in layout.probes:
        fsview.mkdirs(root, os.path.dirname(neutral))
        shutil.copyfile(real, root + neutral)
    for top in (root + GRADER, root + PROBES):  # readable by the sandbox uid, whatever the checkout's modes
        _make_readable(top)


def _make_readable(top: str) -> None:
    for folder, dirs, files in os.walk(top):
        os.chmod(folder, 0o755)
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), 0o644)


# ------------------------------------------------------------------ launching


def main(argv: list[str]) -> None:
    """``CONTROL_FD [--disable=...] [--warm=...] [--d2l=...] [PROBES_FILE ...]``, as ``zygote.main``: run the zygote in a root
    of its own (executing the interpreter again there), or where it is installed when that cannot be built."""
    control_fd, options = argv[0], argv[1:]
    from grader.sandbox import harness

    parsed = harness.TemplateOptions.parse(options)
    grader_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    layout = plan(grader_root, list(parsed.probes)) if possible(parsed.disabled) else None
    if layout is not None:
        try:
            build(layout)
        except NotBuilt as exc:
            print(f"grader: the template runs where Python is installed: {exc}", file=sys.stderr)
        else:
            env = dict(os.environ)
            if layout.library_path:
                env["LD_LIBRARY_PATH"] = layout.library_path
            probe_paths = dict(layout.probes)
            options = [o if o.startswith("--") else probe_paths.get(os.path.realpath(o), o) for o in options]
            os.execve(layout.executable, [layout.executable, "-I", "-c", BOOTSTRAP.format(module="zygote"), GRADER,
                                          control_fd, *options], env)
    from grader.sandbox import zygote

    zygote.main([control_fd, *options])
