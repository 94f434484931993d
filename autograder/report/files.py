"""Writing a report file so that a reader never sees half of it, and nothing is lost.

The text goes to a temporary file beside the target, flushed to disk, then renamed over the
target in one step (`os.replace`): a grading stopped mid-write leaves the previous file whole,
and no partial file behind. The new file gets the permissions a plain `open()` would give it
(0666 less the umask): `tempfile.mkstemp` makes its files 0600, which would hide a gradebook
from the teaching assistants who share the course folder.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str, *, newline: str | None = None) -> None:
    """Write `text` (UTF-8) to `path`, creating its folder, all at once or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
