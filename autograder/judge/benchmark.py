"""Fair timing of student kernels, judged by the judge's own clock and the worker's CPU time.

Each benchmark is a worker call per run, after warm-up, with the worker's CPU time read by the
judge (`timing.process_cpu_seconds`). A single-thread run that was descheduled (wall time well
above CPU time) is discarded and repeated; the CPU time other processes used during each run
is measured, and a busy machine is reported (with advice to re-run) instead of silently graded
low. A cache canary (numpy's own SGEMM, timed by the judge between the runs) tells a batch
timed while the host slowed this machine's caches. Every margin involved is a field of
`timing.TimingPolicy`.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

from autograder.judge.api import fraction_between
from autograder.judge.timing import (
    POLICY,
    PlotPoint,
    Roofline,
    TimingPolicy,
    machine_busy_seconds,
)

T = TypeVar("T")


class CacheCanary:
    """numpy's own SGEMM, timed by the judge between a kernel's runs: was the machine's cache
    hierarchy at full speed meanwhile?

    The roofline's FMA probe keeps its operands in registers, so it reads full speed while the
    host's other guests slow this core's caches, and a fast kernel with them (seen: the
    reference `simd` at 71-74% of the roof in three gradings in a row on a Zen 5 whose FMA
    probe was steady). numpy's SGEMM leans on the caches as a fast kernel does; its rate
    relative to its best in this grading says how slow they were. It runs on the judge's one
    BLAS thread (`runner.py` limits it), outside the timed window, before the run's inputs are
    made, so it neither counts in the kernel's time nor leaves the kernel cold caches.
    Measured (Zen 3, 242 batches, timed right after each batch): it flagged 69-73% of the
    batches that ran 15% below their best, and 10-18% of the others."""

    def __init__(self, n: int = POLICY.canary_n) -> None:
        rng = np.random.default_rng(0)
        self._a = rng.random((n, n), dtype=np.float32)
        self._b = rng.random((n, n), dtype=np.float32)
        self._c = np.empty((n, n), dtype=np.float32)
        self._flop = 2 * n ** 3
        #: The best rate measured so far in this process (the grading).
        self.best = 0.0

    def measure(self) -> float:
        """numpy's GFLOP/s now (the better of two calls), also kept as the best if it is."""
        fastest = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            np.matmul(self._a, self._b, out=self._c)
            fastest = min(fastest, time.perf_counter() - start)
        rate = self._flop / max(fastest, 1e-9) / 1e9
        self.best = max(self.best, rate)
        return rate


@functools.cache
def cache_canary() -> CacheCanary:
    """The grading's one cache canary (its best rate is the grading's), made on first use."""
    return CacheCanary()


def until_on_target(measure: Callable[[], T], short: Callable[[T], bool],
                    policy: TimingPolicy = POLICY) -> list[T]:
    """`measure()`, and again while `short(result)`: up to `policy.short_attempts` results in
    all, `policy.short_pause_s` apart (a slow spell of the host lasts seconds; the pause lets
    the next measurement fall outside it). The caller keeps the fastest."""
    results = [measure()]
    while short(results[-1]) and len(results) < policy.short_attempts:
        time.sleep(policy.short_pause_s)
        results.append(measure())
    return results


def short_of(rate: float, roof: float, target: float, policy: TimingPolicy = POLICY) -> bool:
    """Whether `rate` falls short of `target` x `roof` by a margin a slow spell of the host can
    explain (not below `short_hopeless` x the target: that is the kernel)."""
    fraction = rate / roof if roof > 0 else 0.0
    return policy.short_hopeless * target <= fraction < target


class TimedCalls(Protocol):
    """What timing needs of a student: a plain call and a timed one (a `Timed` back)."""

    def call(self, probe: Any, *args: Any) -> Any:
        """Run `probe(*args)` in the worker."""

    def call_timed(self, probe: Any, *args: Any) -> Any:
        """Run `probe(*args)` in the worker; its `wall_s` and `cpu_s` back."""


