"""`WorkerClient`: start a worker on a workspace, send it calls with deadlines, end it cleanly.

The worker runs in the sandbox (`autograder.judge.sandbox`: bubblewrap, a filesystem view made
for it, its own PID namespace) under resource limits; every call has a wall-clock deadline. It
is forked by the grading's fork server (`autograder.judge.forkserver`) or, without one, started
in a sandbox of its own. A timeout, a crash or a corrupt reply ends the worker — and what it
started — and raises in the judge; the next call starts a fresh worker.
"""

from __future__ import annotations

import os
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

from autograder.judge import interrupt, processes, sandbox
from autograder.judge.errors import (
    BannedImport,
    NotImplementedByStudent,
    StudentError,
    WorkerCrashed,
    WorkerTimeout,
)
from autograder.judge.forkserver import ForkedWorker, ForkServer, ServerDown
from autograder.judge.intake import printable_text
from autograder.judge.timing import process_cpu_seconds
from autograder.worker.codec import (
    MAX_ERROR_MESSAGE,
    MAX_ERROR_TRACEBACK,
    MAX_REPLY_BYTES,
    CodecError,
    encode,
    read_message,
)

STARTUP_TIMEOUT = 60.0
OUTPUT_TAIL_BYTES = 2000


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

    def view(self, home: Path) -> sandbox.View:
        """What a worker sees: the student's files and built modules (read-only), and `home`,
        its own writable folder (no other worker's; confined, a size-limited one in memory)."""
        return sandbox.View(read_only=[self.workspace, *self.extra_paths],
                            private=[home], packages=tuple(self.packages),
                            banned=tuple(self.banned_imports), blocker=self.blocker,
                            chdir=home)


