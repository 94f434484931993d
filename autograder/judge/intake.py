"""What the grader takes from a student's folder: plain files, within the level's limits.

Every channel (`--submission`, `batch`, Gradescope, nbgrader's engine cells, the Classroom
workflow) grades through `autograder.judge.workspace.build_workspace`, which reads a student
file only through `open_file` below:

- the path is walked one name at a time from the folder's root, each folder opened with
  O_NOFOLLOW: no symbolic link is ever followed, be it the file or a folder on the way to it;
- each entry is looked at (lstat) before it is opened: anything but a regular file with one
  name (a symbolic link, named pipe, device, socket, folder, hard link), an odd name and a file
  over the level's size limit are refused unopened, so refusing a 3 GB file costs nothing;
- the file is opened with O_NOFOLLOW | O_NONBLOCK (a named pipe swapped in cannot block), and
  the descriptor's own fstat must show the same regular file: what is copied is what was checked.

A refusal is data (`Refusal`: the entry at fault and the one line the report shows); the
workspace then grades the student file as missing (its stub).
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from autograder.levels import SubmissionLimits

#: Folders never looked into (caches, VCS data, build output).
SKIP_DIRS = {".git", "__pycache__", "target", ".venv", "node_modules", ".ipynb_checkpoints"}

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | _CLOEXEC
_CHUNK = 1 << 16
_NAMES_READ = 8  # names read from one folder, per entry looked at, to list them in order

_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a named pipe (FIFO)",
          stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket",
          stat.S_IFDIR: "a folder", stat.S_IFREG: "a file"}


@dataclass(frozen=True)
class Refusal:
    """A student path the grader does not take: the entry at fault (relative to the folder's
    root; a folder on the way, or the file itself) and the one line the report shows."""

    path: str
    line: str


@dataclass(frozen=True)
class Entry:
    """One entry of a folder, as lstat sees it (a link is an entry, never what it points to)."""

    rel: str
    mode: int
    size: int


@dataclass
class Scan:
    """A bounded look at a folder: its entries other than folders, in a stable order."""

    entries: list[Entry] = field(default_factory=list)
    truncated: bool = False
    too_deep: bool = False

    def notes(self, limits: SubmissionLimits) -> list[str]:
        """Lines for the report when the look stopped early."""
        notes = []
        if self.truncated:
            notes.append(f"the submission folder has more than {limits.scan_entries:,} files "
                         "and folders: the list of ignored files stops there")
        if self.too_deep:
            notes.append(f"folders more than {limits.depth} levels deep in the submission were "
                         "not looked at")
        return notes


def kind(mode: int) -> str:
    """What an entry is, in words ("a symbolic link", "a named pipe (FIFO)", ...)."""
    return _KINDS.get(stat.S_IFMT(mode), "a special file")


def printable(rel: str) -> str:
    """`rel` safe to print: control, format and undecodable characters shown as escapes."""
    return "".join(ascii(ch)[1:-1] if _odd_char(ch) else ch for ch in rel)


def printable_text(text: str) -> str:
    """Text from the student's side (an error message, a traceback, what the code printed)
    safe to print: like `printable`, but new lines and tabs are kept. An escape sequence would
    rewrite the grader's terminal, and most control characters are not allowed in XML."""
    return "".join(ascii(ch)[1:-1] if ch not in "\n\t" and _odd_char(ch) else ch
                   for ch in text)


def _odd_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")


def name_problem(rel: str) -> str | None:
    """Why `rel` is not a plain relative path (absolute, `..`, empty or odd names), or None."""
    if rel.startswith("/"):
        return "is an absolute path"
    for name in rel.split("/"):
        if name in ("", ".", ".."):
            return "is not a plain path below the submission folder"
        if any(_odd_char(ch) for ch in name):
            return "has control characters in its name"
    return None


def size_text(size: int, limit: int) -> tuple[str, str]:
    """`size` and `limit` in words (1.5 MB, 3.2 GB), in bytes where words would look equal."""
    def words(n: int) -> str:
        for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
            if n >= scale:
                return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
        return f"{n} bytes"

    shown = words(size), words(limit)
    return shown if shown[0] != shown[1] else (f"{size:,} bytes", f"{limit:,} bytes")


