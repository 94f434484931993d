"""`WorkerClient`: start a worker on a workspace, send it calls with deadlines, end it cleanly.

The worker runs in the sandbox (`autograder.judge.sandbox`: bubblewrap, a filesystem view made
for it, its own PID namespace) under resource limits; every call has a wall-clock deadline. A
timeout, a crash or a corrupt reply ends the worker — and with its PID namespace everything it
started — and raises in the judge; the next call starts a fresh worker.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from autograder.judge import sandbox
from autograder.judge.errors import (
    BannedImport,
    NotImplementedByStudent,
    StudentError,
    WorkerCrashed,
    WorkerTimeout,
)
from autograder.judge.timing import process_cpu_seconds
from autograder.worker.codec import CodecError, encode, read_message

STARTUP_TIMEOUT = 60.0
#: Environment variables that cap the thread pools of numpy's BLAS (OpenBLAS, MKL, OpenMP).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
NOBODY_UID = NOBODY_GID = 65534
NPROC_LIMIT = 512
OUTPUT_TAIL_BYTES = 2000
#: Host environment variables a worker keeps besides PATH, LANG, TZ, TERM (BLAS and locale
#: settings: OPENBLAS_CORETYPE must reach numpy unchanged).
ENV_PREFIXES = ("LC_", "OPENBLAS_", "MKL_", "OMP_", "GOTO")


@dataclass
class WorkerSpec:
    """Everything needed to start workers for one grading run."""

    workspace: Path
    scratch: Path
    extra_paths: list[Path] = field(default_factory=list)
    banned_imports: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    preload: list[str] = field(default_factory=list)
    call_timeout: float = 10.0
    memory_mb: int = 2048
    cpu_seconds: int = 300
    env: dict[str, str] = field(default_factory=dict)
    sandbox: sandbox.Sandbox = field(default_factory=sandbox.probe)
    blocker: Path | None = None

    def view(self) -> sandbox.View:
        """What a worker sees: the student's files and built modules (read-only), scratch."""
        return sandbox.View(read_only=[self.workspace, *self.extra_paths],
                            writable=[self.scratch], packages=tuple(self.packages),
                            banned=tuple(self.banned_imports), blocker=self.blocker,
                            chdir=self.scratch)


class Timed(NamedTuple):
    """A call's value with the judge's wall-clock time and the worker's CPU time."""

    value: Any
    wall_s: float
    cpu_s: float


def _limits(spec: WorkerSpec) -> Callable[[], None]:
    """The steps run in the child between fork and exec: resource limits, and, unconfined as
    root, `nobody` when that user can run the interpreter."""
    as_nobody = not spec.sandbox.confined and os.geteuid() == 0 and nobody_can_run_python()

    def apply() -> None:
        memory = spec.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_seconds, spec.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 20, 256 << 20))
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))
        if as_nobody:
            os.setgroups([])
            os.setgid(NOBODY_GID)
            os.setuid(NOBODY_UID)

    return apply


_NOBODY_OK: list[bool] = []


def nobody_can_run_python() -> bool:
    """Whether `nobody` can start this interpreter (not when it lives under a private /root)."""
    if not _NOBODY_OK:
        def become_nobody() -> None:
            os.setgroups([])
            os.setgid(NOBODY_GID)
            os.setuid(NOBODY_UID)

        try:
            done = subprocess.run([sys.executable, "-c", "import numpy, autograder"],
                                  preexec_fn=become_nobody, capture_output=True, timeout=60,
                                  env={"PYTHONPATH": str(sandbox.KIT_ROOT)}, cwd="/")
            _NOBODY_OK.append(done.returncode == 0)
        except (OSError, subprocess.SubprocessError):
            _NOBODY_OK.append(False)
    return _NOBODY_OK[0]


def prepare_for_nobody(ws_root: Path, readable: list[Path], writable: list[Path]) -> None:
    """Unconfined as root: let `nobody` read `readable` and write `writable`."""
    if os.geteuid() != 0:
        return
    ws_root.chmod(0o711)
    for top in readable:
        for dirpath, _dirnames, filenames in os.walk(top):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o644)
    for top in writable:
        os.chown(top, NOBODY_UID, NOBODY_GID)
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                os.lchown(os.path.join(dirpath, name), NOBODY_UID, NOBODY_GID)


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


class _DeadlineReader:
    """A read-only view of a pipe that raises WorkerTimeout past a deadline."""

    def __init__(self, fd: int, deadline: float, on_timeout: Callable[[], BaseException]):
        self.fd, self.deadline, self.on_timeout = fd, deadline, on_timeout

    def read(self, size: int = -1) -> bytes:
        remaining = self.deadline - time.monotonic()
        ready, _, _ = select.select([self.fd], [], [], max(remaining, 0))
        if not ready:
            raise self.on_timeout()
        return os.read(self.fd, min(size, 1 << 20))


