"""Bytecode for the kit's worker-side modules, so that a fresh worker does not compile them.

Every test gets a fresh worker (see `autograder.judge.plugin`), and each imports the kit's
worker-side modules (`autograder.worker`, `.probes`, `.cases`) before it can answer. Python
keeps their bytecode beside them in `__pycache__`, but only where it may write it: in a
checkout graded with `PYTHONDONTWRITEBYTECODE=1` set (as on the kit's own CI machine) every
worker compiled them from source again (about 15 ms of the ~165 ms a worker takes to start),
and a worker never writes any (it runs with `sys.dont_write_bytecode` in a read-only view).

So the judge writes that bytecode itself, once per grading, before the first worker starts:
hash-checked `.pyc` files (PEP 552), which Python uses only while they match the source's
hash, so an edited module is never run from stale bytecode.

A test that imports the student's package costs its worker as much again or more (level 1's
package: about 30 ms). Those files are untrusted input, which the judge does not even parse,
so their bytecode is written by an interpreter in the sandbox that only compiles them: none
of their code runs there, it sees nothing but the student's folder, and workers later read
that folder read-only.
"""

from __future__ import annotations

import importlib.util
import os
import py_compile
import subprocess
from pathlib import Path

from autograder import KIT_ROOT
from autograder.judge import processes, sandbox
from autograder.judge.sandbox import WORKER_KIT_MODULES

#: A hash-checked .pyc starts with the magic number, these flags and the source's hash.
_CHECKED_HASH_FLAGS = (0b11).to_bytes(4, "little")


def worker_module_sources(root: Path = KIT_ROOT / "autograder") -> list[Path]:
    """The `.py` files of the kit that workers import (see `sandbox.WORKER_KIT_MODULES`)."""
    sources: list[Path] = []
    for name in WORKER_KIT_MODULES:
        path = root / name
        sources += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in sources if "__pycache__" not in p.parts]


def _up_to_date(source: bytes, cached: Path) -> bool:
    try:
        with open(cached, "rb") as handle:
            header = handle.read(16)
    except OSError:
        return False
    return header == (importlib.util.MAGIC_NUMBER + _CHECKED_HASH_FLAGS
                      + importlib.util.source_hash(source))


def compile_worker_modules(sources: list[Path] | None = None) -> int:
    """Write the hash-checked bytecode of the worker-side modules beside them (in their
    `__pycache__`) where it is missing or stale; returns how many files were compiled.

    A folder the judge may not write to (a read-only installation) is left as it is: its
    workers then compile those modules themselves, as Python always does without bytecode.
    """
    compiled = 0
    for source in worker_module_sources() if sources is None else sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        try:
            if _up_to_date(source.read_bytes(), cached):
                continue
            py_compile.compile(str(source), cfile=str(cached), doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        except (OSError, py_compile.PyCompileError):
            continue
        compiled += 1
    return compiled


#: Limits of the sandboxed compiler (a level's files take ~0.2 s with its start): past them
#: the files left are compiled by the workers, under their own limits, as before. A file made
#: to be slow to compile costs a grading at most this much more.
STUDENT_COMPILE_TIMEOUT_S = 10
STUDENT_COMPILE_MEMORY_MB = 1024
#: Compiles every .py file under the folders named in argv, skipping those that do not
#: compile (each worker then reports the error as it imports the file).
_COMPILE_EVERY_FILE = (
    "import pathlib, py_compile, sys\n"
    "for folder in sys.argv[1:]:\n"
    "    for source in sorted(pathlib.Path(folder).rglob('*.py')):\n"
    "        try:\n"
    "            py_compile.compile(str(source), doraise=True, invalidation_mode="
    "py_compile.PycInvalidationMode.CHECKED_HASH)\n"
    "        except Exception:\n"
    "            pass\n")


def compile_student_modules(folder: Path, box: sandbox.Sandbox) -> bool:
    """Write hash-checked bytecode beside the student's Python files in `folder` (the
    workspace's copy, which workers see read-only), compiled in the sandbox; whether that ran.

    Unconfined nothing is done: there is no view that keeps the compiler away from the
    rest of the machine, and the workers compile the files themselves, as before. A failure
    (a timeout, a file that does not compile) only leaves files without bytecode.
    """
    if not box.confined:
        return False
    view = sandbox.View(writable=[folder], kit_modules=False, chdir=folder)
    # -I: no environment variables, user site-packages or working folder; -S: no site.
    cmd, _ = sandbox.command(box, view, [sandbox.interpreter(), "-I", "-S", "-c",
                                         _COMPILE_EVERY_FILE, str(folder)])
    try:
        # Nothing it prints is read (a file can make the compiler warn without end).
        done = subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={"PATH": os.defpath}, cwd=folder,
            timeout=STUDENT_COMPILE_TIMEOUT_S, check=False, start_new_session=True,
            preexec_fn=processes.child_limits(STUDENT_COMPILE_MEMORY_MB,
                                              STUDENT_COMPILE_TIMEOUT_S, confined=True))
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0
