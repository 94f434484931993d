"""How a submission folder is laid out: the one resolver every grading channel goes through.

`grade.py --submission`, `grade.py batch`, the Gradescope autograder, nbgrader's engine cells
and the GitHub Classroom workflow all grade a folder with `grade.py LEVEL --submission DIR`,
whose workspace (`autograder.judge.workspace`) asks `resolve_layout` where the student files
are. A folder is read in one of three layouts, possibly one folder down (a zip of the
repository unpacks into `teenygrad-main/`, an upload of a folder into its name; a notebook or
a README may sit beside that folder):

- `repository`: a copy of the student repository (`assignments/<level>/teenygrad/...`, and
  level 0's `rust_kernels/...` at its root);
- `by key`: the level's files at their keys (`teenygrad/nested.py`), as nbgrader hands them in;
- `flat`: bare files (`nested.py`, a Gradescope upload of files): each key is taken from the
  one uploaded file of its file name, wherever it is.

The layout found is reported (`describe`), so a student whose files were not found can see how
their folder was read. Nothing here opens a student file: names are looked at with lstat, and
a link is never followed (the workspace's reader, `autograder.judge.intake`, does the reading).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from autograder.judge.intake import SKIP_DIRS
from autograder.levels import Level

#: Entries that do not make a folder "more than one folder" (archive and OS litter).
LITTER = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


class LayoutKind(StrEnum):
    """The three ways a submission folder holds the student files."""

    REPOSITORY = "repository"
    BY_KEY = "by key"
    FLAT = "flat"


@dataclass(frozen=True)
class Layout:
    """Where a submission's files are: the layout, and the folder (relative to the submission,
    "" for itself) the layout starts in."""

    kind: LayoutKind
    base: str = ""

    def prefix(self) -> str:
        """The path prefix of every student file ("teenygrad-main/" or "")."""
        return f"{self.base}/" if self.base else ""

    def describe(self) -> str:
        """The report's line: how the folder was read."""
        what = {
            LayoutKind.REPOSITORY: "a copy of the student repository (assignments/...)",
            LayoutKind.BY_KEY: "the assignment's files at their paths",
            LayoutKind.FLAT: "bare files, each taken by its file name",
        }[self.kind]
        where = f", one folder down in {self.base}/" if self.base else ""
        return f"submission layout: {self.kind} — {what}{where}"


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _direct_layout(level: Level, folder: Path) -> LayoutKind | None:
    """The repository or by-key layout if `folder` itself holds one, else None."""
    if os.path.lexists(folder / "assignments" / level.id):
        return LayoutKind.REPOSITORY
    if any(os.path.lexists(folder / key) for key in level.stub_keys()):
        return LayoutKind.BY_KEY
    return None


def _only_folder(level: Level, folder: Path) -> str | None:
    """The name of the one real folder `folder` holds, when it holds no other folder and no
    file named as one of the assignment's files (a notebook or a README beside it is fine;
    litter, hidden entries and caches aside), else None."""
    try:
        names = [n for n in os.listdir(folder)
                 if n not in LITTER and n not in SKIP_DIRS and not n.startswith(".")]
    except OSError:
        return None
    student_names = {Path(key).name for key in level.stub_keys()}
    folders = [n for n in names if _is_real_dir(folder / n)]
    if len(folders) == 1 and not student_names & set(names):
        return folders[0]
    return None


def resolve_layout(level: Level, folder: Path) -> Layout:
    """How `folder` holds `level`'s files: in it, or one folder down (the folder holds a
    single folder and nothing else), else flat."""
    kind = _direct_layout(level, folder)
    if kind is not None:
        return Layout(kind)
    inner = _only_folder(level, folder)
    if inner is not None:
        kind = _direct_layout(level, folder / inner)
        if kind is not None:
            return Layout(kind, inner)
    return Layout(LayoutKind.FLAT)
