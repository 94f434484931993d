"""Timing in one room: the noise policy, the roofline a run is graded against, and CPU clocks.

Every margin the kit uses to tell a student's slow kernel from a disturbed machine is a field
of `TimingPolicy` (one frozen object, `POLICY`); the roofline is a `Roofline` value, not a
dict; CPU times are read through psutil, except a live thread's run time on Linux, which comes
from its schedstat in nanoseconds: psutil reports CPU times in clock ticks (10 ms at the usual
100 Hz), and a 5 ms kernel then reads as 0 or 10 ms, so every one of its runs would look
descheduled.

The policy is a dataclass rather than a manifest table because these margins belong to the
way the kit measures a machine, not to what a level teaches: every level that times code
shares them, while a level's floors and targets stay in its manifest's `[thresholds]`.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

#: The figures the roofline probe measures, as the manifests' `roof = "..."` name them.
ROOF_KEYS = ("peak_gflops_1_thread", "peak_gflops_all_threads", "triad_gbs_1_thread",
             "triad_gbs_all_threads")


@dataclass(frozen=True)
class TimingPolicy:
    """Every noise margin of the kit's benchmarks, with why it has the value it has."""

    #: Untimed calls before the timed ones (page faults, caches, lazy initialisation).
    warmup_runs: int = 1
    #: Clean runs a batch needs; their median is the kernel's time.
    timed_runs: int = 5
    #: Descheduled runs repeated at most, on top of `timed_runs`.
    max_extra_runs: int = 4
    #: Fewer clean runs than this: every run counts and the timing is flagged busy.
    min_clean_runs: int = 3
    #: A single-thread run whose wall time exceeds this x its CPU time lost its core.
    descheduled: float = 1.25
    #: Wall-clock slack on top of that ratio (the round trip to the worker).
    descheduled_slack_s: float = 0.0005
    #: A batch whose runs vary more than this (coefficient of variation) is timed again.
    unsteady_cv: float = 0.10
    #: Other processes' share of the machine above this: the timing is flagged busy.
    busy_share: float = 0.10
    #: Seconds of timed runs needed before that share is judged (/proc/stat counts in ticks:
    #: over a shorter window the share is mostly rounding).
    min_busy_window_s: float = 0.3
    #: FLOP/s above this fraction of the FMA peak: the peak was measured while the machine
    #: lagged (nothing computes faster than the peak).
    above_roof: float = 1.05
    #: The probe run again right after a timing reaching less than (1 - this) x the run's roof:
    #: the machine slowed during the timing.
    slowdown: float = 0.10
    #: All-thread peak below this x (cores x 1-thread peak): the threads did not get their cores.
    min_core_scaling: float = 0.75
    #: A roofline figure varying more than this between samples: the machine was busy.
    roofline_noisy_cv: float = 0.15
    #: Samples per figure of the run's roofline, and of each re-measurement.
    roofline_repeats: int = 5
    recheck_repeats: int = 3
    #: A rate (or speed-up) short of its target is measured again, up to this many times in
    #: all, `short_pause_s` apart, and the fastest measurement counts: on a virtual machine the
    #: host's other guests can slow this core's caches for seconds at a time while the FMA
    #: probe, whose operands stay in registers, reads full speed. Measured (2-vCPU AMD EPYC,
    #: Zen 3, a minute of back-to-back timings, 2026-12-07): the reference `simd` ranged 49-90
    #: GFLOP/s and numpy's own SGEMM 60-93, while the FMA peak varied by 0.3%.
    short_attempts: int = 3
    short_pause_s: float = 1.0
    #: ...unless it reached less than this share of its target: no slow spell seen took the
    #: reference below 0.55 x its speed on a quiet machine.
    short_hopeless: float = 0.5
    #: A batch during which the cache canary (numpy's SGEMM, timed between the runs) ran below
    #: (1 - this) x its best in the grading was timed while the caches were slow: timed again,
    #: and flagged when the canary stays low.
    canary_slowdown: float = 0.12
    #: The canary's size: its operands (3 MiB) outgrow L2, as a graded SGEMM's do.
    canary_n: int = 512
    #: A single-thread stage whose runs kept more than this many cores busy (CPU seconds per
    #: wall-clock second over its timed runs) started threads of its own: it is graded per core
    #: (FLOP per CPU-second), as the 1-thread roof it is divided by is one core's. Measured
    #: (2 CPUs, 5 gradings): a single thread reads 0.92-1.00 (the judge's clock also times the
    #: round trip to the worker), 0.45-0.55 when another process shares its core; a kernel on
    #: two threads 1.94 on a quiet machine, 1.17 when the second core was taken, 0.5-0.9 when
    #: both were: then it also ran no faster than on one thread.
    single_thread_cores: float = 1.3
    #: ...and whose CPU time exceeded its wall time by more than this over the batch: threads
    #: that end within a run are counted in clock ticks (10 ms), so a few runs of a 5 ms kernel
    #: can read one tick too many without any thread of their own.
    single_thread_extra_cpu_s: float = 0.02


