"""Grading runs forked from a process that has already imported the judge.

`grade.py mutation` grades thousands of mutants, each a short `grade.py` run, and a fresh
interpreter spends 1-3 s of each (more on a busy machine) importing the CLI, pytest,
hypothesis, numpy, scipy and the level's references before it grades anything, and pytest
another second importing (and assertion-rewriting) the level's suite modules. `preload`
does both once in the mutation process (the suites by listing the level's tests: pytest's
importlib mode then finds them in `sys.modules`) and freezes the garbage collector's view of
it all (`gc.freeze`: a child's collections skip it, and leave its pages shared);
`fork_grade` then runs each grading in a forked
child (`os.fork`, copy-on-write: the imports are already done), with what `run_grade` gives a
child: its own session and process group (killed whole at the timeout, and after it exits, so
nothing it started outlives it), no standard input, its output captured, death with its parent
on Linux, and its own environment and working folder. The child runs `autograder.cli.main`
exactly as `grade.py` would, so the verdict is the same; only the start is cheaper.

POSIX only (os.fork); elsewhere `available()` is false and callers use `run_grade`.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import io
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from autograder.instructor.run_grade import GradeRun, die_with_parent
from autograder.levels import Level

EXIT_GRADER_ERROR = 3
POLL_S = 0.02  # how often the parent looks whether the child has finished


def available() -> bool:
    """Whether gradings can be forked here (POSIX)."""
    return hasattr(os, "fork")


def preload(levels: Iterable[Level], *, suites: bool = True) -> set[str]:
    """Import what every grading of `levels` imports, and probe the sandbox once (cached), in
    this process: forked gradings start with them done. With `suites`, also each level's
    graded suite modules (by listing its tests in-process; nothing is graded or built; a
    level that cannot be listed is left to each child). Pass `suites=False` when this process
    is itself running a test: a pytest session inside it would fill its `sys.modules`.
    Returns the names of the suite modules imported."""
    importlib.import_module("autograder.cli")
    importlib.import_module("autograder.judge.fail_fast")
    levels = list(levels)
    for level in levels:
        for side in ("references", "probes"):
            try:
                importlib.import_module(f"autograder.{side}.{level.module}")
            except ImportError:
                pass  # a level without its own module (the kit's made-up test levels)
    from autograder.judge import sandbox

    sandbox.probe()
    imported = _import_suites(levels) if suites else set()
    gc.freeze()
    return imported


def _import_suites(levels: Sequence[Level]) -> set[str]:
    """List each level's tests in-process, streams silenced (pytest imports and
    assertion-rewrites the suite modules; a grading's pytest then finds them in
    `sys.modules`); the names of the suite modules imported."""
    from autograder.cli import main

    before = set(sys.modules)
    for level in levels:
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            try:
                main([level.id, "--solutions", "--list", "--quiet"])
            except (Exception, SystemExit):  # noqa: BLE001 - only a start-up saving is lost
                pass
    roots = {level.root / "autograder" / "suites" for level in levels}
    return {name for name in set(sys.modules) - before
            if any(Path(getattr(sys.modules[name], "__file__", None) or "/").is_relative_to(root)
                   for root in roots)}


def fork_grade(args: Sequence[str | Path], *, cwd: Path, timeout: float,
               env: Mapping[str, str]) -> GradeRun:
    """`grade.py ARGS` in a forked child, in `cwd` with environment `env`; wait at most
    `timeout` seconds (then the child's process group is killed: returncode None)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, measured through its exit status
            become_grading([str(a) for a in args], cwd, env, out.fileno(), err.fileno())
        status = _wait(pid, timeout)
        out.seek(0)
        err.seek(0)
        return GradeRun(status, out.read(), err.read())


def become_grading(argv: Sequence[str], cwd: Path, env: Mapping[str, str], out: int, err: int,
                   *, crash_status: int = EXIT_GRADER_ERROR,
                   prepare: Callable[[], None] | None = None) -> NoReturn:
    """Become `python grade.py ARGV` in a forked child: its own session (and death with the
    parent on Linux), no standard input, `out`/`err` as its streams, `cwd` and exactly `env`
    (temporary files under its TMPDIR, the sandbox probed again if it names another
    bubblewrap); `prepare` runs then, before the CLI. `sys.exit` ends it with the status the
    interpreter would give; an exception escaping the CLI with `crash_status` (the kit's
    fault: 3 by default) after its traceback. Never returns (os._exit: nothing of the parent's
    state is flushed or closed twice)."""
    code = EXIT_GRADER_ERROR
    try:
        os.setsid()
        die_with_parent()
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        # Streams on those descriptors, whatever the parent had (pytest's capture, a pager).
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the process's own
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                          closefd=False)
        os.chdir(cwd)
        bwrap = os.environ.get("TEENYGRAD_BWRAP")
        os.environ.clear()
        os.environ.update(env)
        sys.argv = [str(Path(cwd) / "grade.py"), *argv]
        sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
        tempfile.tempdir = None  # found again from this grading's TMPDIR
        from autograder.cli import main
        from autograder.judge import sandbox

        if os.environ.get("TEENYGRAD_BWRAP") != bwrap:
            sandbox.probe.cache_clear()
        if prepare is not None:
            prepare()
        atexit._clear()  # the parent's exit handlers are the parent's; the grading's run below
        code = crash_status
        try:
            code = main(list(argv))
        except SystemExit as stop:
            code = _exit_status(stop.code)
        except BaseException:  # noqa: BLE001 - its traceback on the grading's stderr
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - setting up failed: reported on its stderr
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _exit_status(code: object) -> int:
    """The exit status Python gives `sys.exit(code)` (a message is printed, then 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _wait(pid: int, timeout: float) -> int | None:
    """The child's exit status, or None when it ran past `timeout` (its group is killed).
    Whatever it started and left behind is killed too."""
    deadline = time.monotonic() + timeout
    status: int | None = None
    try:
        while True:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
                break
            if time.monotonic() > deadline:
                _kill_group(pid)
                os.waitpid(pid, 0)
                break
            time.sleep(POLL_S)
    except BaseException:
        _kill_group(pid)
        os.waitpid(pid, 0)
        raise
    _kill_group(pid)  # stragglers of a finished run (its group id is the child's pid)
    return status


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