@dataclass
class Timing:
    """The samples of one benchmark and what the machine did meanwhile."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    discarded: int = 0
    others_share: float = 0.0
    #: Whether too few runs kept their core for the descheduled ones to be dropped.
    descheduled: bool = False
    #: Whether a second batch was timed (the first was unsteady, the machine slowed, or the
    #: test measured once more) and the faster one counts.
    retimed: bool = False
    #: Whether the roofline probe, run right after the timing, found the machine slower than
    #: the roof the rate is divided by (twice: the batch was timed again in between).
    slowed: bool = False
    #: Why the machine is known to have run slow, when a test found a reason of its own.
    slow_reason: str = ""
    #: The cache canary's median rate during the batch as a share of its best in the grading
    #: (1.0 when no canary ran).
    canary: float = 1.0
    policy: TimingPolicy = field(default=POLICY, repr=False, compare=False)

    @property
    def median(self) -> float:
        """Median wall-clock seconds of the accepted runs."""
        return statistics.median(self.wall)

    @property
    def cv(self) -> float:
        """Coefficient of variation of the accepted runs' wall-clock times."""
        return statistics.pstdev(self.wall) / self.median if len(self.wall) > 1 else 0.0

    @property
    def cores(self) -> float:
        """Cores the kernel kept busy: CPU seconds per wall-clock second over the accepted
        runs (their totals, so that the tick-counted CPU time of threads a kernel started and
        ended within a run rounds out over the batch). 0.0 without runs."""
        wall = sum(self.wall)
        return sum(self.cpu) / wall if wall > 0 else 0.0

    @property
    def canary_slow(self) -> bool:
        """Whether the cache canary ran slow during the batch (`CacheCanary`)."""
        return self.canary < 1 - self.policy.canary_slowdown

    @property
    def busy(self) -> bool:
        """Whether other processes used a visible share of the machine meanwhile, or the
        machine itself ran slower than its measured roof."""
        return self.others_share > self.policy.busy_share or self.slowed


def time_runs(student: TimedCalls, run: Any, args_for: Callable[[int], tuple],
              threads: int, check: Callable[[int], None],
              prepare: Callable[[int], None] | None = None,
              at_speed: Callable[[], bool] | None = None, policy: TimingPolicy = POLICY,
              busy_clock: Callable[[], float] | None = None,
              canary: CacheCanary | None = None) -> Timing:
    """Time `run(*args_for(i))` in the worker; `check(i)` verifies run i's output and
    `prepare(i)` sets up its inputs (both untimed). Warm-up runs are numbered -1, -2, ...

    Single-thread runs that lost their core (wall > `descheduled` x CPU) are repeated, up to
    `max_extra_runs` times; if too few clean runs remain, every run counts and the timing is
    marked busy, so the report advises a re-run instead of hiding the disturbance. A batch
    whose runs vary by more than `unsteady_cv` is timed again and the faster batch counts: on
    a virtual machine a core can run at half speed for a second without any process of this
    machine being the cause (seen: a 2-thread kernel at 108 instead of 197 GFLOP/s, cv 22%).
    Such a slowdown can also last the whole batch, steadily: `at_speed()` (the roofline probe
    run again) tells whether the machine still reaches its roof right after the timing; if not,
    the batch is timed again, the faster batch counts, and if the machine is still slow the
    timing is marked busy. A `canary` (`CacheCanary`) is timed before each run: a batch during
    which it ran slow is timed again too, and the timing is marked busy when the batch that
    counts was timed with a slow canary. `busy_clock()` is the machine's busy CPU seconds
    (`timing.machine_busy_seconds` unless given).
    """
    for i in range(policy.warmup_runs):
        if prepare is not None:
            prepare(-1 - i)
        student.call(run, *args_for(-1 - i))
    window = _Window(student, run, args_for, threads, check, prepare, policy,
                     busy_clock or machine_busy_seconds, canary)
    timing = window.batch()
    if timing.cv > policy.unsteady_cv or timing.canary_slow:
        timing = min(timing, window.batch(), key=lambda t: t.median)
        timing.retimed = True
    if at_speed is not None and not at_speed():
        timing = min(timing, window.batch(), key=lambda t: t.median)
        timing.retimed = True
        timing.slowed = not at_speed()
    if timing.canary_slow:
        timing.slowed = True
        timing.slow_reason = timing.slow_reason or (
            f"numpy's own SGEMM, timed between your runs, ran at {100 * timing.canary:.0f}% of "
            "its best in this grading: the machine's caches were slow (a busy host?)")
    # The busy clock counts in clock ticks: over a short window its share is mostly rounding.
    if window.elapsed >= policy.min_busy_window_s:
        timing.others_share = max(window.others, 0.0) / (window.elapsed * (os.cpu_count() or 1))
    if timing.descheduled:
        timing.others_share = max(timing.others_share, policy.busy_share + 0.01)
    return timing