POLICY = TimingPolicy()


@dataclass(frozen=True)
class Figure:
    """One roofline figure: its samples, their median and coefficient of variation."""

    median: float
    cv: float = 0.0
    samples: tuple[float, ...] = ()

    @property
    def best(self) -> float:
        """The best sample. Noise only ever slows a probe down (nothing makes an FMA loop
        faster than the hardware), so the best sample is the closest to the machine's roof,
        as STREAM reports its best rate."""
        return max(self.samples or (self.median,))

    @classmethod
    def pooled(cls, figures: list[Figure]) -> Figure:
        """Several measurements of one figure as one: their samples pooled."""
        samples = tuple(x for figure in figures for x in figure.samples)
        if not samples:
            return figures[0]
        mean = statistics.fmean(samples)
        return cls(median=sorted(samples)[len(samples) // 2],
                   cv=statistics.pstdev(samples) / mean if mean else 0.0, samples=samples)


@dataclass(frozen=True)
class Roofline:
    """This machine's roofline as the kit's probe measured it: FMA peaks and STREAM triad
    bandwidths, for one thread and for all threads."""

    cpu_model: str
    isa: str
    threads: int
    figures: Mapping[str, Figure]
    #: The probe's other output (repeats, array size, run time), kept for `--json`.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Roofline:
        """The roofline from the probe's JSON."""
        figures = {key: Figure(float(value["median"]), float(value.get("cv", 0.0)),
                               tuple(float(x) for x in value.get("samples") or ()))
                   for key, value in data.items()
                   if isinstance(value, Mapping) and "median" in value}
        extra = {key: value for key, value in data.items()
                 if key not in figures and key not in ("cpu_model", "isa", "threads")}
        return cls(str(data.get("cpu_model", "unknown")), str(data.get("isa", "unknown")),
                   int(data.get("threads", 1)), figures, extra)

    def to_json(self) -> dict[str, Any]:
        """The roofline in the probe's JSON shape."""
        figures = {key: {"median": f.median, "cv": f.cv, "samples": list(f.samples)}
                   for key, f in self.figures.items()}
        return {"cpu_model": self.cpu_model, "isa": self.isa, "threads": self.threads,
                **self.extra, **figures}

    def best(self, key: str) -> float:
        """The roof `key` (one of `ROOF_KEYS`): its figure's best sample."""
        return self.figures[key].best

    def merged(self, *others: Roofline) -> Roofline:
        """This roofline and re-measurements as one: each figure's samples pooled."""
        figures = {key: Figure.pooled([figure, *(o.figures[key] for o in others
                                                 if key in o.figures)])
                   for key, figure in self.figures.items()}
        return Roofline(self.cpu_model, self.isa, self.threads, figures, self.extra)

    def noisy(self, policy: TimingPolicy = POLICY) -> list[str]:
        """The figures whose samples varied more than the policy allows."""
        return [key for key, figure in self.figures.items() if figure.cv > policy.roofline_noisy_cv]


@dataclass(frozen=True)
class PlotPoint:
    """A timed kernel on the roofline plot."""

    name: str
    intensity: float  # FLOP per byte of compulsory traffic
    gflops: float
    threads: int


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot: every state but idle and iowait
    (psutil reads Linux's /proc/stat, the same ticks, in seconds). Guest time is left out, as
    Linux already counts it in user time."""
    times = psutil.cpu_times()
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return sum(times) - guest - times.idle - getattr(times, "iowait", 0.0)


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds process `pid` has run, all its threads, as another process sees it.

    Live threads count at nanosecond precision (`_thread_seconds`), threads that already
    exited at clock-tick precision: the process's time minus its live threads' ticks. A kernel
    that starts its own threads for each call is thus counted whole. Threads are read before
    the process, so a thread that exits in between is counted once, and one that starts in
    between at tick precision. 0.0 when there is no such process.
    """
    try:
        process = psutil.Process(pid)
        threads = process.threads()
        live, live_ticks = 0.0, 0.0
        for thread in threads:
            seconds = _thread_seconds(pid, thread)
            if seconds is None:
                continue  # exited meanwhile: its time is in the process's
            live += seconds
            live_ticks += thread.user_time + thread.system_time
        times = process.cpu_times()
    except (psutil.Error, ValueError, OSError):
        return 0.0
    return live + max(times.user + times.system - live_ticks, 0.0)


def _thread_seconds(pid: int, thread: Any) -> float | None:
    """A live thread's CPU seconds: on Linux its schedstat's nanoseconds on a CPU, since
    psutil's per-thread times are clock ticks (a 5 ms kernel reads as 0 or 10 ms; measured:
    error -5..+15 ms per 5 ms run, schedstat +0.02 ms); elsewhere psutil's own, which macOS
    gives in microseconds. None when the thread exited."""
    if not sys.platform.startswith("linux"):
        return thread.user_time + thread.system_time
    try:
        return int(Path(f"/proc/{pid}/task/{thread.id}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