class WorkerClient:
    """The judge's handle on one worker process (started lazily, restarted after failure)."""

    def __init__(self, spec: WorkerSpec, name: str = "worker") -> None:
        self.spec = spec
        self.name = name
        self.proc: subprocess.Popen | None = None
        self._send_fd = -1
        self._recv_fd = -1
        self._out_dir = Path(tempfile.mkdtemp(prefix="out-", dir=spec.scratch))
        self.calls = 0
        self.marker = ""
        self._ready = False
        self._info_fd = -1
        self._worker_pid = -1

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start a fresh worker and wait until it is ready."""
        self.launch()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Wait for a launched worker's "ready" message."""
        if self._ready:
            return
        reply = self._receive(time.monotonic() + STARTUP_TIMEOUT, "starting")
        if reply.get("value") != "ready":
            raise WorkerCrashed("the worker did not start")
        self._ready = True

    def launch(self) -> None:
        """Start a fresh worker process without waiting for it (see `wait_ready`)."""
        self.close()
        self._ready = False
        self._worker_pid = -1
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        confined = self.spec.sandbox.confined
        python = sandbox.interpreter() if confined else sys.executable
        cmd = [python, "-m", "autograder.worker", "--fd-in", str(req_r),
               "--fd-out", str(rep_w), "--workspace", str(self.spec.workspace),
               "--banned", ",".join(self.spec.banned_imports),
               "--preload", ",".join(self.spec.preload)]
        for path in self.spec.extra_paths:
            cmd += ["--path", str(path)]
        info_r, info_w = os.pipe() if confined else (-1, -1)
        cmd, pythonpath = sandbox.command(self.spec.sandbox, self.spec.view(), cmd,
                                          info_fd=info_w if confined else None)
        env = worker_environment(self.spec.scratch, pythonpath)
        # numpy's BLAS on one thread: a pool's idle threads spin for a while after numpy is
        # imported and after every call, and a spare worker starting up would steal a core
        # from the timed test next to it. Student kernels that use threads start their own.
        env.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
        env.update(self.spec.env)
        self.marker = uuid.uuid4().hex
        env["TEENYGRAD_WORKER"] = self.marker
        stdout, stderr = self._out_dir / "stdout", self._out_dir / "stderr"
        passed = (req_r, rep_w, info_w) if confined else (req_r, rep_w)
        try:
            with open(stdout, "wb") as out, open(stderr, "wb") as err:
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    cwd=self.spec.scratch, env=env, pass_fds=passed, start_new_session=True,
                    preexec_fn=_limits(self.spec))
        finally:
            for fd in passed:
                os.close(fd)
        self._info_fd = info_r
        self._send_fd, self._recv_fd = req_w, rep_r

    def close(self) -> None:
        """End the worker and everything it started, and close the pipes.

        Confined, killing bubblewrap ends the PID namespace (its init dies with its parent,
        and the kernel kills every process left in it); unconfined, the worker's process
        group is killed and a sweep finds children that left it.
        """
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None
            kill_marked(self.marker)
        for fd in (self._send_fd, self._recv_fd, self._info_fd):
            if fd >= 0:
                os.close(fd)
        self._send_fd = self._recv_fd = self._info_fd = -1

    @property
    def alive(self) -> bool:
        """Whether a worker process is running."""
        return self.proc is not None and self.proc.poll() is None

    # -- calls -------------------------------------------------------------------------------
    def call(self, probe: Any, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run a probe in the worker and return its plain-data value (see docs)."""
        request = {"op": "call", "target": probe_target(probe), "args": list(args),
                   "kwargs": kwargs}
        return self.request(request, timeout=timeout, what=request["target"].split(":")[-1])

    def call_timed(self, probe: Any, *args: Any, timeout: float | None = None,
                   **kwargs: Any) -> Timed:
        """`call`, timed by the judge's clock and by the worker's CPU time from /proc."""
        if not self.alive:
            self.start()
        self.wait_ready()
        cpu_before = self.cpu_seconds()
        start = time.perf_counter()
        value = self.call(probe, *args, timeout=timeout, **kwargs)
        wall = time.perf_counter() - start
        return Timed(value, wall, self.cpu_seconds() - cpu_before)

    def import_module(self, module: str, timeout: float | None = None) -> None:
        """Import a student module in the worker (the import preflight)."""
        self.request({"op": "import", "module": module}, timeout=timeout, what=f"import {module}")

    def request(self, request: dict, timeout: float | None, what: str) -> Any:
        """Send one request and decode the reply, turning failures into judge exceptions."""
        if not self.alive:
            self.start()
        self.wait_ready()
        limit = self.spec.call_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        self.calls += 1
        self._send(encode(request), deadline, what, limit)
        reply = self._receive(deadline, what, limit)
        if reply.get("ok"):
            return reply.get("value")
        raise self._failure(reply.get("error") or {})

    def worker_pid(self) -> int:
        """The pid (in the judge's namespace) of the process running the student's code."""
        if self.proc is None:
            return -1
        if self._worker_pid > 0:
            return self._worker_pid
        if self._info_fd < 0:  # unconfined: the worker is the process the judge started
            return self.proc.pid
        init = _sandbox_init_pid(self._info_fd)
        if init > 0:
            # The worker is the first process bubblewrap's init started; orphans of the
            # student's code are re-parented to the init too, and start later.
            children = _children(init)
            if children:
                self._worker_pid = min(children, key=_start_time)
        return self._worker_pid

    def cpu_seconds(self) -> float:
        """CPU seconds the worker has run, all its threads (see `timing.process_cpu_seconds`)."""
        return process_cpu_seconds(self.worker_pid())

    def output_tail(self, limit: int = OUTPUT_TAIL_BYTES) -> str:
        """The last `limit` bytes the student's code printed (stdout and stderr)."""
        parts = []
        for stream in ("stdout", "stderr"):
            path = self._out_dir / stream
            if not path.exists():
                continue
            size = path.stat().st_size
            with open(path, "rb") as handle:
                handle.seek(max(0, size - limit))
                text = handle.read().decode("utf-8", "replace")
            if text.strip():
                cut = f"[... {size - limit} bytes cut ...]\n" if size > limit else ""
                parts.append(f"[{stream}]\n{cut}{text}")
        return "\n".join(parts)

    # -- plumbing ----------------------------------------------------------------------------
    def _timeout(self, what: str, limit: float) -> WorkerTimeout:
        self.close()
        return WorkerTimeout(f"{what} timed out after {limit:g} s (an infinite loop?)")

    def _crash(self, what: str) -> WorkerCrashed:
        proc = self.proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        self.close()
        return WorkerCrashed(f"{what}: {describe_exit(code, self.spec.sandbox.confined)}")

    def _send(self, frame: bytes, deadline: float, what: str, limit: float) -> None:
        view = memoryview(frame)
        while view:
            remaining = max(deadline - time.monotonic(), 0)
            _, ready, _ = select.select([], [self._send_fd], [], remaining)
            if not ready:
                raise self._timeout(what, limit)
            try:
                sent = os.write(self._send_fd, view[: 1 << 16])
            except BrokenPipeError:
                raise self._crash(what) from None
            view = view[sent:]

    def _receive(self, deadline: float, what: str, limit: float = STARTUP_TIMEOUT) -> dict:
        reader = _DeadlineReader(self._recv_fd, deadline, lambda: self._timeout(what, limit))
        try:
            reply = read_message(reader)
        except EOFError:
            raise self._crash(what) from None
        except (CodecError, ValueError, UnicodeDecodeError) as exc:
            self.close()
            raise WorkerCrashed(f"{what}: the worker sent a corrupt reply ({exc})") from None
        if not isinstance(reply, dict):
            self.close()
            raise WorkerCrashed(f"{what}: the worker sent a corrupt reply")
        return reply

    def _failure(self, error: dict) -> BaseException:
        kind = error.get("kind")
        message = str(error.get("message", ""))
        where = str(error.get("where", ""))
        trace = str(error.get("traceback", ""))
        if kind == "not_implemented":
            at = f" ({where})" if where else ""
            return NotImplementedByStudent(f"not implemented: {message}{at}", trace)
        if kind == "banned_import":
            return BannedImport(message, trace)
        return StudentError(str(error.get("type", "Exception")), message, where, trace)


def worker_environment(home: Path, pythonpath: list[str]) -> dict[str, str]:
    """The worker's environment: the host's locale, PATH and BLAS settings only (never the
    grader's tokens or other secrets), HOME in the scratch folder, and the kit's path."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "LANG", "TZ", "TERM") or k.startswith(ENV_PREFIXES)}
    env.update({"PYTHONPATH": os.pathsep.join(pythonpath), "PYTHONHASHSEED": "0",
                "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(home)})
    return env


def _sandbox_init_pid(info_fd: int) -> int:
    """The pid of bubblewrap's init, read from its --info-fd (written once it is set up)."""
    ready, _, _ = select.select([info_fd], [], [], 5.0)
    if not ready:
        return -1
    try:
        return int(json.loads(os.read(info_fd, 4096) or b"{}").get("child-pid", -1))
    except (OSError, ValueError, AttributeError):
        return -1


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _start_time(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 1 << 62


def probe_target(probe: Any) -> str:
    """`module:qualname` of a probe function (or the string itself)."""
    if isinstance(probe, str):
        return probe
    return f"{probe.__module__}:{probe.__qualname__}"
