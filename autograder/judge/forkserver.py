"""`ForkServer`: one sandbox per grading, and each test's worker forked in it.

The server (`autograder.worker.forkserver`, whose docstring says what keeps one test's code
from reaching the next) runs in a view like a worker's, with the interpreter bound
execute-only so that it is not dumpable. The judge asks it for a worker with the worker's
pipes and output files attached; the worker is then a `ForkedWorker` to `WorkerClient`, which
talks to it exactly as to a worker of its own sandbox. A server that dies, stops answering or
cannot clear the sandbox (a test's code can kill or stop it: it is the same user) is replaced
by a fresh one at the next request; if that fails too, `fork` raises `ServerDown` and the
caller starts a worker of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.judge import processes, sandbox

if TYPE_CHECKING:  # the client imports this module
    from autograder.judge.client import WorkerSpec

#: How long the server may take to start (imports) and to answer a request (a fork clears the
#: sandbox first: kills the last test's processes, deletes its files).
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
#: How often the judge looks whether a test's process stopped the server, while it waits.
POLL_SECONDS = 0.05
#: A worker's exit status when its server cannot tell it: killed (SIGKILL, in bubblewrap's
#: convention), as every process is when its sandbox ends.
UNKNOWN_EXIT = 128 + signal.SIGKILL
#: Set to 0 to start a sandbox per test instead (the slower way, for comparison).
ENV = "TEENYGRAD_FORK_SERVER"


class ServerDown(Exception):
    """The fork server could not give a worker (see the module's docstring)."""


def enabled(spec: WorkerSpec) -> bool:
    """Whether gradings here use a fork server: confined, not switched off, safe, and the
    kernel has pidfds (Linux 5.3: how the judge signals a worker it did not start)."""
    if os.environ.get(ENV, "1") == "0" or not spec.sandbox.confined:
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return False
    return sandbox.fork_server_allowed()


class ForkedWorker:
    """A worker forked by the server, seen from the judge as a `subprocess.Popen` is: `pid`
    (in the judge's PID namespace), `poll`, `wait`, and `kill` (with its process group)."""

    def __init__(self, server: ForkServer, pid: int, inner_pid: int) -> None:
        self.server, self.pid, self.inner_pid = server, pid, inner_pid
        self._sandbox = server.proc  # which server forked it: only that one can say its status
        # A pidfd names this process for good: signals never reach another that reuses the pid.
        self._pidfd = os.pidfd_open(pid)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """None while the worker runs; its exit status once it has ended."""
        if self.returncode is None and (self._pidfd < 0
                                        or select.select([self._pidfd], [], [], 0)[0]):
            return self.wait(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The worker's exit status (bubblewrap's init's convention), waiting up to `timeout`
        seconds (subprocess.TimeoutExpired if it is still running then)."""
        if self.returncode is None:
            if self._pidfd >= 0 and not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired("worker", timeout or 0)
            status = None
            if self._pidfd >= 0 and self.server.proc is self._sandbox:
                status = self.server.exit_status(self.inner_pid)
            # Unknown when it was killed with its sandbox (its server replaced or gone).
            self.returncode = UNKNOWN_EXIT if status is None else status
        return self.returncode

    def kill(self) -> None:
        """Kill the worker and its process group (whatever escaped the group dies before the
        next worker is forked)."""
        if self._pidfd < 0:
            return
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        if self.returncode is None:  # not reaped yet: the group's number is still its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        os.close(self._pidfd)
        self._pidfd = -1
        self.server.live.discard(self)


class ForkServer:
    """The fork server of one grading (started at the first request, closed by the runner)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.proc: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._home: Path | None = None
        self._host_pid = -1
        self._folder = Path(tempfile.mkdtemp(prefix="forkserver-", dir=spec.scratch))
        self._binary = sandbox.execute_only_interpreter(self._folder)
        #: Workers forked and not yet killed: while one lives (a test can use two at once), a
        #: fork leaves the sandbox as it is; the first fork after they are all gone clears it.
        self.live: set[ForkedWorker] = set()
        #: Why no server could start ("" while one can): that is the kit's fault, not a
        #: test's (no student code ran yet), and every later worker gets a sandbox of its own.
        self.broken = ""

    def fork(self, fds: list[int], env: dict[str, str]) -> ForkedWorker:
        """A new worker whose request pipe, reply pipe, stdout and stderr are `fds`, with `env`
        added to its environment; ServerDown if no server can give one."""
        for attempt in range(2):
            if self.broken:
                raise ServerDown(self.broken)
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                reply = self._ask({"op": "fork", "env": env, "clear": not self.live}, fds)
                inner = int(reply["pid"])
                worker = ForkedWorker(self, self._host_pid_of(inner), inner)
                self.live.add(worker)
                return worker
            except (OSError, ValueError, KeyError, TypeError, ServerDown) as exc:
                self.close()
                if attempt:
                    raise ServerDown(str(exc)) from None
        raise AssertionError("unreachable")

    def exit_status(self, inner_pid: int) -> int | None:
        """The exit status of the server's ended child `inner_pid` (None: the server is gone)."""
        try:
            return self._ask({"op": "wait", "pid": inner_pid, "timeout": 2.0}).get("status")
        except (OSError, ValueError, ServerDown):
            self.close()
            return None

    def close(self) -> None:
        """End the server and its sandbox (every process in it dies with its PID namespace)."""
        for worker in list(self.live):
            worker.kill()
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._home is not None:
            processes.remove_tree(self._home)
            self._home = None

    def shutdown(self) -> None:
        """`close`, and delete the server's own files (at the end of the grading)."""
        self.close()
        processes.remove_tree(self._folder)

    # -- plumbing ----------------------------------------------------------------------------
    def _start(self) -> None:
        spec = self.spec
        self._home = Path(tempfile.mkdtemp(prefix="home-", dir=spec.scratch))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        info_r, info_w = os.pipe()
        cmd = [sandbox.interpreter(), "-P", "-s", "-m", "autograder.worker.forkserver",
               "--control-fd", str(theirs.fileno()), "--workspace", str(spec.workspace),
               "--home", str(self._home), "--clear", "/tmp", "--clear", "/dev/shm",
               "--banned", ",".join(spec.banned_imports), "--preload", ",".join(spec.preload)]
        for path in spec.extra_paths:
            cmd += ["--path", str(path)]
        view = spec.view(self._home)
        view.binds.append((self._binary, Path(sandbox.interpreter())))
        cmd, pythonpath = sandbox.command(spec.sandbox, view, cmd, info_fd=info_w)
        env = processes.worker_environment(self._home, pythonpath)
        env.update(dict.fromkeys(processes.BLAS_THREAD_VARIABLES, "1"))
        env.update(spec.env)
        log = self._folder / "server.log"
        try:
            with open(log, "ab") as out:
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=self._home,
                    env=env, pass_fds=(theirs.fileno(), info_w), start_new_session=True,
                    preexec_fn=processes.child_limits(spec.memory_mb, spec.cpu_seconds, True))
        finally:
            theirs.close()
            os.close(info_w)
        self._control = ours
        try:
            self._receive(START_TIMEOUT)
            init = processes.sandbox_init_pid(info_r)
        except ServerDown as exc:
            self.broken = f"{exc}: {log.read_text(errors='replace')[-300:]}"
            raise
        finally:
            os.close(info_r)
        # Nothing else runs in the sandbox yet: the server is init's only child.
        found = processes.children(init)
        if len(found) != 1:
            self.broken = "the fork server's process was not found"
            raise ServerDown(self.broken)
        self._host_pid = found[0]

    def _ask(self, request: dict, fds: list[int] | None = None) -> dict:
        if self._control is None:
            raise ServerDown("no fork server")
        data = json.dumps(request).encode()
        if fds:
            socket.send_fds(self._control, [data], fds)
        else:
            self._control.send(data)
        reply = self._receive(REQUEST_TIMEOUT)
        if "error" in reply:
            raise ServerDown(str(reply["error"]))
        return reply

    def _receive(self, timeout: float) -> dict:
        assert self._control is not None
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self._control], [], [], POLL_SECONDS)
            if ready:
                break
            if time.monotonic() > deadline:
                raise ServerDown(f"the fork server did not answer in {timeout:g} s")
            # A test's process can stop the server (SIGSTOP, SIGTSTP: it is the same user):
            # let it go on; it then kills that process before it forks.
            if self._host_pid > 0 and processes.state(self._host_pid) in ("T", "t"):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._host_pid, signal.SIGCONT)
        data = self._control.recv(1 << 16)
        if not data:
            raise ServerDown("the fork server ended")
        reply = json.loads(data)
        if not isinstance(reply, dict):
            raise ServerDown("the fork server sent a corrupt reply")
        return reply

    def _host_pid_of(self, inner_pid: int) -> int:
        """The judge's pid of the server's child `inner_pid` (its last NSpid entry)."""
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            for child in processes.children(self._host_pid):
                if processes.namespace_pid(child) == inner_pid:
                    return child
            time.sleep(0.001)
        raise ServerDown(f"the fork server's child {inner_pid} was not found")
