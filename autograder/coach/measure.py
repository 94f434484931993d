"""The coach's measurements, made in the sandboxed worker through the kit's level 0 probes.

- `sweep`: GFLOP/s of one SGEMM stage at n = 64 ... 2048 (each call long enough for the judge's
  clock, larger sizes dropped when they would not fit the time budget), with the cores the
  stage kept busy (CPU seconds per wall-clock second) and the share of the CPUs other
  processes used meanwhile.
- `retime`: some sizes of a sweep timed again in turns, to tell a cliff from a slow spell.
- `profile`: `perf record -e cpu-clock` attached to the worker while the stage runs; each sample
  is an address in the library (or elsewhere: Python, numpy, libc).
"""

from __future__ import annotations

import math
import os
import re
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median_high

import numpy as np

from autograder.cases.level0 import fresh_a, sgemm_work
from autograder.coach.machine import tool
from autograder.judge.client import WorkerClient
from autograder.judge.timing import machine_busy_seconds
from autograder.probes import level0 as probes

SIZES = (64, 128, 256, 512, 1024, 2048)
MIN_CALL_S = 0.005  # shorter calls are dominated by the round trip to the worker
MIN_SIZE_S = 0.25  # timed seconds per size
MAX_RUNS = 25
SEED = 4242
MIN_SAMPLES = 30  # fewer samples of the student's code say nothing about its threads
#: A size is started only when a product at a quarter of the previous size's speed fits the
#: budget: falls past a cache reach that (the naive stage's, past the L2: 4.6x on this kit's
#: Zen 4), and one product cannot be cut short.
FALL_ROOM = 4
#: A cliff is timed again before it is named: its two sizes in turns, RETIME_ROUNDS rounds of
#: at least RETIME_TURN_S of products each.
RETIME_ROUNDS = 3
RETIME_TURN_S = 0.05


@dataclass
class Point:
    """One size of the sweep."""

    n: int
    gflops: float  # per wall-clock second, as the grader times it
    cores: float  # CPU seconds per wall-clock second while it ran
    cpu_gflops: float = 0.0  # per CPU-second of the worker: what other processes barely move
    m: int = 0  # rows of A and C (0: n, a square product)
    k: int = 0  # the inner dimension (0: n)

    @property
    def square(self) -> bool:
        """Whether m = n = k."""
        return self.m in (0, self.n) and self.k in (0, self.n)

    @property
    def label(self) -> str:
        """`512` for a square product, `256x4096x4096` (m x n x k) otherwise."""
        return str(self.n) if self.square else f"{self.m}x{self.n}x{self.k}"

    @property
    def shape(self) -> tuple[int, int, int]:
        """(m, n, k), the zeros filled in."""
        return (self.m or self.n, self.n, self.k or self.n)

    @property
    def b_bytes(self) -> int:
        """The bytes of B (k x n floats): what i-k-j streams once per row of C."""
        return 4 * (self.k or self.n) * self.n


@dataclass
class Sweep:
    """A stage's size sweep."""

    points: list[Point] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    others_share: float = 0.0  # of all CPUs, used by other processes during the sweep

    @property
    def squares(self) -> list[Point]:
        """The square sizes (n = 64 ... 2048), without the product beyond the caches."""
        return [p for p in self.points if p.square]

    def at(self, n: int) -> Point | None:
        """The square point at size `n`, if it was measured."""
        return next((p for p in self.squares if p.n == n), None)


def _others_share(busy0: float, own0: float, wall0: float, worker_cpu: float) -> float:
    """CPU share (of all CPUs) that processes other than the coach and its worker used."""
    try:
        busy = machine_busy_seconds() - busy0
    except (OSError, RuntimeError):
        return 0.0
    times = os.times()
    own = times.user + times.system - own0
    wall = max(time.perf_counter() - wall0, 1e-9)
    return max(0.0, (busy - own - worker_cpu) / (wall * (os.cpu_count() or 1)))


def sgemm_flops(shape: tuple[int, int, int]) -> int:
    """The floating-point operations of an (m, n, k) product."""
    m, n, k = shape
    return sgemm_work(n, m, k)[0]


