"""The fork server: one process per grading that imports the worker's modules once and forks
each test's worker from itself.

Started by `autograder.judge.forkserver.ForkServer` in the grading's sandbox, never by hand.
A fresh sandboxed worker per test costs bubblewrap, an interpreter and numpy's import (70-180
ms of CPU each, about half of a grading's); a fork costs a few. What one test's code could do
to the tests after it is undone here, or cannot reach this process:

- the server never runs student code, nor imports from the student's folder: that folder
  goes on `sys.path` in the forked child only, after the fork;
- a test's process (same user) cannot trace it or read its memory: its interpreter is an
  execute-only file, and the kernel marks a process that runs a file it cannot read as not
  dumpable (the judge checks that it is: `sandbox.fork_server_allowed`);
- before each fork it kills every other process in the sandbox (`kill(-1)`: whatever the last
  test left running; bubblewrap's init is spared by the kernel), empties the writable
  folders and removes System V IPC objects, so each test starts from the state the first one
  did (a POSIX message queue, which only ctypes can make and nothing can list, is the one
  thing a test can leave for a later one of the same grading: its own data, nothing else's);
- a test's process that kills or stops the server only costs the judge a new sandbox (the
  control socket's end is closed in every child, so none can speak for the server).

Requests arrive on a Unix SOCK_SEQPACKET socket, one JSON object per packet, file descriptors
attached with SCM_RIGHTS:
  {"op": "fork", "env": {...}, "clear": true} + [request pipe, reply pipe, stdout, stderr]
      -> {"pid": N}   ("clear": false while another worker of the same test still runs)
  {"op": "wait", "pid": N, "timeout": S} -> {"status": exit status or null}
A pid is the child's in the sandbox's PID namespace; an exit status is bubblewrap's init's
convention (128 + N for a child killed by signal N), as the judge reads a worker's.
"""

from __future__ import annotations

# _socket, not socket: socket.py imports `array`, which level -1 bans (absent from the view).
import _socket
import argparse
import contextlib
import importlib
import json
import os
import shutil
import signal
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

from autograder.worker.audit import ImportAudit
from autograder.worker.main import serve

#: keyctl(2)'s number (x86_64, aarch64) and the prctl(2), IPC constants for the children's
#: keyrings, the check that this process is not dumpable and the removal of IPC objects;
#: used only where the level lets ctypes into the view.
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}
KEYCTL_JOIN_SESSION_KEYRING = 1
PR_GET_DUMPABLE = 3
IPC_RMID = 0
#: How long the previous test's processes may take to die before the server gives up (the
#: judge then starts a new sandbox).
CLEAR_TIMEOUT = 5.0
MAX_PACKET = 1 << 16
FDS_PER_FORK = 4


def _libc_call() -> Callable[..., int] | None:
    """libc's `syscall` and `prctl` through ctypes, or None where the level bans ctypes (its
    files are not in the view: then no test's code can make those calls either)."""
    try:
        import ctypes
        import platform
    except ImportError:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    number = KEYCTL_SYSCALL.get(platform.machine())

    def call(name: str, *args: object) -> int:
        if name == "keyctl":
            return libc.syscall(number, *args) if number is not None else 0
        return int(getattr(libc, name)(*args))

    return call


def _others_alive() -> bool:
    """Whether a process other than bubblewrap's init and this one is still running here (a
    killed process is a zombie until reaped, which it may stay for a moment)."""
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (1, me):
            continue
        try:
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if state not in ("Z", "X"):
            return True
    return False


def _reap() -> None:
    """Collect this process's dead children (earlier workers); orphans are init's to reap."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _empty(folder: str) -> None:
    """Delete everything in `folder`, also what a test's code made unreadable (chmod 000) or
    unwritable; never chmod through a symbolic link (no process that could swap one in is
    left when this runs)."""
    if not os.path.isdir(folder) or os.path.islink(folder):
        return
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    for dirpath, dirnames, _ in os.walk(folder):
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _remove_ipc_objects(libc: Callable[..., int]) -> None:
    """Remove every System V shared memory segment, semaphore set and message queue of the
    sandbox's IPC namespace (only code with ctypes can make them: levels that allow it)."""
    for kind, control in (("shm", "shmctl"), ("sem", "semctl"), ("msg", "msgctl")):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            ident = int(line.split()[1])  # the columns are: key, id, ...
            if kind == "sem":
                libc(control, ident, 0, IPC_RMID)
            else:
                libc(control, ident, IPC_RMID, None)


def clear(folders: list[str], libc: Callable[..., int] | None = None) -> None:
    """Kill every process here but init and this one, reap this one's children, empty the
    writable `folders` and (with `libc`) remove the IPC objects; TimeoutError if some process
    would not die."""
    deadline = time.monotonic() + CLEAR_TIMEOUT
    while True:
        with contextlib.suppress(ProcessLookupError):  # nothing to signal
            os.kill(-1, signal.SIGKILL)
        _reap()
        if not _others_alive():
            break
        if time.monotonic() > deadline:
            raise TimeoutError("the previous test's processes would not die")
        time.sleep(0.001)
    for folder in folders:
        _empty(folder)
    if libc is not None:
        _remove_ipc_objects(libc)


