"""Timing policy at work: `time_runs` against a fake student whose runs are made up, and the
CPU clocks the judge reads a worker's time from."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from autograder.judge.benchmark import (
    CacheCanary,
    Timing,
    grade_rate,
    per_core,
    short_of,
    time_runs,
    until_on_target,
)
from autograder.judge.client import Timed
from autograder.judge.timing import (
    POLICY,
    Figure,
    Roofline,
    machine_busy_seconds,
    process_cpu_seconds,
)

CPUS = os.cpu_count() or 1


@dataclass
class Run:
    """One made-up timed run: its wall and CPU seconds, and the CPU seconds other processes
    used meanwhile (as a share of the whole machine over the run's wall time)."""

    wall: float
    cpu: float | None = None
    others_share: float = 0.0


@dataclass
class FakeStudent:
    """A student whose timed runs take what `runs` says, in order; it advances a fake
    machine-wide busy clock by its own CPU time and the other processes' share."""

    runs: Iterator[Run]
    calls: list[tuple] = field(default_factory=list)
    timed: int = 0
    busy: float = 0.0

    def call(self, probe: Any, *args: Any) -> None:
        """An untimed call (warm-up)."""
        self.calls.append((probe, *args))

    def call_timed(self, probe: Any, *args: Any) -> Timed:
        """The next made-up run."""
        run = next(self.runs)
        cpu = run.wall if run.cpu is None else run.cpu
        self.timed += 1
        self.busy += cpu + run.others_share * run.wall * CPUS
        return Timed(None, run.wall, cpu)

    def clock(self) -> float:
        """The machine's busy CPU seconds so far."""
        return self.busy


def timed(runs: list[Run], threads: int = 1, at_speed: Callable[[], bool] | None = None,
          canary: CacheCanary | None = None) -> tuple[Timing, FakeStudent, list[int]]:
    """`time_runs` on the fake student; also the run numbers `check` saw."""
    student = FakeStudent(iter(runs))
    checked: list[int] = []
    timing = time_runs(student, "probe", lambda i: (i,), threads, checked.append,
                       at_speed=at_speed, busy_clock=student.clock, canary=canary)
    return timing, student, checked


class FakeCanary(CacheCanary):
    """A cache canary whose rates are made up, in order (its best kept as the real one's)."""

    def __init__(self, rates: list[float]) -> None:
        self.rates, self.best = iter(rates), 0.0

    def measure(self) -> float:
        """The next made-up rate."""
        rate = next(self.rates)
        self.best = max(self.best, rate)
        return rate


def steady(n: int, wall: float = 0.1, **kw: Any) -> list[Run]:
    """n runs of about `wall` seconds, varying by under 1%."""
    return [Run(wall * (1 + 0.002 * (i % 3)), **kw) for i in range(n)]


def test_quiet_machine_steady_runs_are_timed_once() -> None:
    """Warm-up untimed, five checked runs, their median; nothing discarded, nothing flagged."""
    timing, student, checked = timed(steady(5))
    assert student.calls == [("probe", -1)]  # the warm-up, numbered below the timed runs
    assert checked == [0, 1, 2, 3, 4] and student.timed == POLICY.timed_runs
    assert timing.median == pytest.approx(0.1002)
    assert (timing.discarded, timing.retimed, timing.descheduled, timing.busy) == (0, False,
                                                                                  False, False)
    assert timing.others_share == pytest.approx(0.0)


def test_descheduled_runs_are_repeated_and_dropped() -> None:
    """Single-thread runs whose wall time is twice their CPU time lost their core: repeated,
    and the median is the clean runs'."""
    runs = [Run(0.1), Run(0.2, cpu=0.1), Run(0.1), Run(0.3, cpu=0.1), Run(0.1), Run(0.1),
            Run(0.1)]
    timing, student, checked = timed(runs)
    assert student.timed == 7 and checked == list(range(7))
    assert timing.discarded == 2 and timing.wall == [0.1] * 5
    assert not timing.descheduled and not timing.busy


def test_multi_thread_runs_are_not_judged_descheduled() -> None:
    """A multi-thread kernel's wall time is not compared with its CPU time."""
    timing, student, _ = timed([Run(0.1, cpu=0.02)] * 5, threads=2)
    assert student.timed == 5 and timing.discarded == 0 and not timing.busy


def test_mostly_descheduled_runs_flag_the_machine_busy() -> None:
    """Too few clean runs among the most allowed: every run counts and the timing is busy."""
    limit = POLICY.timed_runs + POLICY.max_extra_runs
    clean = POLICY.min_clean_runs - 1
    timing, student, _ = timed([Run(0.2)] * clean + [Run(0.2, cpu=0.1)] * (limit - clean))
    assert student.timed == limit
    assert timing.descheduled and timing.busy and len(timing.wall) == limit
    assert timing.discarded == 0 and timing.median == pytest.approx(0.2)
    assert timing.others_share > POLICY.busy_share


def test_unsteady_batch_is_timed_again_and_the_faster_counts() -> None:
    """A batch varying by over 10% is timed again; the faster batch's median counts."""
    unsteady = [Run(w) for w in (0.1, 0.15, 0.1, 0.2, 0.1)]
    timing, student, checked = timed(unsteady + steady(5, wall=0.09))
    assert student.timed == 10 and checked == list(range(10))  # fresh inputs for each run
    assert timing.retimed and timing.median == pytest.approx(0.09018)
    timing, _, _ = timed(unsteady + steady(5, wall=0.5))  # the retimed batch was slower
    assert timing.retimed and timing.median == pytest.approx(0.1)


def test_slightly_varying_batch_is_not_retimed() -> None:
    """A batch within the policy's variation is timed once."""
    runs = [Run(w) for w in (0.1, 0.105, 0.095, 0.1, 0.1)]
    assert statistics.pstdev([r.wall for r in runs]) / 0.1 < POLICY.unsteady_cv
    timing, student, _ = timed(runs + steady(5, wall=0.01))
    assert student.timed == 5 and not timing.retimed and timing.median == pytest.approx(0.1)


def test_slowed_machine_is_retimed_then_flagged() -> None:
    """The roof re-measured low after timing: retimed; still low after that: flagged busy."""
    answers = iter([False, True])
    timing, student, _ = timed(steady(10), at_speed=lambda: next(answers))
    assert student.timed == 10 and timing.retimed and not timing.slowed and not timing.busy
    timing, _, _ = timed(steady(10), at_speed=lambda: False)
    assert timing.retimed and timing.slowed and timing.busy


def test_a_slow_cache_canary_retimes_then_flags_the_batch() -> None:
    """The canary (numpy's SGEMM between the runs) at its best: timed once. Slow during the
    first batch only: timed again, the faster batch counts, not flagged. Slow throughout (below
    its best earlier in the grading): timed again and flagged busy, with the reason."""
    timing, student, _ = timed(steady(5), canary=FakeCanary([100.0] * 5))
    assert student.timed == 5 and timing.canary == 1.0 and not timing.retimed
    slow = 100 * (1 - POLICY.canary_slowdown) - 5
    first_slow = FakeCanary([100.0] + [slow] * 5 + [100.0] * 5)
    first_slow.measure()  # a run of an earlier test, at full speed
    timing, student, _ = timed([Run(0.2)] * 5 + steady(5), canary=first_slow)
    assert student.timed == 10 and timing.retimed and timing.median == pytest.approx(0.1002)
    assert timing.canary == 1.0 and not timing.slowed and not timing.busy
    always_slow = FakeCanary([100.0] + [slow] * 10)
    always_slow.measure()
    timing, _, _ = timed(steady(10), canary=always_slow)
    assert timing.retimed and timing.canary_slow and timing.slowed and timing.busy
    assert timing.slow_reason.startswith(f"numpy's own SGEMM, timed between your runs, ran at "
                                         f"{slow:.0f}% of its best")


def test_the_real_cache_canary_measures_numpy() -> None:
    """The canary times numpy's SGEMM and keeps its best rate."""
    canary = CacheCanary(n=64)
    rates = [canary.measure() for _ in range(3)]
    assert all(rate > 0 for rate in rates) and canary.best == max(rates)


def test_a_rate_short_of_its_target_is_measured_again() -> None:
    """Short of the target (but not hopeless): measured again, up to the policy's attempts,
    stopping at the first that reaches it."""
    assert short_of(60.0, 100.0, 0.75) and not short_of(80.0, 100.0, 0.75)
    assert not short_of(30.0, 100.0, 0.75)  # under half the target: the kernel, not the host
    rates = iter([60.0, 70.0, 80.0, 90.0])
    policy = replace(POLICY, short_pause_s=0.0)
    got = until_on_target(lambda: next(rates), lambda r: short_of(r, 100.0, 0.75), policy)
    assert got == [60.0, 70.0, 80.0]
    rates = iter([60.0] * 5)
    got = until_on_target(lambda: next(rates), lambda r: short_of(r, 100.0, 0.75), policy)
    assert got == [60.0] * POLICY.short_attempts


def test_other_processes_flag_a_busy_machine() -> None:
    """Other processes using half the machine during the runs: the timing is flagged busy."""
    timing, _, _ = timed(steady(5, others_share=0.5))
    assert timing.others_share == pytest.approx(0.5, abs=0.01) and timing.busy
    timing, _, _ = timed(steady(5, others_share=0.05))
    assert not timing.busy


def test_busy_share_is_not_judged_over_a_short_window() -> None:
    """Over less than the policy's window, tick-counted shares are rounding: not judged."""
    timing, _, _ = timed(steady(5, wall=0.01, others_share=0.5))
    assert 5 * 0.01 < POLICY.min_busy_window_s
    assert timing.others_share == 0.0 and not timing.busy


def test_grade_rate_flags_a_rate_above_the_roof_and_explains_busy() -> None:
    """Above the FMA peak, the peak was measured low: flagged; a busy timing says re-run."""
    roof = Roofline("cpu", "avx2", 2, {"peak_gflops_1_thread": Figure(100.0, 0.0, (100.0,))})
    spec = {"floor": 0.5, "target": 0.75, "roof": "peak_gflops_1_thread"}
    credits: list[tuple[float, str]] = []
    rows: list[dict] = []

    def grade(rate: float, timing: Timing) -> Any:
        return grade_rate("k", rate, "gflops", spec["roof"], spec, roof, timing, 1.0, 1,
                          lambda name, **row: rows.append(row),
                          lambda credit, detail: credits.append((credit, detail)))

    score = grade(62.5, Timing(wall=[0.1], cpu=[0.1]))
    assert score.credit == pytest.approx(0.5) and "re-run" not in credits[-1][1]
    assert score.plot_point() is not None and score.plot_point().gflops == 62.5
    grade(120.0, timing := Timing(wall=[0.1], cpu=[0.1]))
    assert timing.slowed and rows[-1]["busy"] and "re-run" in credits[-1][1]
    grade(62.5, Timing(wall=[0.1], cpu=[0.1], others_share=0.3))
    assert "busy (30% used by other processes)" in credits[-1][1]


# -- single-thread stages that start threads -------------------------------------------------
def graded(runs: list[Run], threads: int = 1, flop: float = 2e9) -> tuple[Any, str, dict]:
    """A kernel of `flop` FLOP timed on the fake student and graded against a 1-thread roof of
    100 GFLOP/s (floor 20%, target 60%): its score, the report's line and the table's row."""
    roof = Roofline("cpu", "avx2", 2, {"peak_gflops_1_thread": Figure(100.0, 0.0, (100.0,))})
    spec = {"floor": 0.2, "target": 0.6, "roof": "peak_gflops_1_thread"}
    timing, _, _ = timed(runs, threads=threads)
    lines: list[str] = []
    rows: list[dict] = []
    score = grade_rate("sgemm simd n=1024", flop / timing.median / 1e9, "gflops", spec["roof"],
                       spec, roof, timing, 1.0, threads, lambda name, **row: rows.append(row),
                       lambda credit, detail: lines.append(detail), kernel="sgemm_simd")
    return score, lines[-1], rows[-1]


def test_single_thread_stage_on_two_threads_is_graded_per_core() -> None:
    """The same work on two threads (half the wall time, the same CPU time) earns what it earns
    on one: graded per CPU-second, and the report's line starts with why."""
    one, one_line, one_row = graded(steady(5, wall=0.05))  # 40 GFLOP/s on one core
    two, line, row = graded(steady(5, wall=0.026, cpu=0.05))  # 76.8 GFLOP/s on 1.9 cores
    assert one.per_core == "" and not one_row["per core"] and one_row["cpu/wall"] == 1.0
    assert "per core" not in one_line and one_line.startswith("39.9 GFLOP/s = 40% of")
    assert line.startswith("sgemm_simd used 1.9 cores; single-thread stages are graded per "
                           "core: use threads in `parallel` — 76.8 GFLOP/s as timed, ")
    assert two.per_core == line.split(" — ")[0] and row["per core"] and row["cpu/wall"] == 1.92
    assert two.rate == pytest.approx(2e9 / 0.05 / 1e9, rel=0.01)  # FLOP per CPU-second
    assert row["gflops"] == round(two.rate, 2) and two.plot_point().gflops == two.rate
    assert two.credit == pytest.approx(one.credit, abs=0.01)  # ~0.5 both: no gain from threads


def test_per_core_margin_and_multi_thread_stages() -> None:
    """Up to `single_thread_cores` (a single thread plus noise) a rate is graded as timed;
    above it, per core; a multi-thread stage is always graded as timed."""
    margin = POLICY.single_thread_cores
    below = Timing(wall=[0.1] * 5, cpu=[0.1 * (margin - 0.01)] * 5)
    above = Timing(wall=[0.1] * 5, cpu=[0.1 * (margin + 0.01)] * 5)
    assert per_core(50.0, below, 1, "k") == (50.0, "")
    rate, why = per_core(50.0, above, 1, "sgemm_blocked")
    assert rate == pytest.approx(50.0 / (margin + 0.01))
    assert why.startswith(f"sgemm_blocked used {margin + 0.01:.1f} cores")
    assert per_core(50.0, above, 2, "sgemm_parallel") == (50.0, "")
    ticks = Timing(wall=[0.004] * 5, cpu=[0.004, 0.004, 0.014, 0.004, 0.004])  # one tick more
    assert ticks.cores > margin and per_core(50.0, ticks, 1, "saxpy") == (50.0, "")
    _, line, row = graded([Run(0.05, cpu=0.1)] * 5, threads=2)
    assert "per core" not in line and not row["per core"] and row["cpu/wall"] == 2.0


def test_a_technique_credit_caps_the_speed_credit() -> None:
    """`limit_credit` (what the stage's own technique earned) caps the rate's credit and its
    sentence joins the report's line; a blended criterion is averaged instead."""
    roof = Roofline("cpu", "avx2", 2, {"peak_gflops_1_thread": Figure(100.0, 0.0, (100.0,))})
    spec = {"floor": 0.2, "target": 0.6, "roof": "peak_gflops_1_thread"}
    lines: list[tuple[float, str]] = []

    def grade(**kw: Any) -> Any:
        return grade_rate("k", 80.0, "gflops", spec["roof"], spec, roof,
                          Timing(wall=[0.1], cpu=[0.1]), 1.0, 1, lambda name, **row: None,
                          lambda credit, detail: lines.append((credit, detail)), **kw)

    assert grade().credit == 1.0
    score = grade(limit_credit=0.1, limit_detail="0.95x your reordered stage timed with it")
    assert score.credit == pytest.approx(0.1) and lines[-1][0] == pytest.approx(0.1)
    assert lines[-1][1].endswith("; 0.95x your reordered stage timed with it")
    assert grade(limit_credit=1.0).credit == 1.0
    assert grade(blend_credit=0.0, limit_credit=0.8).credit == pytest.approx(0.5)


def test_handout_states_the_per_core_margin() -> None:
    """The level 0 handout gives students the policy's margin, next to each single-thread
    stage's roof."""
    readme = (Path(__file__).resolve().parents[1] / "assignments/level0/README.md").read_text()
    assert f"kept more than {POLICY.single_thread_cores:g} cores" in readme.replace("\n   ", " ")
    table = readme[readme.index("| stage | size | roof |"):]
    for stage in ("saxpy", "sgemv", "reordered", "blocked", "microkernel", "simd"):
        row = table[table.index(f"| `{stage}` |"):].split("\n")[0]
        assert "per core" in row, row


def test_cores_pool_the_batch_so_tick_rounding_evens_out() -> None:
    """A thread that exits within a run is counted in 10 ms ticks: one run reads 1.5 cores,
    the next 2.5; over the batch the kernel used 2."""
    timing = Timing(wall=[0.02] * 4, cpu=[0.03, 0.05, 0.03, 0.05])
    assert timing.cores == pytest.approx(2.0)
    assert Timing().cores == 0.0


# -- CPU clocks ------------------------------------------------------------------------------
_SPINNER = """
import sys, threading, time
def spin(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
for line in sys.stdin:
    seconds, in_thread = line.split()
    if in_thread == "1":
        worker = threading.Thread(target=spin, args=(float(seconds),))
        worker.start()
        worker.join()
    else:
        spin(float(seconds))
    print("ok", flush=True)
"""


@pytest.fixture
def spinner() -> Iterator[Callable[[float, bool], float]]:
    """`spin(seconds, in_thread)`: a child process burns that much CPU (in its main thread or
    in a thread that exits afterwards); the judge's reading of its CPU time is returned."""
    child = subprocess.Popen([sys.executable, "-c", _SPINNER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None

    def spin(seconds: float, in_thread: bool) -> float:
        before = process_cpu_seconds(child.pid)
        child.stdin.write(f"{seconds} {int(in_thread)}\n")
        child.stdin.flush()
        child.stdout.readline()
        return process_cpu_seconds(child.pid) - before

    time.sleep(0.2)  # let the interpreter start
    spin(0.001, False)
    yield spin
    child.kill()
    child.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="schedstat is Linux's")
def test_a_5_ms_kernel_reads_5_ms(spinner: Callable[[float, bool], float]) -> None:
    """A live thread's CPU time is read to well under a millisecond (clock ticks would read a
    5 ms kernel as 0 or 10 ms)."""
    readings = [spinner(0.005, False) for _ in range(7)]
    assert statistics.median(readings) == pytest.approx(0.005, abs=0.001)


def test_threads_that_exited_are_counted(spinner: Callable[[float, bool], float]) -> None:
    """CPU time of a thread the kernel started and joined is counted (at tick precision)."""
    readings = [spinner(0.1, True) for _ in range(3)]
    assert statistics.median(readings) == pytest.approx(0.1, abs=0.025)


def test_no_such_process_reads_zero() -> None:
    """A worker not started yet (pid -1) or gone reads 0 CPU seconds."""
    assert process_cpu_seconds(-1) == 0.0
    assert process_cpu_seconds(2**22 + 7) == 0.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_machine_busy_seconds_are_proc_stats() -> None:
    """psutil's machine-wide busy time is /proc/stat's busy ticks (user..steal less idle and
    iowait), read in between two readings of it."""
    def proc_stat() -> float:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
        return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")

    before = proc_stat()
    busy = machine_busy_seconds()
    assert before - 1e-6 <= busy <= proc_stat() + 1e-6