def _time_size(client: WorkerClient, stage: str, threads: int, shape: tuple[int, int, int],
               estimate_s: float, deadline: float = math.inf, calls: int = 3,
               min_s: float = MIN_SIZE_S) -> tuple[Point, float, int]:
    """GFLOP/s of the m x n x k product (median of at least `calls` calls, each repeating it
    enough times to last MIN_CALL_S, more while the products timed add up to under `min_s`),
    the worker CPU seconds it used, and how many calls were timed. When the monotonic
    `deadline` leaves no room for more, fewer calls are timed (a product of a second or more:
    the warm-up alone, which then counts)."""
    m, n, k = shape
    client.call(probes.prepare_sgemm, n, SEED + n, m=m, k=k)
    repeats = max(1, min(1000, math.ceil(MIN_CALL_S / max(estimate_s, 1e-7))))
    rows = fresh_a((repeats, k), SEED).astype(np.float32)
    warm = client.call_timed(probes.run_sgemm, stage, threads, 0, rows[:1], timeout=600)
    walls, cpus = [], []
    if repeats == 1 and time.monotonic() + 3 * warm.wall_s > deadline:
        walls, cpus = [warm.wall_s], [warm.cpu_s]  # the warm-up was one whole product
    while len(walls) < calls or (sum(walls) < min_s and len(walls) < MAX_RUNS):
        if walls and time.monotonic() + walls[-1] * repeats > deadline:
            break
        timed = client.call_timed(probes.run_sgemm, stage, threads, 0, rows, timeout=600)
        walls.append(timed.wall_s / repeats)
        cpus.append(timed.cpu_s / repeats)
    median = median_high(walls)
    cores = sum(cpus) / sum(walls) if sum(walls) > 0 else 0.0
    cpu_median = max(median_high(cpus), 1e-9)
    flops = sgemm_flops(shape)
    point = Point(n, flops / median / 1e9, cores, flops / cpu_median / 1e9, m, k)
    return point, sum(cpus) * repeats, len(walls)


def sweep(client: WorkerClient, stage: str, threads: int, budget_s: float,
          beyond: tuple[int, int, int] | None = None) -> Sweep:
    """The stage's GFLOP/s at each of SIZES, then at the m x n x k product `beyond` (whose B
    outgrows the last-level cache), as far as `budget_s` seconds allow."""
    result = Sweep()
    deadline = time.monotonic() + budget_s
    if not client.alive:
        client.start()
    client.wait_ready()
    # The worker's whole CPU time, not only its timed calls': making the operands and the
    # warm-up calls are its work too (counted as other processes', they read as 15-20 % of
    # the CPUs in a sweep of the blocked stage).
    worker, worker0 = client.worker_pid(), client.cpu_seconds()
    busy0 = machine_busy_seconds()
    own = os.times()
    own0, wall0, timed_cpu = own.user + own.system, time.perf_counter(), 0.0
    previous: Point | None = None
    shapes = [(n, n, n) for n in SIZES] + ([beyond] if beyond else [])
    for shape in shapes:
        estimate = sgemm_flops(shape) / (previous.gflops * 1e9) if previous else 1e-4
        needed = max(FALL_ROOM * estimate, 5 * MIN_CALL_S)
        label = "x".join(map(str, shape)) if len(set(shape)) > 1 else f"n = {shape[0]}"
        if previous and time.monotonic() + needed > deadline:
            result.notes.append(f"{label} and larger not timed: one product would take "
                                f"~{estimate:.2g} s at {previous.gflops:.3g} GFLOP/s, up to "
                                f"{FALL_ROOM}x that if the speed falls past a cache (the coach "
                                "keeps under its time budget)")
            break
        point, cpu, runs = _time_size(client, stage, threads, shape, estimate, deadline)
        if runs < 3:
            result.notes.append(f"{label} timed {'once' if runs == 1 else f'{runs} times'} "
                                "(one product took "
                                f"{sgemm_flops(shape) / point.gflops / 1e9:.2g} "
                                "s; the coach keeps under its time budget)")
        result.points.append(point)
        timed_cpu += cpu
        previous = point
    # A worker started again (the student's code crashed it) counts only its timed calls.
    worker_cpu = (client.cpu_seconds() - worker0 if client.worker_pid() == worker > 0
                  else timed_cpu)
    result.others_share = _others_share(busy0, own0, wall0, worker_cpu)
    return result


