"""Fair timing of student kernels, judged by the judge's own clock and the kernel's /proc.

Each benchmark is a worker call per run, after warm-up, with the worker's CPU time read from
/proc. A single-thread run that was descheduled (wall time well above CPU time) is discarded
and repeated; the CPU time other processes used during each run is measured from /proc/stat,
and a busy machine is reported (with advice to re-run) instead of silently graded low.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from typing import Any

from autograder import roofline as roofline_probe
from autograder.judge.api import fraction_between

WARMUP_RUNS = 1
TIMED_RUNS = 5
MAX_EXTRA_RUNS = 4
MIN_CLEAN_RUNS = 3
MIN_BUSY_WINDOW = 0.3  # seconds of timed runs needed before other processes' share is judged
DESCHEDULED = 1.25  # wall / CPU above this: the run lost its core to another process
BUSY_SHARE = 0.10   # other processes' share of the machine above this: results flagged
UNSTEADY_CV = 0.10  # a batch of runs varying more than this is timed again
ABOVE_ROOF = 1.05   # FLOP/s above this fraction of the peak: the peak was measured low
#: Kernels timed in this run, as points for the roofline plot.
PLOT_POINTS: list[dict[str, Any]] = []


def _machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


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

    @property
    def median(self) -> float:
        """Median wall-clock seconds of the accepted runs."""
        return statistics.median(self.wall)

    @property
    def cv(self) -> float:
        """Coefficient of variation of the accepted runs' wall-clock times."""
        return statistics.pstdev(self.wall) / self.median if len(self.wall) > 1 else 0.0

    #: Whether the roofline probe, run right after the timing, found the machine slower than
    #: the roof the rate is divided by (twice: the batch was timed again in between).
    slowed: bool = False
    #: Why the machine is known to have run slow, when a test found a reason of its own.
    slow_reason: str = ""

    @property
    def busy(self) -> bool:
        """Whether other processes used a visible share of the machine meanwhile, or the
        machine itself ran slower than its measured roof."""
        return self.others_share > BUSY_SHARE or self.slowed


def time_runs(student: Any, run: Any, args_for: Any, threads: int, check: Any,
              prepare: Any = None, at_speed: Any = None) -> Timing:
    """Time `run(*args_for(i))` in the worker; `check(i)` verifies run i's output and
    `prepare(i)` sets up its inputs (both untimed).

    Single-thread runs that lost their core (wall > DESCHEDULED x CPU) are repeated, up to
    MAX_EXTRA_RUNS times; if too few clean runs remain, every run counts and the timing is
    marked busy, so the report advises a re-run instead of hiding the disturbance. A batch
    whose runs vary by more than UNSTEADY_CV is timed again and the faster batch counts: on a
    virtual machine a core can run at half speed for a second without any process of this
    machine being the cause (seen: a 2-thread kernel at 108 instead of 197 GFLOP/s, cv 22%).
    Such a slowdown can also last the whole batch, steadily: `at_speed()` (the roofline probe
    run again) tells whether the machine still reaches its roof right after the timing; if not,
    the batch is timed again, the faster batch counts, and if the machine is still slow the
    timing is marked busy.
    """
    for i in range(WARMUP_RUNS):
        if prepare is not None:
            prepare(-1 - i)
        student.call(run, *args_for(-1 - i))
    window = _Window()
    timing = _timed_batch(student, run, args_for, threads, check, prepare, window)
    if timing.cv > UNSTEADY_CV:
        again = _timed_batch(student, run, args_for, threads, check, prepare, window)
        timing = min(timing, again, key=lambda t: t.median)
        timing.retimed = True
    if at_speed is not None and not at_speed():
        again = _timed_batch(student, run, args_for, threads, check, prepare, window)
        timing = min(timing, again, key=lambda t: t.median)
        timing.retimed = True
        timing.slowed = not at_speed()
    # /proc/stat counts in clock ticks: over a short window its share is mostly rounding.
    if window.elapsed >= MIN_BUSY_WINDOW:
        timing.others_share = max(window.others, 0.0) / (window.elapsed * (os.cpu_count() or 1))
    if timing.descheduled:
        timing.others_share = max(timing.others_share, BUSY_SHARE + 0.01)
    return timing


