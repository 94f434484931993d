"""Progress while grading: an updating line on a terminal, one mark per test when piped."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from autograder.report.record import Outcome, TestResult

#: One character per test when the output is not a terminal ("F" for any other outcome).
PIPE_MARKS = {Outcome.PASSED: ".", Outcome.PARTIAL: "p", Outcome.NOT_IMPLEMENTED: "N",
              Outcome.TIMED_OUT: "T", Outcome.CRASHED: "C", Outcome.BANNED_IMPORT: "B",
              Outcome.GRADER_ERROR: "E", Outcome.SKIPPED: "s"}


class Progress:
    """Callbacks the runner calls as stages and tests finish."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty()
        self.level = ""
        self._open_line = False

    def start_level(self, level_id: str) -> None:
        """A level starts grading."""
        self.level = level_id
        self._write(f"grading {level_id} ...", newline=not self.tty)

    def stage(self, text: str) -> None:
        """A long step (a build) starts."""
        self._write(f"{self.level}: {text}", newline=not self.tty)

    def test_done(self, result: TestResult, done: int, total: int) -> None:
        """A test finished."""
        if self.tty:
            width = 24
            filled = int(width * done / max(total, 1))
            bar = "█" * filled + "░" * (width - filled)
            self._write(f"{self.level} {bar} {done}/{total} {result.name[:40]}", newline=False)
        else:
            if not self._open_line:
                self._raw(f"{self.level}: ")
                self._open_line = True
            self._raw(PIPE_MARKS.get(result.outcome, "F"))

    def end_level(self) -> None:
        """A level finished: clear the progress line."""
        if self.tty:
            self._write("", newline=False)
        elif self._open_line:
            self._raw("\n")
        self._open_line = False

    def _raw(self, text: str) -> None:
        if self.enabled:
            self.stream.write(text)
            self.stream.flush()

    def _write(self, text: str, newline: bool) -> None:
        if not self.enabled:
            return
        if self.tty:
            # One line, never wrapped: a wrapped line cannot be redrawn in place.
            width = shutil.get_terminal_size((80, 24)).columns - 1
            self.stream.write("\r\033[K" + text[:max(width, 10)])
        else:
            if self._open_line:
                self.stream.write("\n")
                self._open_line = False
            self.stream.write(text + ("\n" if newline else ""))
        self.stream.flush()
