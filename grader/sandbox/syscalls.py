"""A seccomp deny-list: system calls student code has no business making.

The sandbox does not depend on it (namespaces, the uid and no capabilities
already make these calls fail); it narrows the kernel surface a student can
reach, e.g. creating a user namespace to get capabilities back inside it, or
io_uring and bpf.  Denied calls fail with EPERM instead of killing the
process, so a library probing for a feature degrades instead of crashing.
Only x86_64 and aarch64 are known; elsewhere the layer reports unavailable.
"""

from __future__ import annotations

import errno
import struct

from grader.sandbox import linux

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

# name -> (x86_64, aarch64); numbers from asm/unistd_64.h and asm-generic/unistd.h
DENIED = {
    "ptrace": (101, 117), "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41),
    "unshare": (272, 97), "setns": (308, 268), "chroot": (161, 51),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "reboot": (169, 142), "swapon": (167, 224), "swapoff": (168, 225), "acct": (163, 89),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271), "kcmp": (312, 272),
    "pidfd_getfd": (438, 438),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "settimeofday": (164, 170), "clock_settime": (227, 112), "adjtimex": (159, 171),
    "sethostname": (170, 161), "setdomainname": (171, 162), "syslog": (103, 116), "quotactl": (179, 60),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431),
    "fsmount": (432, 432), "fspick": (433, 433), "mount_setattr": (442, 442),
    "lookup_dcookie": (212, 18), "vhangup": (153, 58),
}
X86_ONLY = {"iopl": 172, "ioperm": 173}
CLONE = (56, 220)
CLONE3 = (435, 435)
X32_SYSCALL_BIT = 0x40000000

# classic BPF opcodes
LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RET_K = 0x06  # BPF_RET | BPF_K

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data; arg0's low 32 bits (little endian)


def supported() -> bool:
    return linux.IS_LINUX and linux.MACHINE in AUDIT_ARCH


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program() -> bytes:
    """The filter for this machine's architecture."""
    arch = linux.MACHINE
    column = 0 if arch == "x86_64" else 1
    denied = sorted({numbers[column] for numbers in DENIED.values()}
                    | (set(X86_ONLY.values()) if arch == "x86_64" else set()))
    eperm = SECCOMP_RET_ERRNO | errno.EPERM
    namespaces = linux.NAMESPACE_FLAGS
    insns = [
        # A foreign architecture (e.g. 32-bit calls through int 0x80) has other numbers: refuse it whole.
        _insn(LD_W_ABS, 0, 0, OFFSET_ARCH),
        _insn(JEQ_K, 1, 0, AUDIT_ARCH[arch]),
        _insn(RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        _insn(LD_W_ABS, 0, 0, OFFSET_NR),
    ]
    if arch == "x86_64":  # the x32 ABI: same arch value, numbers with bit 30 set
        insns.append(_insn(JGE_K, 0, 1, X32_SYSCALL_BIT))
        insns.append(_insn(RET_K, 0, 0, eperm))
    # clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc fall back to clone.
    insns.append(_insn(JEQ_K, 0, 1, CLONE3[column]))
    insns.append(_insn(RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS))
    # clone with a namespace flag: EPERM (threads and fork pass).
    insns.append(_insn(JEQ_K, 0, 4, CLONE[column]))
    insns.append(_insn(LD_W_ABS, 0, 0, OFFSET_ARG0))
    insns.append(_insn(JSET_K, 0, 1, namespaces))
    insns.append(_insn(RET_K, 0, 0, eperm))
    insns.append(_insn(RET_K, 0, 0, SECCOMP_RET_ALLOW))
    for nr in denied:
        insns.append(_insn(JEQ_K, 0, 1, nr))
        insns.append(_insn(RET_K, 0, 0, eperm))
    insns.append(_insn(RET_K, 0, 0, SECCOMP_RET_ALLOW))
    return b"".join(insns)


def install() -> None:
    """Install the filter on this process (needs no_new_privs or CAP_SYS_ADMIN); children inherit it."""
    if not supported():
        raise OSError(errno.ENOSYS, f"no seccomp filter for {linux.MACHINE}")
    linux.install_seccomp(program())
