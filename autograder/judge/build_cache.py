"""Reuse a Rust build whose inputs did not change, judged by content, not by file times.

Cargo decides whether to compile a path crate by comparing file times with its last build. A
grading copies the kit's crates and the student's files into a new workspace (new times),
and a GitHub Classroom run starts from a new checkout (new times again), so cargo compiled the
kit's crate and the student's kernels on every run even with its target folder restored from
the cache. Here a build's inputs are hashed instead: the bytes of every source file under the
crates (the student's files among them, after the level's rules put a stub in place of a file
they forbid), the toolchain's version, the interpreter the wheel is for and the build's
settings. A build with the same hash takes the stored result and runs no compiler.

The store sits beside cargo's target folder (`<target>-built/<hash>/`), outside what the
sandboxed build may write, and keeps the `KEEP` most recently used results.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from autograder.judge import sandbox
from autograder.judge.intake import SKIP_DIRS

#: How many results a store keeps (each a wheel of ~1 MB, or the roofline binary).
KEEP = 12
#: Written last into a stored result: a result without it was cut short and is not used.
COMPLETE = ".complete"


def toolchain_version(rustc: Path) -> str:
    """`rustc -vV` (its version, commit and host): another compiler is another build."""
    try:
        done = subprocess.run([str(rustc), "-vV"], capture_output=True, text=True, timeout=60,
                              check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown rustc ({exc})"
    return done.stdout


def build_settings(rustc: Path, maturin: Path, crate: str, flags: Sequence[str]) -> list[str]:
    """What a build depends on besides its sources: the compiler, maturin, the interpreter
    the wheel is for, the crate built and any extra cargo settings (the coach's)."""
    try:
        maturin_version = metadata.version("maturin")
    except metadata.PackageNotFoundError:
        maturin_version = "unknown"
    return [toolchain_version(rustc), f"maturin {maturin} {maturin_version}",
            f"python {sandbox.interpreter()} {sys.version}", f"crate {crate}", *flags]


def sources_hash(root: Path, settings: Iterable[str]) -> str:
    """A hash of every file's path (relative to `root`) and bytes under `root`, skipping
    build output and caches (SKIP_DIRS), and of `settings` (toolchain, interpreter, flags)."""
    digest = hashlib.sha256()
    for setting in settings:
        digest.update(b"setting\0" + setting.encode() + b"\0")
    for path in sorted(_files(root)):
        digest.update(b"file\0" + path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        found += [Path(folder) / name for name in names]
    return found


class BuildStore:
    """Results of earlier builds by the hash of their inputs, in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, target: Path) -> BuildStore:
        """The store kept next to cargo's target folder `target`."""
        return cls(target.with_name(target.name + "-built"))

    def get(self, key: str) -> Path | None:
        """The folder of the stored result for `key` (marked as just used), or None."""
        entry = self.folder / key
        if not (entry / COMPLETE).is_file():
            return None
        os.utime(entry)  # most recently used: pruned last
        return entry

    def put(self, key: str, files: Sequence[Path]) -> None:
        """Store copies of `files` as the result for `key`, then keep the `KEEP` most recently
        used results. Written to a temporary folder and renamed, so a reader never sees half."""
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = self.folder / key
        if entry.exists():
            return
        partial = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=self.folder))
        partial.chmod(0o755)  # as a folder cargo makes (mkdtemp makes it private)
        for file in files:
            shutil.copy2(file, partial / file.name)
        (partial / COMPLETE).write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
        try:
            partial.rename(entry)
        except OSError:  # another grading stored the same result first
            shutil.rmtree(partial, ignore_errors=True)
        self._prune()

    def _prune(self) -> None:
        entries = sorted((p for p in self.folder.iterdir() if p.is_dir()),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            shutil.rmtree(old, ignore_errors=True)