@dataclass
class _Window:
    """The timed runs of one benchmark: how to make one, and, over all of them, the CPU
    seconds other processes used, the runs' wall time, and how many runs there were (each
    run's number picks its inputs, so no two runs share them)."""

    student: TimedCalls
    run: Any
    args_for: Callable[[int], tuple]
    threads: int
    check: Callable[[int], None]
    prepare: Callable[[int], None] | None
    policy: TimingPolicy
    busy_clock: Callable[[], float]
    canary: CacheCanary | None = None
    others: float = 0.0
    elapsed: float = 0.0
    runs: int = 0

    def batch(self) -> Timing:
        """`timed_runs` clean runs, plus re-runs of descheduled ones."""
        policy = self.policy
        samples: list[tuple[float, float, bool]] = []
        canary_rates: list[float] = []
        while (sum(not s[2] for s in samples) < policy.timed_runs
               and len(samples) < policy.timed_runs + policy.max_extra_runs):
            if self.canary is not None:
                canary_rates.append(self.canary.measure())
            samples.append(self._one_run())
        clean = [s for s in samples if not s[2]]
        kept = clean if len(clean) >= policy.min_clean_runs else samples
        canary = (statistics.median(canary_rates) / self.canary.best
                  if self.canary is not None and self.canary.best > 0 else 1.0)
        return Timing(wall=[s[0] for s in kept], cpu=[s[1] for s in kept],
                      discarded=len(samples) - len(kept),
                      descheduled=len(clean) < policy.min_clean_runs, canary=canary,
                      policy=policy)

    def _one_run(self) -> tuple[float, float, bool]:
        """(wall, CPU, descheduled) of the next run, its output checked."""
        i = self.runs
        self.runs += 1
        if self.prepare is not None:
            self.prepare(i)
        busy_before = self.busy_clock()
        timed = self.student.call_timed(self.run, *self.args_for(i))
        busy_after = self.busy_clock()
        # Not clipped per run: the busy clock counts whole ticks, so a run's share errs both
        # ways, and clipping each at 0 would add up the errors into a phantom load.
        self.others += busy_after - busy_before - timed.cpu_s
        self.elapsed += timed.wall_s
        self.check(i)
        limit = self.policy.descheduled * timed.cpu_s + self.policy.descheduled_slack_s
        return timed.wall_s, timed.cpu_s, self.threads == 1 and timed.wall_s > limit


@dataclass
class StageScore:
    """What a performance test reports: achieved rate, its fraction of the roof, the credit."""

    name: str
    rate: float
    unit: str
    roof: float
    fraction: float
    credit: float
    timing: Timing
    intensity: float
    threads: int
    #: Why the rate is per core (a single-thread stage that used several), else "".
    per_core: str = ""

    def plot_point(self) -> PlotPoint:
        """Where the kernel sits on the roofline plot: a memory-bound kernel graded in GB/s
        at the GFLOP/s that bandwidth carries (GB/s x FLOP/byte)."""
        gflops = self.rate if self.unit == "gflops" else self.rate * self.intensity
        return PlotPoint(self.name, self.intensity, gflops, self.threads)