@dataclass
class _Window:
    """CPU seconds other processes used during the timed runs, those runs' wall time, and how
    many runs there were (each run's number picks its inputs, so no two runs share them)."""

    others: float = 0.0
    elapsed: float = 0.0
    runs: int = 0


def _timed_batch(student: Any, run: Any, args_for: Any, threads: int, check: Any,
                 prepare: Any, window: _Window) -> Timing:
    """TIMED_RUNS clean runs, plus re-runs of descheduled ones."""
    tick = os.sysconf("SC_CLK_TCK")
    samples: list[tuple[float, float, bool]] = []
    while (sum(not s[2] for s in samples) < TIMED_RUNS
           and len(samples) < TIMED_RUNS + MAX_EXTRA_RUNS):
        i = window.runs
        window.runs += 1
        if prepare is not None:
            prepare(i)
        busy_before, _ = _machine_busy_ticks()
        timed = student.call_timed(run, *args_for(i))
        busy_after, _ = _machine_busy_ticks()
        # Not clipped per run: /proc/stat counts whole ticks, so a run's share errs both
        # ways, and clipping each at 0 would add up the errors into a phantom load.
        window.others += (busy_after - busy_before) / tick - timed.cpu_s
        window.elapsed += timed.wall_s
        check(i)
        disturbed = threads == 1 and timed.wall_s > DESCHEDULED * timed.cpu_s + 0.0005
        samples.append((timed.wall_s, timed.cpu_s, disturbed))
    clean = [s for s in samples if not s[2]]
    kept = clean if len(clean) >= MIN_CLEAN_RUNS else samples
    return Timing(wall=[s[0] for s in kept], cpu=[s[1] for s in kept],
                  discarded=len(samples) - len(kept), descheduled=len(clean) < MIN_CLEAN_RUNS)


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


def grade_rate(name: str, rate: float, unit: str, roof_key: str, spec: dict, roofline: dict,
               timing: Timing, intensity: float, threads: int, record_benchmark: Any,
               partial_credit: Any, blend_credit: float | None = None) -> StageScore:
    """Turn an achieved rate into partial credit between the manifest's floor and target."""
    roof = roofline_probe.best(roofline, roof_key)
    fraction = rate / roof
    if unit == "gflops" and fraction > ABOVE_ROOF:
        # Nothing computes faster than the FMA peak: it was measured while the machine lagged.
        # (Bandwidth roofs are not bounds: a kernel can stream faster than STREAM's triad.)
        timing.slowed = True
    credit = fraction_between(fraction, spec["floor"], spec["target"])
    if blend_credit is not None:  # two criteria, each half: one disturbed figure costs half
        credit = (credit + blend_credit) / 2
    record_benchmark(name, **{unit: round(rate, 2), "% of roof": round(100 * fraction, 1),
                              "floor %": 100 * spec["floor"], "target %": 100 * spec["target"],
                              "credit": round(credit, 3), "runs": len(timing.wall),
                              "discarded": timing.discarded, "cv %": round(100 * timing.cv, 1),
                              "cpu/wall": round(statistics.median(timing.cpu) / timing.median, 2),
                              "others %": round(100 * timing.others_share, 1),
                              "busy": timing.busy})
    if unit == "gflops":
        PLOT_POINTS.append({"name": name, "intensity": intensity, "gflops": rate,
                        "threads": threads})
    detail = (f"{rate:.1f} {'GFLOP/s' if unit == 'gflops' else 'GB/s'} = "
              f"{100 * fraction:.0f}% of the measured roof ({roof:.1f}); floor "
              f"{100 * spec['floor']:.0f}%, target {100 * spec['target']:.0f}%")
    if timing.retimed:
        detail += ("; timed twice (unsteady runs, a slowed machine or a speed-up short of its "
                   "target), the faster batch counts")
    if timing.slowed:
        why = timing.slow_reason or ("the machine's speed changed while grading (its roofline "
                                     "probe and this timing disagree; a busy host?)")
        detail += f" — {why}: re-run grading on a quieter machine"
    elif timing.busy:
        detail += (f" — the machine was busy ({100 * timing.others_share:.0f}% used by other "
                   "processes): re-run grading on a quieter machine")
    partial_credit(credit, detail)
    return StageScore(name, rate, unit, roof, fraction, credit, timing, intensity, threads)