def retime(client: WorkerClient, stage: str, threads: int, points: list[Point],
           deadline: float, rounds: int = RETIME_ROUNDS) -> list[Point] | None:
    """The sizes of `points` timed again in turns, each once per round, so that a slow spell
    of the machine (a neighbour on the host, which no process count shows) falls on all of
    them alike: per size, the median of its turns; None when the monotonic `deadline` comes
    before every size had `rounds` turns."""
    turns: list[list[Point]] = [[] for _ in points]
    for _ in range(rounds):
        for point, timed in zip(points, turns, strict=True):
            estimate = sgemm_flops(point.shape) / (max(point.gflops, 1e-3) * 1e9)
            # a turn: the warm-up, at least one call and RETIME_TURN_S of products
            if time.monotonic() + 2 * max(estimate, MIN_CALL_S) + RETIME_TURN_S > deadline:
                return None
            timed.append(_time_size(client, stage, threads, point.shape, estimate, deadline,
                                    calls=1, min_s=RETIME_TURN_S)[0])
    return [Point(p.n, median_high([t.gflops for t in timed]),
                  median_high([t.cores for t in timed]),
                  median_high([t.cpu_gflops for t in timed]), p.m, p.k)
            for p, timed in zip(points, turns, strict=True)]


@dataclass
class Profile:
    """perf's samples of one stage: library addresses (per the library's own numbering), how
    many samples fell outside it, by symbol, and every sample's thread and time (with its
    library address, or None)."""

    in_library: dict[int, int] = field(default_factory=dict)
    outside: dict[str, int] = field(default_factory=dict)
    timeline: list[tuple[int, float, int | None]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """All samples."""
        return sum(self.in_library.values()) + sum(self.outside.values())


_SAMPLE = re.compile(r"^\s*(\d+)\s+([\d.]+):\s+[0-9a-f]+\s+(\S+?)(?:\+0x([0-9a-f]+))?"
                     r"\s+\((.*)\)\s*$")


def parse_samples(text: str, so: Path, starts: dict[str, int]) -> Profile:
    """`perf script -F tid,time,ip,sym,symoff,dso` lines into a Profile: samples in the
    library `so` by address (symbol start + offset, `starts` from the disassembly), the rest
    by symbol."""
    profile = Profile()
    for line in text.splitlines():
        sample = _SAMPLE.match(line)
        if not sample:
            continue
        tid, when = int(sample.group(1)), float(sample.group(2))
        symbol, offset, dso = sample.group(3), sample.group(4), sample.group(5)
        address = None
        if Path(dso).name == so.name and symbol in starts and offset is not None:
            address = starts[symbol] + int(offset, 16)
            profile.in_library[address] = profile.in_library.get(address, 0) + 1
        else:
            where = symbol if symbol != "[unknown]" else Path(dso).name
            profile.outside[where] = profile.outside.get(where, 0) + 1
        profile.timeline.append((tid, when, address))
    return profile


def alone_share(profile: Profile, mine: Callable[[int], bool]) -> float | None:
    """The share of the samples in the student's code (`mine(address)`) taken while no other
    thread of the worker was running: each thread runs from its first sample to its last.
    None with fewer than MIN_SAMPLES such samples. The share is of work, not of time, so other
    processes slowing the threads down do not change it."""
    spans: dict[int, tuple[float, float]] = {}
    for tid, when, _ in profile.timeline:
        first, last = spans.get(tid, (when, when))
        spans[tid] = (min(first, when), max(last, when))
    ours = [(tid, when) for tid, when, address in profile.timeline
            if address is not None and mine(address)]
    if len(ours) < MIN_SAMPLES:
        return None
    alone = sum(1 for tid, when in ours
                if not any(other != tid and first <= when <= last
                           for other, (first, last) in spans.items()))
    return alone / len(ours)


class _Recorder:
    """`perf record` attached to a process, started with its events off and switched on and
    off through perf's control descriptors: each switch is acknowledged, so the samples cover
    exactly the calls made in between (attaching can take a second on a busy machine)."""

    def __init__(self, perf: str, pid: int, data: Path, event: str) -> None:
        ctl_r, self.ctl = os.pipe()
        self.ack, ack_w = os.pipe()
        self.proc = subprocess.Popen(
            [perf, "record", "-e", event, "-F", "2000", "-p", str(pid), "-o", str(data),
             "--quiet", "-D", "-1", "--control", f"fd:{ctl_r},{ack_w}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            pass_fds=(ctl_r, ack_w))
        os.close(ctl_r)
        os.close(ack_w)

    def switch(self, command: str, timeout: float = 30.0) -> bool:
        """Send `enable` or `disable`; whether perf acknowledged it in time."""
        try:
            os.write(self.ctl, f"{command}\n".encode())
        except OSError:
            return False
        ready, _, _ = select.select([self.ack], [], [], timeout)
        return bool(ready) and os.read(self.ack, 64).startswith(b"ack")

    def stop(self) -> str:
        """End perf; '' when it ended cleanly, else why not."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "perf did not stop"
        finally:
            os.close(self.ctl)
            os.close(self.ack)
        return ""

    def why(self) -> str:
        """perf's last line of complaint."""
        text = self.proc.stderr.read() if self.proc.stderr else ""
        return (text.strip().splitlines() or ["?"])[-1]


#: The memory-bound kernels: their size, and how to set up (untimed) and run them once.
BLAS_SIZES = {"saxpy": 1 << 22, "sdot": 1 << 22, "sgemv": 2048}  # 16 MiB: past the L2


def kernel_call(client: WorkerClient, stage: str, threads: int, n: int) -> Callable[[], None]:
    """Set up stage `stage` at size n in the worker; returns one call of it. SGEMM stages run
    an n x n x n product; saxpy and sdot vectors of BLAS_SIZES floats, sgemv a square matrix."""
    if stage in ("saxpy", "sdot"):
        size = BLAS_SIZES[stage]
        client.call(probes.prepare_saxpy, size, SEED)
        if stage == "saxpy":
            return lambda: client.call(probes.run_saxpy, 1.5, 0, 0.5, timeout=600)
        return lambda: client.call(probes.run_sdot, 0, 0.5, timeout=600)
    if stage == "sgemv":
        size = BLAS_SIZES[stage]
        client.call(probes.prepare_sgemv, size, size, SEED)
        row = fresh_a((1, size), SEED).astype(np.float32)[0]
        return lambda: client.call(probes.run_sgemv, 0, row, timeout=600)
    client.call(probes.prepare_sgemm, n, SEED + n)
    rows = fresh_a((1, n), SEED).astype(np.float32)
    return lambda: client.call(probes.run_sgemm, stage, threads, 0, rows, timeout=600)


def profile(client: WorkerClient, stage: str, threads: int, n: int, so: Path,
            starts: dict[str, int], seconds: float = 1.5) -> Profile | str:
    """perf's samples while the stage runs at size n for about `seconds`, or why there are
    none (no perf, not allowed to attach, no samples)."""
    perf = tool("perf")
    if perf is None:
        return "no perf on PATH (Debian/Ubuntu: apt install linux-perf): profile skipped"
    run = kernel_call(client, stage, threads, n)
    run()
    pid = client.worker_pid()
    with tempfile.TemporaryDirectory(prefix="coach-perf-") as folder:
        data = Path(folder) / "perf.data"
        for event in ("cpu-clock", "cpu-clock:u"):
            recorder = _Recorder(perf, pid, data, event)
            if recorder.switch("enable"):
                break
            recorder.stop()
        else:
            return f"perf could not attach to the worker ({recorder.why()}): profile skipped"
        # `seconds` of the worker's CPU time (other processes may take its core meanwhile),
        # but no more than twice that of wall-clock time.
        cpu0, end = client.cpu_seconds(), time.monotonic() + 2 * seconds
        while client.cpu_seconds() - cpu0 < seconds and time.monotonic() < end:
            run()
        recorder.switch("disable")
        failed = recorder.stop()
        if failed:
            return f"{failed}: profile skipped"
        done = subprocess.run([perf, "script", "-i", str(data), "-F",
                               "tid,time,ip,sym,symoff,dso",
                               "--no-demangle"], capture_output=True, text=True, timeout=120)
    samples = parse_samples(done.stdout, so, starts)
    if samples.total == 0:
        return "perf recorded no samples: profile skipped"
    return samples
