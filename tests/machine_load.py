"""The kit's load check: how much CPU other processes use, so timing checks skip, not fail.

A load average counts this test run's own recent work (a grading that just finished keeps it
above 1 for a minute), so it would skip timing checks on an idle machine. This measures what
matters instead: the CPU time that *other* processes used while a check measured, from the
machine-wide counters the grader reads (`timing.machine_busy_seconds`) minus this process's own
CPU time (and its waited-for children's). Where they cannot be read, it falls back to the load
average. The share above which timings are not trusted is the grader's (`TimingPolicy`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from grading_server import forked_cpu_seconds

from autograder.judge.timing import POLICY, machine_busy_seconds

BUSY_SHARE = POLICY.busy_share  # of all CPUs used by other processes


class OtherLoad:
    """CPU share used by other processes between `start()` and `stop()` (0 = none, 1 = every
    CPU all the time). `also_ours` gives the CPU seconds of helper processes the measurement
    itself runs and does not wait for (a benchmark's long-lived children): theirs too."""

    def __init__(self, also_ours: Callable[[], float] | None = None) -> None:
        self._also_ours = also_ours or (lambda: 0.0)

    def start(self) -> OtherLoad:
        """Begin a measurement window; returns self, for `OtherLoad().start()`."""
        self.busy0, self.wall0 = _machine_busy(), time.perf_counter()
        self.own0 = _own() + self._also_ours()
        return self

    def stop(self) -> float:
        """End the window: the share of the CPUs that other processes used during it."""
        wall = time.perf_counter() - self.wall0
        if self.busy0 is None:
            return min(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
        own = _own() + self._also_ours()
        others = (_machine_busy() - self.busy0) - (own - self.own0)
        return max(0.0, others / (max(wall, 1e-9) * (os.cpu_count() or 1)))


def goal_not_checked() -> str:
    """A skip reason unless TEENYGRAD_BENCH=1 asks for the kit's speed goals to be checked.

    The goals of the reference (faster than OpenBLAS, 2x the triple loop, autodiff within 1.3x
    of hand-written numpy) have margins of a few to tens of percent, the size of a shared
    virtual machine's noise, which no process here shows. `python -m pytest` (and CI) measures
    and prints them; the benchmark commands in the README check them.
    """
    if os.environ.get("TEENYGRAD_BENCH"):
        return ""
    return "speed goal checked only with TEENYGRAD_BENCH=1 (a benchmark, see README)"


def busy_reason(share: float) -> str:
    """A skip reason when `share` (from `OtherLoad.stop`) is above BUSY_SHARE, else ''."""
    if share > BUSY_SHARE:
        return f"machine busy: other processes used {100 * share:.0f}% of the CPUs"
    return ""


def machine_is_busy(sample: float = 0.5) -> str:
    """A skip reason when other processes use the CPUs right now (sampled for `sample` s)."""
    load = OtherLoad().start()
    time.sleep(sample)
    return busy_reason(load.stop())


def _machine_busy() -> float | None:
    """Seconds of CPU time all processes have used since boot, or None where unreadable."""
    try:
        return machine_busy_seconds()
    except (OSError, RuntimeError):
        return None


def _own() -> float:
    """CPU seconds of this test run: its process, its waited-for children, and the gradings
    the grading server forked for it (tests/grading_server.py: they are not its children)."""
    times = os.times()
    return (times.user + times.system + times.children_user + times.children_system
            + forked_cpu_seconds())