class Timed(NamedTuple):
    """A call's value with the judge's wall-clock time and the worker's CPU time."""

    value: Any
    wall_s: float
    cpu_s: float


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

    def __init__(self, spec: WorkerSpec, name: str = "worker",
                 server: ForkServer | None = None) -> None:
        self.spec = spec
        self.name = name
        #: Where workers come from: forked by the grading's server, or (None) a sandbox each.
        self.server = server
        self.proc: subprocess.Popen | ForkedWorker | None = None
        self._send_fd = -1
        self._recv_fd = -1
        self._out_dir = Path(tempfile.mkdtemp(prefix="out-", dir=spec.scratch))
        self._home: Path | None = None  # the running worker's own folder (see `launch`)
        self.calls = 0
        self.marker = ""
        self._ready = False
        self._info_fd = -1
        self._worker_pid = -1
        #: (probe target, args, kwargs) of the latest call: a failing test's reproduction.
        self.last_call: tuple[str, list, dict] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start a fresh worker and wait until it is ready."""
        self.launch()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Wait for a launched worker's "ready" message."""
        interrupt.check()  # a Ctrl-C swallowed since: stop before waiting (see interrupt.py)
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
        self.marker = uuid.uuid4().hex
        if self.server is not None and self._fork():
            return
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        confined = self.spec.sandbox.confined
        python = sandbox.interpreter() if confined else sys.executable
        # Each worker writes in a folder of its own, its working folder and HOME, deleted when
        # it ends: nothing one test's code leaves there reaches another test. -P: the working
        # folder is not put on sys.path (a planted autograder/ or numpy/ there would run in
        # place of the kit's), -s: nor is HOME's user site-packages (a planted .pth file).
        self._home = Path(tempfile.mkdtemp(prefix="home-", dir=self.spec.scratch))
        if not confined:
            processes.hand_to_nobody(self._home)
        cmd = [python, "-P", "-s", "-m", "autograder.worker", "--fd-in", str(req_r),
               "--fd-out", str(rep_w), "--workspace", str(self.spec.workspace),
               "--banned", ",".join(self.spec.banned_imports),
               "--preload", ",".join(self.spec.preload)]
        for path in self.spec.extra_paths:
            cmd += ["--path", str(path)]
        info_r, info_w = os.pipe() if confined else (-1, -1)
        cmd, pythonpath = sandbox.command(self.spec.sandbox, self.spec.view(self._home), cmd,
                                          info_fd=info_w if confined else None)
        env = processes.worker_environment(self._home, pythonpath)
        # numpy's BLAS on one thread: a pool's idle threads spin for a while after numpy is
        # imported and after every call, and a spare worker starting up would steal a core
        # from the timed test next to it. Student kernels that use threads start their own.
        env.update(dict.fromkeys(processes.BLAS_THREAD_VARIABLES, "1"))
        env.update(self.spec.env)
        env["TEENYGRAD_WORKER"] = self.marker
        stdout, stderr = self._out_dir / "stdout", self._out_dir / "stderr"
        passed = (req_r, rep_w, info_w) if confined else (req_r, rep_w)
        try:
            with open(stdout, "wb") as out, open(stderr, "wb") as err:
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    cwd=self._home, env=env, pass_fds=passed, start_new_session=True,
                    preexec_fn=processes.child_limits(
                        self.spec.memory_mb, self.spec.cpu_seconds, confined))
        finally:
            for fd in passed:
                os.close(fd)
        self._info_fd = info_r
        self._send_fd, self._recv_fd = req_w, rep_r

    def _fork(self) -> bool:
        """Launch the worker as a child of the grading's fork server; False if the server
        cannot give one (the caller then starts a sandbox of its own)."""
        assert self.server is not None
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        env = {**self.spec.env, "TEENYGRAD_WORKER": self.marker}
        try:
            with open(self._out_dir / "stdout", "wb") as out, \
                    open(self._out_dir / "stderr", "wb") as err:
                self.proc = self.server.fork([req_r, rep_w, out.fileno(), err.fileno()], env)
        except ServerDown:
            for fd in (req_w, rep_r):
                os.close(fd)
            return False
        finally:
            os.close(req_r)
            os.close(rep_w)
        self._send_fd, self._recv_fd = req_w, rep_r
        return True

    def close(self) -> None:
        """End the worker and everything it started, and close the pipes.

        Confined, killing bubblewrap ends the PID namespace (its init dies with its parent,
        and the kernel kills every process left in it); forked by a fork server, the worker and
        its process group are killed, and what left the group dies before the server's next
        fork; unconfined, the worker's process group is killed and a sweep finds children that
        left it.
        """
        if isinstance(self.proc, ForkedWorker):
            self.proc.kill()  # what it started dies before the server's next fork
            self.proc = None
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None
            processes.kill_marked(self.marker)
        if self._home is not None:  # whatever the student's code left in it (see `launch`)
            processes.remove_tree(self._home)
            self._home = None
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
        self.last_call = (request["target"], request["args"], kwargs)
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
        interrupt.check()
        if not self.alive:
            self.start()
        self.wait_ready()
        limit = self.spec.call_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        self.calls += 1
        self._send(encode(request), deadline, what, limit)
        reply = self._receive(deadline, what, limit)
        # A Ctrl-C during the call reached the worker too (one process group), so its reply
        # may be the interrupt's, not a verdict on the student's code; and the judge's own
        # KeyboardInterrupt may have been swallowed meanwhile (see interrupt.py).
        interrupt.check()
        if reply.get("ok"):
            return reply.get("value")
        raise self._failure(reply.get("error") or {})

    def worker_pid(self) -> int:
        """The pid (in the judge's namespace) of the process running the student's code."""
        if self.proc is None:
            return -1
        if self._worker_pid > 0:
            return self._worker_pid
        # Forked, or unconfined: the worker is the process the judge knows.
        if isinstance(self.proc, ForkedWorker) or self._info_fd < 0:
            return self.proc.pid
        init = processes.sandbox_init_pid(self._info_fd)
        if init > 0:
            # The worker is the first process bubblewrap's init started; orphans of the
            # student's code are re-parented to the init too, and start later.
            children = processes.children(init)
            if children:
                self._worker_pid = min(children, key=processes.start_time)
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
                # Warnings name the student's files by where the grader put them: name them
                # as the student knows them (teenygrad/ops.py).
                text = text.replace(f"{self.spec.workspace}/", "")
                cut = f"[... {size - limit} bytes cut ...]\n" if size > limit else ""
                parts.append(f"[{stream}]\n{cut}{printable_text(text)}")
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
        return WorkerCrashed(f"{what}: {processes.describe_exit(code, self.spec.sandbox.confined)}")

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
            reply = read_message(reader, MAX_REPLY_BYTES)
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
        def text(key: str, limit: int, default: str = "") -> str:
            # The worker cuts these, but a reply can be forged: cut them again, keep the end
            # of a traceback, and escape what would rewrite a terminal or break XML.
            value = str(error.get(key, default))
            return printable_text(value[-limit:] if key == "traceback" else value[:limit])

        kind = error.get("kind")
        message = text("message", MAX_ERROR_MESSAGE)
        where = text("where", 300)
        trace = text("traceback", MAX_ERROR_TRACEBACK)
        function = text("function", 300)
        if kind == "not_implemented":
            at = f" ({where})" if where else ""
            cause = f"`{function}`{at}" if function else where
            return NotImplementedByStudent(f"not implemented: {message}{at}", trace, cause)
        if kind == "banned_import":
            return BannedImport(message, trace)
        return StudentError(text("type", 100, "Exception"), message, where, trace, function)


def probe_target(probe: Any) -> str:
    """`module:qualname` of a probe function (or the string itself)."""
    if isinstance(probe, str):
        return probe
    return f"{probe.__module__}:{probe.__qualname__}"
