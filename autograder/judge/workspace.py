"""Build a grading workspace: a fresh temporary folder holding only the level's student files.

The student files come from one of three sources (the kit's stubs, the reference solutions, or a
submission folder); nothing else of the source is copied, and the source is never modified.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.levels import Level

SKIP_DIRS = {".git", "__pycache__", "target", ".venv", "node_modules", ".ipynb_checkpoints"}
MAX_LISTED_FILES = 20000


class SourceError(ValueError):
    """A submission folder (or kit tree) that cannot be graded: one line for the user."""


@dataclass(frozen=True)
class Source:
    """Where the student files come from: `assignments`, `solutions` or a `submission` DIR."""

    kind: str
    path: Path | None = None

    def label(self) -> str:
        """How the report names the source."""
        return str(self.path) if self.kind == "submission" else self.kind


@dataclass
class Workspace:
    """A built workspace: student files by key under `student/`, a scratch dir for workers."""

    root: Path
    student: Path
    scratch: Path
    extra_paths: list[Path] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cleanup(self) -> None:
        """Delete the workspace."""
        shutil.rmtree(self.root, ignore_errors=True)


def _locator(level: Level, source: Source):
    """A function mapping a key to the file that holds it in `source`."""
    if source.kind == "solutions":
        return lambda key: level.solutions_dir / key
    if source.kind == "assignments":
        return lambda key: level.student_path(key)
    root = source.path
    assert root is not None
    # A submission is either a copy of the student repository or a folder laid out by key.
    repo_layout = (root / "assignments" / level.id).is_dir()
    if repo_layout:
        return lambda key: level.student_path(key, root)
    return lambda key: root / key


def _walk_files(root: Path) -> list[str]:
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            files.append(Path(dirpath, name).relative_to(root).as_posix())
            if len(files) >= MAX_LISTED_FILES:
                return files
    return files


def build_workspace(level: Level, source: Source, base: Path | None = None) -> Workspace:
    """Copy the level's student files from `source` into a new temporary workspace."""
    if source.kind == "submission":
        if source.path is None or not source.path.is_dir():
            raise SourceError(f"submission folder not found: {source.path}")
    root = Path(tempfile.mkdtemp(prefix=f"grade-{level.id}-", dir=base))
    ws = Workspace(root=root, student=root / "student", scratch=root / "scratch")
    ws.student.mkdir()
    ws.scratch.mkdir()
    stub_keys = level.stub_keys()
    locate = _locator(level, source)
    source_keys = level.expand_keys(locate) if source.kind != "assignments" else stub_keys
    ws.keys = list(dict.fromkeys([*stub_keys, *source_keys]))
    if not ws.keys:
        raise SourceError(f"{level.id}: no student files found (is the kit complete?)")
    used: set[Path] = set()
    for key in ws.keys:
        src = locate(key)
        if not src.is_file():
            stub = level.student_path(key)
            if source.kind == "submission" and stub.is_file():
                ws.missing.append(key)
                src = stub
            else:
                raise SourceError(f"{level.id}: missing file {src}")
        used.add(src.resolve())
        dest = ws.student / key
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    if source.kind == "submission" and source.path is not None:
        ws.ignored = [rel for rel in _walk_files(source.path)
                      if (source.path / rel).resolve() not in used]
    return ws
