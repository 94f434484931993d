"""The import audit: names a student's attempt to import one of the level's banned modules.

In the sandbox a banned module is absent (third-party) or replaced by a file that raises
(standard library): that is what stops it, and nothing here can switch it off. The audit only
makes the report precise — which module, at which line, even when the student caught the
ImportError. Unsandboxed, it is the only guard (and student code can reach its state). It is a
`sys.addaudithook` hook, which student code cannot remove. An import counts as the
student's when any frame on the stack belongs to the student's workspace, whatever spelling
reached it (`import`, `__import__`, `importlib`, `exec` of a string). Every attempt is recorded,
so a call that tried is failed even if the student caught the ImportError.
"""

from __future__ import annotations

import _thread
import sys
from pathlib import Path

#: Raised by the file the sandbox lays over a banned standard-library module when it runs.
ABSENT_EVENT = "teenygrad.absent_module"


class BannedImportError(ImportError):
    """Raised inside the worker when student code imports a banned module."""


class ImportAudit:
    """Blocks and records imports of banned top-level modules from student frames."""

    def __init__(self, banned: list[str], student_root: Path) -> None:
        names = set(banned)
        # Each banned module's C accelerator counts too (ctypes -> _ctypes).
        self.banned = names | {"_" + name for name in names}
        self.student_root = str(student_root.resolve()) + "/"
        self.attempts: list[str] = []
        self.main_thread = _thread.get_ident()

    def student_location(self) -> str | None:
        """`file:line` of the innermost student frame on the stack, or None.

        The kit never imports from another thread, so any import on a thread other than the
        main one is the student's, even when no student frame is on that thread's stack.
        """
        if _thread.get_ident() != self.main_thread:
            return "a thread started by your code"
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(self.student_root):
                return f"{filename[len(self.student_root):]}:{frame.f_lineno}"
            frame = frame.f_back
        return None

    def hook(self, event: str, args: tuple) -> None:
        """The audit hook proper (see `sys.addaudithook`)."""
        if event not in ("import", ABSENT_EVENT) or not self.banned:
            return
        top = str(args[0]).split(".")[0]
        if top not in self.banned:
            return
        top = top.lstrip("_") if top.lstrip("_") in self.banned else top  # _ctypes -> ctypes
        where = self.student_location()
        if where is None:
            return  # the kit's own import
        attempt = f"banned import '{top}' at {where}"
        self.attempts.append(attempt)
        raise BannedImportError(attempt)

    def forget_banned(self) -> None:
        """Drop banned modules from sys.modules, so a student's import loads them (and trips
        the hook) instead of finding them already there."""
        for name in list(sys.modules):
            if name.split(".")[0] in self.banned:
                del sys.modules[name]

    def install(self) -> None:
        """Install the hook, banned modules already loaded forgotten first."""
        self.forget_banned()
        sys.addaudithook(self.hook)

    def take_attempts(self) -> list[str]:
        """Return and clear the attempts recorded since the last call."""
        attempts, self.attempts = self.attempts, []
        return attempts
