"""Process helpers of the judge: a child's resource limits, the `nobody` fallback, the kill
sweep, a worker's environment, and reading a few facts about processes from /proc.

`WorkerClient` (autograder.judge.client) and the build steps start processes with these; none
of them talks to a worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import resource
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from autograder.judge import sandbox

NOBODY_UID = NOBODY_GID = 65534
NPROC_LIMIT = 512
FILE_SIZE_LIMIT = 256 << 20
#: Environment variables that cap the thread pools of numpy's BLAS (OpenBLAS, MKL, OpenMP).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
#: The keyctl(2) system call's number, per architecture (no libc wraps it; None: unknown here).
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
KEYCTL_JOIN_SESSION_KEYRING = 1
_LIBC = ctypes.CDLL(None, use_errno=True)
#: Host environment variables a worker keeps besides PATH, LANG, TZ, TERM (BLAS and locale
#: settings: OPENBLAS_CORETYPE must reach numpy unchanged).
ENV_PREFIXES = ("LC_", "OPENBLAS_", "MKL_", "OMP_", "GOTO")


def child_limits(memory_mb: int, cpu_seconds: int, confined: bool) -> Callable[[], None]:
    """The steps run in a child between fork and exec: resource limits (address space, CPU
    time, no core files, file size, process count), unconfined as root `nobody` when that
    user can run the interpreter, and a session keyring of its own."""
    as_nobody = not confined and os.geteuid() == 0 and nobody_can_run_python()

    def apply() -> None:
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))
        if as_nobody:
            become_nobody()
        leave_session_keyring()

    return apply


def leave_session_keyring() -> None:
    """Join a new, empty session keyring (in a child, before exec).

    A process inherits its parent's session keyring through fork and exec, and namespaces do
    not change that: a grader started from a login (SSH, PAM) would share its session's keys
    with every worker, and the workers with each other. A kernel without keyrings is fine:
    there is nothing to share.
    """
    if KEYCTL_SYSCALL is not None:
        _LIBC.syscall(KEYCTL_SYSCALL, KEYCTL_JOIN_SESSION_KEYRING, None)


def become_nobody() -> None:
    """Drop to the `nobody` user and group (in a child, as root)."""
    os.setgroups([])
    os.setgid(NOBODY_GID)
    os.setuid(NOBODY_UID)


_NOBODY_OK: list[bool] = []


def nobody_can_run_python() -> bool:
    """Whether `nobody` can start this interpreter (not when it lives under a private /root)."""
    if not _NOBODY_OK:
        try:
            done = subprocess.run([sys.executable, "-c", "import numpy, autograder"],
                                  preexec_fn=become_nobody, capture_output=True, timeout=60,
                                  env={"PYTHONPATH": str(sandbox.KIT_ROOT)}, cwd="/")
            _NOBODY_OK.append(done.returncode == 0)
        except (OSError, subprocess.SubprocessError):
            _NOBODY_OK.append(False)
    return _NOBODY_OK[0]


def prepare_for_nobody(ws_root: Path, readable: list[Path]) -> None:
    """Unconfined as root: let `nobody` read `readable` (each worker's own writable folder is
    handed over when it starts: `hand_to_nobody`)."""
    if os.geteuid() != 0:
        return
    ws_root.chmod(0o711)
    for top in readable:
        for dirpath, _dirnames, filenames in os.walk(top):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                path = os.path.join(dirpath, name)
                if not os.path.islink(path):  # chmod would follow it, out of the tree
                    os.chmod(path, 0o644)


def hand_to_nobody(folder: Path) -> None:
    """Unconfined as root: make `folder` (a worker's own) writable by `nobody`, whom the worker
    runs as; nothing to do otherwise."""
    if os.geteuid() == 0 and nobody_can_run_python():
        os.chown(folder, NOBODY_UID, NOBODY_GID)


def remove_tree(folder: Path) -> None:
    """Delete `folder` and everything in it, even what student code made unreadable or
    unwritable (a folder chmod 000 stops `shutil.rmtree` when the grader is not root)."""

    def unlock_and_retry(_function: Callable[..., object], path: str, _exc: object) -> None:
        for locked in (os.path.dirname(path), path):
            # Never through a symbolic link: chmod follows it, to any file the grader owns.
            if not os.path.islink(locked):
                with contextlib.suppress(OSError):
                    os.chmod(locked, 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)

    if sys.version_info >= (3, 12):
        shutil.rmtree(folder, onexc=unlock_and_retry)
    else:
        shutil.rmtree(folder, onerror=unlock_and_retry)


def kill_marked(marker: str) -> None:
    """Kill every process whose environment carries `marker` (unconfined: children that left
    the worker's process group)."""
    needle = f"TEENYGRAD_WORKER={marker}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def describe_exit(returncode: int | None, confined: bool = False) -> str:
    """A student-readable reason for a worker's death.

    Confined, bubblewrap's init reports a child killed by signal N as exit status 128 + N.
    """
    if returncode is None:
        return "the worker stopped answering"
    if confined and 128 < returncode < 128 + signal.NSIG:
        returncode = 128 - returncode
    if returncode < 0:
        sig = signal.Signals(-returncode)
        reasons = {
            signal.SIGSEGV: "segmentation fault (an out-of-bounds access in native code?)",
            signal.SIGABRT: "aborted (a Rust panic that could not unwind, or memory exhausted?)",
            signal.SIGKILL: "killed (memory or CPU-time limit reached?)",
            signal.SIGXCPU: "CPU-time limit reached",
            signal.SIGBUS: "bus error",
            signal.SIGFPE: "arithmetic fault",
        }
        return f"crashed: {reasons.get(sig, sig.name)} [{sig.name}]"
    return f"the worker exited with status {returncode} (did your code call sys.exit or os._exit?)"


def worker_environment(home: Path, pythonpath: list[str]) -> dict[str, str]:
    """The worker's environment: the host's locale, PATH and BLAS settings only (never the
    grader's tokens or other secrets), HOME in the scratch folder, and the kit's path."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "LANG", "TZ", "TERM") or k.startswith(ENV_PREFIXES)}
    env.update({"PYTHONPATH": os.pathsep.join(pythonpath), "PYTHONHASHSEED": "0",
                "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(home)})
    return env


def sandbox_init_pid(info_fd: int) -> int:
    """The pid of bubblewrap's init, read from its --info-fd (written once it is set up)."""
    ready, _, _ = select.select([info_fd], [], [], 5.0)
    if not ready:
        return -1
    try:
        return int(json.loads(os.read(info_fd, 4096) or b"{}").get("child-pid", -1))
    except (OSError, ValueError, AttributeError):
        return -1


def children(pid: int) -> list[int]:
    """The pids of `pid`'s children (empty when it is gone)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (empty when it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def state(pid: int) -> str:
    """`pid`'s state letter from /proc (R, S, T stopped, Z zombie, ...; "" when it is gone)."""
    fields = _stat_fields(pid)
    return fields[0] if fields else ""


def namespace_pid(pid: int) -> int:
    """`pid`'s number in its own PID namespace (the last NSpid entry; -1 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return -1


def start_time(pid: int) -> int:
    """When `pid` started, in clock ticks since boot (very late when it is gone)."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19])
    except (ValueError, IndexError):
        return 1 << 62
