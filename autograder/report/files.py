"""Writing a report file so that a reader never sees half of it, and nothing is lost.

The text goes to a temporary file beside the target, flushed to disk, then renamed over the
target in one step (`os.replace`): a grading stopped mid-write leaves the previous file whole,
and no partial file behind. A different file already at the target is kept under a numbered
name first (`results.json.~1~`, as `cp --backup=numbered` names them): a report written over a
roster, a gradebook export or the last full report loses nothing. The new file gets the
permissions a plain `open()` would give it (0666 less the umask): `tempfile.mkstemp` makes its
files 0600, which would hide a gradebook from the teaching assistants who share the course
folder.

`check_output` is asked before the work that makes the report: a path that cannot take it
(a folder, a folder that is a file, a folder this user cannot write in, or a place a report
must never go, such as the submission being graded) is refused in one line, before a grading
of minutes is lost to it.
"""

from __future__ import annotations

import contextlib
import filecmp
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path


class OutputError(Exception):
    """A report path that cannot be written (the message is one line for the user)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output(path: Path, never: Sequence[tuple[Path, str]] = ()) -> None:
    """Raise OutputError unless a report can be written at `path`: not a folder, in a folder
    this user can write in (or can make), and not `never`'s paths (a file or a folder, each
    with what it is: "the submission being graded") nor anything inside them."""
    if path.is_dir():
        raise OutputError(f"{path} is a folder: give a file name for the report")
    target = path.resolve()
    for protected, what in never:
        protected = protected.resolve()
        if target == protected or protected in target.parents:
            raise OutputError(f"{path} is {what}: a report is never written there")
    check_folder(target.parent, str(path))


def check_folder(folder: Path, name: str) -> None:
    """Raise OutputError unless `folder` is a folder this user can write in, or one it can
    make (its nearest existing parent is such a folder); `name` says what it is for."""
    existing = folder
    while not existing.exists() and not existing.is_symlink():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{name}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{name}: cannot write in {existing} (permission denied)")
    # access() says yes to root everywhere, and knows nothing of read-only mounts or of /proc:
    # where the file's folder exists already, try a file there (made and removed at once).
    if existing == folder:
        try:
            with tempfile.NamedTemporaryFile(prefix=".write-check-", dir=folder):
                pass
        except OSError as exc:
            raise OutputError(f"{name}: cannot create a file in {folder} ({exc.strerror})"
                              ) from None


def backup_name(path: Path) -> Path:
    """The first free numbered name beside `path`: `path.~1~`, `path.~2~`, ..."""
    for number in itertools.count(1):
        candidate = path.with_name(f"{path.name}.~{number}~")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
    raise AssertionError("unreachable")


def write_atomically(path: Path, text: str, *, newline: str | None = None) -> Path | None:
    """Write `text` (UTF-8) to `path`, creating its folder, all at once or not at all. A file
    already there is kept under a numbered name, which is returned (None if there was none or
    it held the same text)."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    return produce_atomically(path, write)


def produce_atomically(path: Path, produce: Callable[[Path], object], suffix: str = ""
                       ) -> Path | None:
    """`produce(tmp)` writes a whole file (a zip, a PNG) at a temporary path beside `path`
    (ending in `suffix`), which then replaces `path` in one step, a different file there kept
    as by `write_atomically`; returns where it is kept. Nothing is left behind on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        produce(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        return replace_keeping(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def replace_keeping(new: Path, path: Path) -> Path | None:
    """Rename the finished file `new` to `path` in one step, first keeping a different file
    that is there under a numbered name, which is returned (None if none was kept)."""
    same = path.is_file() and not path.is_symlink() and filecmp.cmp(new, path, shallow=False)
    kept = None
    if (path.is_symlink() or path.exists()) and not same:
        kept = backup_name(path)
        try:  # a second name for the old file: readers of `path` never find it missing
            os.link(path, kept, follow_symlinks=False)
        except OSError:
            shutil.copy2(path, kept, follow_symlinks=False)
    os.replace(new, path)
    return kept
