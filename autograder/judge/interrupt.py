"""Ctrl-C that a grading cannot lose.

Python turns SIGINT into KeyboardInterrupt in whatever Python code runs next, and that code may
be one whose exceptions are discarded: a garbage-collector callback (hypothesis registers one
and calls `gc.collect()` before every example), a `__del__`, a weakref callback. The interrupt
is then printed as "Exception ignored" into pytest's capture and the grading goes on, test after
test. So while a grading runs, SIGINT is also *latched*: the judge calls `check()` wherever it
waits (before each call to the worker, after each level), which raises KeyboardInterrupt again
if one was pressed, however its first raise ended.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Latch:
    """A SIGINT handler that raises KeyboardInterrupt, as Python's own does, and remembers it."""

    def __init__(self) -> None:
        self.pressed = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.pressed = True
        signal.default_int_handler(signum, frame)

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed since this latch was installed."""
        if self.pressed:
            raise KeyboardInterrupt


_installed: list[Latch] = []


def _quiet_about_interrupts(previous: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable-exception hook that drops KeyboardInterrupt (the latch raises it again)
    and passes anything else to `previous`: no "Exception ignored" traceback for Ctrl-C."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)

    return hook


@contextmanager
def latched() -> Iterator[Latch]:
    """Within the block, Ctrl-C raises KeyboardInterrupt and `check()` raises it again.

    Where SIGINT is not Python's default handler (ignored in a background job, or handled by
    the caller) or this is not the main thread, it is left alone and nothing is latched.
    """
    latch = Latch()
    owns = (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if owns:
        signal.signal(signal.SIGINT, latch)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_about_interrupts(previous_hook)
    _installed.append(latch)
    try:
        yield latch
    finally:
        _installed.remove(latch)
        sys.unraisablehook = previous_hook
        if owns:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed inside `latched()` (even if the first
    KeyboardInterrupt was swallowed); nothing outside it."""
    for latch in _installed:
        latch.check()


def pressed() -> bool:
    """Whether Ctrl-C was pressed inside `latched()`, however its KeyboardInterrupt ended."""
    return any(latch.pressed for latch in _installed)