def _file_problem(here: str, st: os.stat_result, limits: SubmissionLimits,
                  one_name: bool) -> Refusal | None:
    shown = printable(here)
    if stat.S_ISLNK(st.st_mode):
        return Refusal(here, f"{shown} is a symbolic link: submit the file itself")
    if stat.S_ISDIR(st.st_mode):
        return Refusal(here, f"{shown} is a folder, not a file: submit the file itself")
    if not stat.S_ISREG(st.st_mode):
        return Refusal(here, f"{shown} is {kind(st.st_mode)}, not a regular file: "
                             "submit the file itself")
    if st.st_size > limits.file_bytes:
        size, limit = size_text(st.st_size, limits.file_bytes)
        return Refusal(here, f"{shown} is too large ({size}; a student file may have at most "
                             f"{limit})")
    if one_name and st.st_nlink > 1:
        return Refusal(here, f"{shown} is a hard link (one file with {st.st_nlink} names): "
                             "submit a plain copy of the file")
    return None


def _folder_problem(here: str, st: os.stat_result) -> Refusal | None:
    if stat.S_ISDIR(st.st_mode):
        return None
    if stat.S_ISLNK(st.st_mode):
        return Refusal(here, f"{printable(here)} is a symbolic link: submit the folder itself")
    return Refusal(here, f"{printable(here)} is {kind(st.st_mode)}, not a folder")


@contextmanager
def opened_root(path: Path) -> Iterator[int]:
    """A descriptor of a trusted folder (the submission folder or the kit) for `open_file`."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    try:
        yield fd
    finally:
        os.close(fd)


def open_file(root_fd: int, rel: str, limits: SubmissionLimits,
              one_name: bool = True) -> tuple[int, int] | Refusal | None:
    """Open the regular file `rel` below `root_fd` without following any link: (descriptor,
    size), a `Refusal`, or None when nothing is there. `one_name=False` accepts hard links
    (the kit's own files)."""
    problem = name_problem(rel)
    if problem:
        return Refusal(rel, f"{printable(rel)} {problem}")
    parts = rel.split("/")
    if len(parts) - 1 > limits.depth:
        return Refusal(rel, f"{printable(rel)} is more than {limits.depth} folders deep")
    dir_fd, opened = root_fd, []
    try:
        for depth, name in enumerate(parts):
            here = "/".join(parts[: depth + 1])
            try:
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if depth < len(parts) - 1:
                    refused = _folder_problem(here, st)
                    if refused:
                        return refused
                    dir_fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
                    opened.append(dir_fd)
                    continue
                refused = _file_problem(here, st, limits, one_name)
                if refused:
                    return refused
                fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
            except FileNotFoundError:
                return None
            except OSError as exc:  # a link swapped in after the lstat (ELOOP), EACCES, ...
                if exc.errno == errno.ELOOP:
                    what = "file" if depth == len(parts) - 1 else "folder"
                    return Refusal(here, f"{printable(here)} is a symbolic link: submit the "
                                         f"{what} itself")
                return Refusal(here, f"{printable(here)} cannot be read ({exc.strerror})")
            now = os.fstat(fd)
            refused = _file_problem(here, now, limits, one_name)
            if refused or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                os.close(fd)
                return refused or Refusal(here, f"{printable(here)} changed while it was read")
            return fd, now.st_size
        return None
    finally:
        for folder_fd in opened:
            os.close(folder_fd)


def read_capped(fd: int, limit: int) -> bytes | None:
    """The bytes of an opened file (the descriptor is closed), or None past `limit` bytes
    (a file that grew after its size was checked)."""
    chunks, total = [], 0
    try:
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
        return None
    finally:
        os.close(fd)


def _open_dir(root_fd: int, rel: str) -> int:
    """A descriptor of the real folder `rel` below `root_fd` (OSError if a link is met)."""
    fd = os.dup(root_fd)
    for name in rel.split("/") if rel else []:
        try:
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = child
    return fd


def scan(root: Path, limits: SubmissionLimits) -> Scan:
    """Look at `root` breadth first, without following links or entering SKIP_DIRS: every
    entry but folders, at most `limits.scan_entries` entries looked at, `limits.depth` deep."""
    result, seen = Scan(), 0
    pending = [""]
    with opened_root(root) as root_fd:
        while pending and not result.truncated:
            rel_dir = pending.pop(0)
            try:
                fd = _open_dir(root_fd, rel_dir)
            except OSError:
                continue  # swapped for a link or removed while we looked: nothing to list
            try:
                with os.scandir(fd) as listing:  # a stable order, at bounded cost
                    names = sorted(itertools.islice(listing, _NAMES_READ * limits.scan_entries),
                                   key=lambda e: e.name)
                for item in names:
                    seen += 1
                    if seen > limits.scan_entries:
                        result.truncated = True
                        break
                    rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
                    try:
                        st = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if not stat.S_ISDIR(st.st_mode):
                        result.entries.append(Entry(rel, st.st_mode, st.st_size))
                    elif item.name not in SKIP_DIRS:
                        if rel.count("/") + 1 > limits.depth:
                            result.too_deep = True
                        else:
                            pending.append(rel)
            finally:
                os.close(fd)
    return result
