"""`python grade.py ARGS` for the kit's own tests, without paying for Python's start each time.

The suite starts a couple of hundred gradings, and each fresh `grade.py` spends 1-3 s (more on
a busy machine) starting Python and importing the CLI, pytest, hypothesis, numpy, scipy and the
levels' references before it grades anything. The server started here (`python
tests/grading_server.py SOCKET`) imports all that once; each grading is then forked from it
(copy-on-write, as `grade.py mutation` does) and becomes what `python grade.py ARGS` is: its
own session and process group, the test's working folder and environment, no standard input,
its output captured, `autograder.cli.main(ARGS)` run, exit status as the interpreter gives it
(`sys.exit` and argparse's exits included), `atexit` handlers run. The grading itself (the
workspace, the build, the sandboxed workers, the suites, the report) is the same code on the
same files; only the interpreter start-up is shared.

What an import read from the environment cannot change afterwards, so a request whose
environment differs from the server's anywhere but in `RUN_TIME_VARIABLES` (variables the kit
reads while it grades) and in what the server's own imports set goes to a fresh `grade.py`
instead (`GradingServer.forkable`). Two
module-level caches do depend on such variables and are reset in each grading: the temporary
folder (`TMPDIR`) and the sandbox probe (`TEENYGRAD_BWRAP`).

A grading's CPU time (its process and everything it waited for, as `os.times()` counts a
child's) is sent back, and `forked_cpu_seconds()` adds it up, so the tests' load check still
counts it as the test run's own work, not another process's.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
GRADE_PY = KIT / "grade.py"
#: Variables the kit reads while grading (never at import): they may differ from the server's.
#: (PYTEST_CURRENT_TEST: the test run names its current test there; the grading's own pytest
#: sets it again.)
RUN_TIME_VARIABLES = ("TEENYGRAD_", "GITHUB_", "TMPDIR", "COLUMNS", "NO_COLOR",
                      "PYTEST_CURRENT_TEST")
POLL_S = 0.02  # how often a handler looks whether its grading has finished
_HEADER = struct.Struct("!Q")


def _send(conn: socket.socket, message: dict) -> None:
    data = json.dumps(message).encode()
    conn.sendall(_HEADER.pack(len(data)) + data)


def _receive(conn: socket.socket) -> dict | None:
    """One framed message, or None when the other side closed the connection."""
    header = _read_exactly(conn, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(conn, _HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# -- the client (in the test process) --------------------------------------------------------


class GradingServer:
    """The test process's handle on one server, started on first use, stopped at exit."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        # The environment the test run started with (before any test changed it): the
        # server's, so that what its imports read does not depend on which test came first.
        self._env = dict(os.environ)
        self._imports_set: dict[str, str] = {}  # variables the server's imports set
        self._socket = ""
        self._lock = threading.Lock()
        self._registered = False
        self.cpu_seconds = 0.0  # CPU time of every grading forked for this process so far
        self.counts = {"forked": 0, "fresh": 0}  # the tests' gradings each way (conftest)

    def forkable(self, grade_py: Path, env: Mapping[str, str]) -> bool:
        """Whether a grading of `grade_py` with `env` can be forked from the server, which
        has the environment the test run started with (else: a fresh `grade.py`)."""
        if os.environ.get("TEENYGRAD_TESTS_FRESH_GRADE") or sys.platform != "linux":
            return False  # set it to grade each run in a fresh interpreter, as before
        if Path(grade_py).resolve() != GRADE_PY:
            return False
        self._start()
        changed = {k for k in set(env) | set(self._env) if env.get(k) != self._env.get(k)}
        # What the server's own imports set (sklearn: KMP_DUPLICATE_LIB_OK, with setdefault)
        # a fresh grade.py's imports set too; the test run has it once it imported the same.
        return all(k.startswith(RUN_TIME_VARIABLES)
                   or env.get(k, self._imports_set.get(k)) == self._imports_set.get(k)
                   for k in changed)

    def run(self, args: Sequence[str | Path], *, cwd: Path, timeout: float,
            env: Mapping[str, str]) -> tuple[int | None, str, str]:
        """Grade `args` in `cwd` with environment `env`: (exit status or None at the timeout,
        stdout, stderr)."""
        self._start()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self._socket)
            _send(conn, {"argv": [str(a) for a in args], "cwd": str(cwd), "env": dict(env),
                         "timeout": timeout})
            reply = _receive(conn)
        finally:
            conn.close()  # when interrupted, the handler sees it and kills the grading
        if reply is None:
            raise RuntimeError("the grading server stopped while grading "
                               f"{' '.join(map(str, args))}")
        with self._lock:
            self.cpu_seconds += reply["cpu_seconds"]
        return reply["returncode"], reply["stdout"], reply["stderr"]

    def _start(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return
            folder = tempfile.mkdtemp(prefix="teenygrad-grading-server-")
            self._socket = os.path.join(folder, "socket")
            with open(os.path.join(folder, "server.log"), "wb") as log:
                self._proc = subprocess.Popen(
                    [sys.executable, __file__, self._socket], cwd=KIT, env=self._env,
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                    start_new_session=True)  # not PR_SET_PDEATHSIG: see `serve`
            ready = self._proc.stdout.readline()
            if not ready.startswith(b"ready "):
                self._proc.kill()
                raise RuntimeError(f"the grading server did not start: {ready!r}")
            self._imports_set = json.loads(ready.removeprefix(b"ready "))
            if not self._registered:
                atexit.register(self.stop)
                self._registered = True

    def stop(self) -> None:
        """End the server (a grading still running is killed with it)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
            shutil.rmtree(Path(self._socket).parent, ignore_errors=True)


SERVER = GradingServer()


def forked_cpu_seconds() -> float:
    """CPU seconds of the gradings this process had forked by the server (its own work)."""
    return SERVER.cpu_seconds


# -- the server ------------------------------------------------------------------------------


#: The graded suite modules `_preload` imported (this checkout's): a grading of another kit
#: tree (TEENYGRAD_KIT_ROOT) drops them, as its suites have the same module names.
SUITE_MODULES: set[str] = set()


def _preload() -> None:
    """Import what every grading of every level imports (their suite modules too), probe the
    sandbox (cached; reset per grading when the grading names another bubblewrap) and keep
    the garbage collector off all of it: `preforked.preload`, about 1 s of each grading saved."""
    from autograder.instructor.preforked import preload
    from autograder.levels import all_levels

    SUITE_MODULES.update(preload(all_levels()))


def _grading(request: dict, out: int, err: int) -> None:
    """Become `python grade.py ARGV` (in the request's folder and environment), as a fresh
    interpreter would run it (an uncaught exception: exit 1); never returns. A grading of
    another kit tree drops this checkout's preloaded suite modules first."""
    from autograder.instructor.preforked import become_grading

    def other_tree() -> None:
        root = os.environ.get("TEENYGRAD_KIT_ROOT")
        if root and Path(root).resolve() != KIT:  # its own suites, not this checkout's
            for name in SUITE_MODULES:
                sys.modules.pop(name, None)

    become_grading(request["argv"], Path(request["cwd"]), request["env"], out, err,
                   crash_status=1, prepare=other_tree)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _handle(conn: socket.socket) -> None:
    """Serve one request: fork the grading, wait for it (at most its timeout, and only while
    the test still waits), send back its exit status, output and CPU time."""
    request = _receive(conn)
    if request is None:
        return
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the grading, measured by its exit status
            conn.close()  # a fresh grade.py holds no connection
            _grading(request, out.fileno(), err.fileno())
        deadline = time.monotonic() + request["timeout"]
        status: int | None = None
        while True:
            done, raw, usage = os.wait4(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
                break
            gone, _, _ = select.select([conn], [], [], POLL_S)
            if gone or time.monotonic() > deadline:  # the test went away, or the timeout
                _kill_group(pid)
                _, _, usage = os.wait4(pid, 0)
                if gone:
                    return
                break
        _kill_group(pid)  # stragglers of a finished grading (its group id is its pid)
        out.seek(0)
        err.seek(0)
        _send(conn, {"returncode": status, "stdout": _text(out.read()),
                     "stderr": _text(err.read()), "cpu_seconds": usage.ru_utime + usage.ru_stime})


def _text(data: bytes) -> str:
    """Output as `subprocess.run(..., text=True)` reads it (universal newlines)."""
    return data.decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def serve(path: str) -> None:
    """Preload, then fork a handler for each connection on the Unix socket `path`; end when
    the test run does. (Watched here: Linux's PR_SET_PDEATHSIG fires when the *thread* that
    started the server ends, and a test may start it from a thread pool's.)"""
    test_run = os.getppid()
    sys.path.insert(0, str(KIT))  # as grade.py does: this checkout's autograder
    before = dict(os.environ)
    _preload()
    imports_set = {k: v for k, v in os.environ.items() if before.get(k) != v}
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", json.dumps(imports_set), flush=True)
    while os.getppid() == test_run:  # else the test run is gone (a handler dies with us)
        ready, _, _ = select.select([listener], [], [], 1.0)
        while True:  # reap finished handlers
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not ready:
            continue
        conn, _ = listener.accept()
        if os.fork() == 0:  # pragma: no cover - a handler
            code = 0
            try:
                from autograder.instructor.run_grade import die_with_parent

                listener.close()
                die_with_parent()
                _handle(conn)
            except BaseException:  # noqa: BLE001 - the client sees the closed connection
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        conn.close()
    shutil.rmtree(Path(path).parent, ignore_errors=True)  # the test run ended without `stop`


if __name__ == "__main__":
    sys.path[0] = str(KIT)  # not tests/: the kit's modules only, as for grade.py
    serve(sys.argv[1])
