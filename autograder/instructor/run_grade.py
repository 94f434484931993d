"""Run `grade.py` in a child process: the one way `batch`, `gradescope` and the kit's own tests
start a grading run.

The child runs in its own session (a process group of its own), with no standard input and its
output captured; on Linux it dies with its parent. Past the timeout, or when the caller is
interrupted, the whole process group is killed, so nothing the grading started outlives it.
Each caller reads the result its own way (exit status, a report file, the last stderr line).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.report.history import HISTORY_ENV

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class GradeRun:
    """A finished (or stopped) `grade.py` process: exit status and captured output."""

    returncode: int | None  # None: stopped at the timeout
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        """Whether the run was stopped at the timeout."""
        return self.returncode is None


def run_grade(grade_py: Path, args: Sequence[str | Path], *, cwd: Path, timeout: float,
              env: Mapping[str, str] | None = None) -> GradeRun:
    """Run `python grade_py ARGS` in `cwd` and wait at most `timeout` seconds."""
    cmd = [sys.executable, str(grade_py), *map(str, args)]
    env = dict(os.environ if env is None else env)
    # A grading a tool starts (batch, mutation, Gradescope, the kit's tests) is not the
    # student's own: it leaves no grading history unless the caller names a database.
    env.setdefault(HISTORY_ENV, "off")
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stdout, stderr = _kill(proc)
        return GradeRun(None, stdout, stderr)
    except BaseException:
        _kill(proc)
        raise
    return GradeRun(proc.returncode, stdout, stderr)


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to kill the grader if its parent dies (e.g. kill -9)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def _kill(proc: subprocess.Popen) -> tuple[str, str]:
    """Kill the child's whole process group; the output it wrote until then."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    stdout, stderr = proc.communicate()
    return stdout or "", stderr or ""