def receive(control: _socket.socket) -> tuple[bytes, list[int]]:
    """One packet from the judge and the file descriptors attached to it."""
    fd_size = struct.calcsize("i")
    message, ancillary, flags, _ = control.recvmsg(MAX_PACKET,
                                                   _socket.CMSG_LEN(FDS_PER_FORK * fd_size))
    fds: list[int] = []
    for level, kind, data in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            whole = len(data) - len(data) % fd_size
            fds += struct.unpack(f"{whole // fd_size}i", data[:whole])
    if flags & (_socket.MSG_CTRUNC | _socket.MSG_TRUNC):
        for fd in fds:
            os.close(fd)
        return message, []
    return message, fds


def exit_status(status: int) -> int:
    """A wait status in bubblewrap's init's convention (see the module's docstring)."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.waitstatus_to_exitcode(status)


class Server:
    """The server's state: what every child needs, and the socket to the judge."""

    def __init__(self, control: _socket.socket, audit: ImportAudit, workspace: Path,
                 paths: list[str], folders: list[str], home: str) -> None:
        self.control, self.audit, self.workspace = control, audit, workspace
        self.paths, self.folders, self.home = paths, folders, home
        self.libc = _libc_call()

    def run(self) -> None:
        """Answer the judge's requests until it closes the socket."""
        self.control.send(json.dumps({"ready": os.getpid()}).encode())
        while True:
            message, fds = receive(self.control)
            if not message:
                return
            request = json.loads(message)
            if request.get("op") == "fork" and len(fds) == FDS_PER_FORK:
                reply = self.fork(fds, request.get("env") or {}, request.get("clear", True))
            elif request.get("op") == "wait":
                reply = {"status": self.wait(int(request["pid"]), float(request["timeout"]))}
            else:
                reply = {"error": f"bad request {request.get('op')!r}"}
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self.control.send(json.dumps(reply).encode())

    def fork(self, fds: list[int], env: dict[str, str], clear_first: bool) -> dict:
        """A new worker, once the previous test's processes and files are gone."""
        try:
            if clear_first:
                clear(self.folders, self.libc)
        except TimeoutError as exc:
            return {"error": str(exc)}
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                self.become_worker(fds, env)
            except BaseException:  # noqa: BLE001 - the child must never return to the loop
                code = 1
            finally:
                os._exit(code)
        return {"pid": pid}

    def wait(self, pid: int, timeout: float) -> int | None:
        """The exit status of child `pid` once it has ended (None if it is still running after
        `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if done:
                return exit_status(status)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.002)

    def become_worker(self, fds: list[int], env: dict[str, str]) -> None:
        """In the child: drop the server's socket, take the test's pipes and output files, a
        session and a session keyring of its own, then serve as a worker."""
        self.control.close()
        os.setsid()
        request, reply, out, err = fds
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        os.environ.update(env)
        os.chdir(self.home)
        if self.libc is not None:
            self.libc("keyctl", KEYCTL_JOIN_SESSION_KEYRING, None)
        numpy_random = sys.modules.get("numpy.random")
        if numpy_random is not None:  # a fork copies numpy's global generator: give each
            numpy_random.seed()  # test fresh entropy, as a new process would have
        sys.path[:0] = [str(self.workspace), *self.paths]
        serve(os.fdopen(request, "rb"), os.fdopen(reply, "wb"), self.audit,
              str(self.workspace) + "/")


def main(argv: list[str] | None = None) -> None:
    """Entry point: `python -m autograder.worker.forkserver --control-fd N --workspace DIR
    --home DIR [--clear DIR]... [--path DIR]... --banned A,B --preload X,Y`."""
    parser = argparse.ArgumentParser(prog="autograder.worker.forkserver")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--home", required=True, help="each worker's working folder")
    parser.add_argument("--clear", action="append", default=[],
                        help="a writable folder emptied before each fork")
    parser.add_argument("--path", action="append", default=[], help="extra sys.path entries")
    parser.add_argument("--banned", default="", help="comma-separated banned modules")
    parser.add_argument("--preload", default="", help="comma-separated kit modules to import")
    args = parser.parse_args(argv)

    workspace = args.workspace.resolve()
    sys.dont_write_bytecode = True
    audit = ImportAudit([b for b in args.banned.split(",") if b], workspace)
    audit.install()
    for module in filter(None, args.preload.split(",")):
        importlib.import_module(module)
    audit.forget_banned()
    server = Server(_socket.socket(fileno=args.control_fd), audit, workspace, args.path,
                    [args.home, *args.clear], args.home)
    if server.libc is not None and server.libc("prctl", PR_GET_DUMPABLE, 0, 0, 0, 0) != 0:
        sys.exit("fork server: this process is dumpable; a test's code could trace it")
    server.run()


if __name__ == "__main__":
    main()