def per_core(rate: float, timing: Timing, threads: int, kernel: str) -> tuple[float, str]:
    """The rate a single-thread stage is graded on, and why, in one line ("" when as timed).

    A single-thread stage is divided by one core's roof; one whose runs kept more than
    `single_thread_cores` cores busy (and used more CPU than wall-clock time by over
    `single_thread_extra_cpu_s`, beyond tick rounding) started threads of its own, and is graded
    on its rate per CPU-second (the wall-clock rate divided by the cores it used), so threads
    earn it nothing.
    Multi-thread stages (`threads` > 1) are graded as timed.
    """
    cores, policy = timing.cores, timing.policy
    extra = sum(timing.cpu) - sum(timing.wall)
    if (threads != 1 or cores <= policy.single_thread_cores
            or extra <= policy.single_thread_extra_cpu_s):
        return rate, ""
    return rate / cores, (f"{kernel} used {cores:.1f} cores; single-thread stages are graded "
                          "per core: use threads in `parallel`")


def grade_rate(name: str, rate: float, unit: str, roof_key: str, spec: dict, roofline: Roofline,
               timing: Timing, intensity: float, threads: int,
               record_benchmark: Callable[..., None], partial_credit: Callable[[float, str], None],
               blend_credit: float | None = None, kernel: str = "",
               limit_credit: float | None = None, limit_detail: str = "") -> StageScore:
    """Turn an achieved rate into partial credit between the manifest's floor and target.

    `blend_credit`, a second criterion's credit, is averaged with it (each half the points);
    `limit_credit`, what the stage's own technique earned (`limit_detail` says how), caps it:
    the lower of the two counts.

    A single-thread rate is first taken per core when the kernel used several (`per_core`;
    `kernel` names it in the report, `name` by default): the rate recorded, plotted and graded
    is then the per-CPU-second one, and the report's line starts with why."""
    timed_rate = rate
    rate, why_per_core = per_core(rate, timing, threads, kernel or name)
    roof = roofline.best(roof_key)
    fraction = rate / roof
    if unit == "gflops" and fraction > timing.policy.above_roof:
        # Nothing computes faster than the FMA peak: it was measured while the machine lagged.
        # (Bandwidth roofs are not bounds: a kernel can stream faster than STREAM's triad.)
        timing.slowed = True
    credit = fraction_between(fraction, spec["floor"], spec["target"])
    if blend_credit is not None:  # two criteria, each half: one disturbed figure costs half
        credit = (credit + blend_credit) / 2
    if limit_credit is not None:  # a fast rate without the stage's technique earns no more
        credit = min(credit, limit_credit)
    record_benchmark(name, **{unit: round(rate, 2), "FLOP/byte": round(intensity, 3),
                              "% of roof": round(100 * fraction, 1),
                              "floor %": 100 * spec["floor"], "target %": 100 * spec["target"],
                              "credit": round(credit, 3), "runs": len(timing.wall),
                              "discarded": timing.discarded, "cv %": round(100 * timing.cv, 1),
                              "cpu/wall": round(timing.cores, 2),
                              "per core": bool(why_per_core),
                              "others %": round(100 * timing.others_share, 1),
                              "canary %": round(100 * timing.canary, 1),
                              "busy": timing.busy})
    units = "GFLOP/s" if unit == "gflops" else "GB/s"
    detail = (f"{why_per_core} — {timed_rate:.1f} {units} as timed, {rate:.1f} {units} per core"
              if why_per_core else f"{rate:.1f} {units}")
    detail += (f" = {100 * fraction:.0f}% of the measured roof ({roof:.1f}); floor "
               f"{100 * spec['floor']:.0f}%, target {100 * spec['target']:.0f}%")
    if limit_detail:
        detail += f"; {limit_detail}"
    if timing.retimed:
        detail += ("; timed again (unsteady runs, a slowed machine, or short of its target), "
                   "the fastest timing counts")
    if timing.slowed:
        why = timing.slow_reason or ("the machine's speed changed while grading (its roofline "
                                     "probe and this timing disagree; a busy host?)")
        detail += f" — {why}: re-run grading on a quieter machine"
    elif timing.busy:
        detail += (f" — the machine was busy ({100 * timing.others_share:.0f}% used by other "
                   "processes): re-run grading on a quieter machine")
    partial_credit(credit, detail)
    return StageScore(name, rate, unit, roof, fraction, credit, timing, intensity, threads,
                      why_per_core)


