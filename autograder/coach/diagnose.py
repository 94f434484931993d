"""The coach's findings: one sentence each, backed by one number, with its section of the book.

A finding has a `code` (what the kit's tests check), whether it is a `problem` of this stage
(something the stage is meant to fix) or a note (a limit the next stage lifts), and the book's
section (chapter 1.5) that explains it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from autograder.coach.kernel import LoopInfo
from autograder.coach.machine import Machine, human_bytes
from autograder.coach.mca import Ceiling
from autograder.coach.measure import Point, Sweep

BOOK = {
    "1.5.2": "Bottlenecks with Rooflines, Benchmarks, and Profiles",
    "1.5.4": "Accelerating GEMM on CPU from Rust to x86 with rustc",
    "1.5.5": "Accelerating GEMM on CPU with Locality of Memory Hierarchies",
    "1.5.6": "Accelerating GEMM on CPU with Instruction Level Parallelism",
    "1.5.7": "Accelerating GEMM on CPU with Data Level Parallelism",
    "1.5.8": "Accelerating GEMM on CPU with Thread Level Parallelism",
}
#: Stages built for the baseline ISA (plain Rust): narrow vectors and no FMA are their limit
#: (the memory-bound kernels wait for memory, not for arithmetic).
PLAIN = {"naive", "reordered", "blocked", "microkernel", "saxpy", "sdot", "sgemv"}
#: Kernels that stream their data once: y is stored by design, and the roof is bandwidth.
STREAMING = {"saxpy", "sdot", "sgemv"}
#: Reductions, whose sums must be split over several accumulators to run at speed.
REDUCTIONS = {"sdot", "sgemv"}
#: Stages meant to keep C in a register tile and to read packed panels.
TILED = {"microkernel", "simd", "parallel"}
#: Stages meant to keep their working set in the caches at every size.
BLOCKED = {"blocked", "microkernel", "simd", "parallel"}
CLIFF_RATIO = 0.7  # a fall to under 70% of the previous size's speed is a cliff
SERIAL_SHARE = 0.15  # a parallel stage with more than this share of one-thread time
BUSY_SHARE = 0.15  # other processes' CPU share above which timings are not trusted
FMA_LATENCY, FMA_PORTS = 4, 2  # the usual x86 figures, when llvm-mca is not there to ask


@dataclass(frozen=True)
class Finding:
    """One sentence of the diagnosis."""

    code: str
    sentence: str
    section: str
    problem: bool = True

    def text(self) -> str:
        """The sentence with its book pointer."""
        return f"{self.sentence} (book {self.section}, {BOOK[self.section]})"


@dataclass
class Evidence:
    """Everything the diagnosis of one stage may cite."""

    stage: str
    machine: Machine
    hot: LoopInfo | None = None
    ceiling: Ceiling | None = None
    sweep: Sweep | None = None
    threads: int = 1
    peak_gflops: float = 0.0  # the roof this stage is graded against (0: not measured)
    graded_n: int = 1024
    #: The share of its in-cache speed the stage must keep beyond the caches for full
    #: points (level0.toml's `kept_target`), None for a stage not graded on it.
    kept_target: float | None = None
    profile_parts: dict[str, int] = field(default_factory=dict)
    #: Share of the profile's samples of the student's code taken with no other of its
    #: threads running (parallel stage), None without a profile.
    alone: float | None = None

    @property
    def timings_trusted(self) -> bool:
        """Whether the sweep ran on a quiet enough machine to judge speeds by."""
        return self.sweep is not None and self.sweep.others_share <= BUSY_SHARE


def _count(number: int, noun: str) -> str:
    """`1 bounds check`, `2 bounds checks`, `3 multiplies`."""
    if number == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {plural}"


def _loop_findings(ev: Evidence) -> list[Finding]:
    stats, machine, stage = ev.hot.stats, ev.machine, ev.stage  # type: ignore[union-attr]
    found: list[Finding] = []
    if stats.bounds_checks:
        found.append(Finding("bounds_checks", (
            f"The hot loop has {_count(stats.bounds_checks, 'bounds check')} (branches to "
            f"panic_bounds_check) in its {stats.instructions} instructions: every iteration "
            "compares an index with a length, and the checks keep the compiler from "
            "vectorizing; iterate with chunks_exact/zip, or slice once before the loop"),
            "1.5.4", stage != "naive"))
    if stats.calls:
        found.append(Finding("call_in_loop", (
            f"The hot loop calls {stats.calls[0]} on every iteration "
            f"({_count(len(stats.calls), 'call')}): a function call costs more than the "
            "arithmetic around it"), "1.5.4"))
    vector = stage not in PLAIN
    if stats.lanes == 1 and machine.lanes > 1:
        found.append(Finding("scalar", (
            f"The hot loop computes 1 float per instruction (scalar code) on a machine whose "
            f"{machine.isa_name()} vectors hold {machine.lanes}: at most "
            f"1/{machine.lanes} of the peak" + (
                "; write the micro-kernel with the std::arch intrinsics of the widest ISA"
                if vector else "; the simd stage lifts this limit")), "1.5.7", vector))
    elif 1 < stats.lanes < machine.lanes:
        found.append(Finding("narrow_vectors", (
            f"The hot loop uses {stats.width_name} registers on a machine whose "
            f"{machine.isa_name()} registers hold {machine.lanes}: at most "
            f"{stats.lanes / machine.lanes:.0%} of the peak" + (
                f"; add a micro-kernel for {machine.isa_name().split()[0]} and dispatch to it"
                if vector else
                " (plain Rust is compiled for the baseline ISA; the simd stage lifts this)")),
            "1.5.7", vector))
    if stats.fmas == 0 and stats.muls and machine.fma:
        found.append(Finding("no_fma", (
            f"The hot loop multiplies and adds separately ({_count(stats.muls, 'multiply')}"
            f" and {_count(stats.adds, 'add')} per iteration, no FMA): two instructions where "
            "one fused "
            "multiply-add would do" + ((", use vfmaq_f32" if machine.arch == "aarch64" else
                                         ", use _mm512_fmadd_ps / _mm256_fmadd_ps")
                                        if vector else "; the simd stage's intrinsics fuse them")),
            "1.5.7", vector))
    if stats.stack_loads or stats.stack_stores:
        found.append(Finding("spills", (
            f"The hot loop loads {stats.stack_loads} and stores "
            f"{_count(stats.stack_stores, 'value')} on the stack per iteration: the register "
            "tile does not fit in the registers, so the compiler spills it; use a smaller "
            "MR x NR"), "1.5.6"))
    found += _accumulator_findings(ev)
    if stats.strided_loads:
        found.append(Finding("strided_loads", (
            f"{stats.strided_loads} of the hot loop's {stats.loads} loads advance by a run-time "
            "stride every iteration (a matrix read in place, one row apart per step): each "
            "touches a new cache line, and soon a new page; pack the panels so the micro-"
            "kernel reads them contiguously"), "1.5.5", stage in TILED))
    return found


def _accumulator_findings(ev: Evidence) -> list[Finding]:
    stats, stage = ev.hot.stats, ev.stage  # type: ignore[union-attr]
    tiled = stage in TILED or stage in REDUCTIONS
    if stage in STREAMING and stats.accumulators and stats.fmas + stats.adds:
        if stage in REDUCTIONS and stats.accumulators * max(stats.lanes, 1) < 16:
            return [Finding("few_accumulators", (
                f"The hot loop keeps {_count(stats.accumulators, 'running sum')} of "
                f"{stats.lanes} float(s): each addition waits for the previous one into the "
                "same register (3-4 cycles), which caps the loop below the memory's speed; "
                "keep 16 or more partial sums"), "1.5.6")]
        return []
    if stage in STREAMING:
        return []
    if stats.accumulators == 0 and stats.stores:
        return [Finding("sums_in_memory", (
            "The hot loop's running sums go through memory: "
            f"{stats.per_multiply_add(stats.loads):.2g} load(s) and "
            f"{stats.per_multiply_add(stats.stores):.2g} store(s) per multiply-add; "
            "keep an MR x NR tile of C in registers"), "1.5.6", tiled)]
    if stats.accumulators == 0:
        return []
    ceiling = ev.ceiling
    if ceiling is not None and ceiling.loop.latency_bound:
        need = math.ceil(stats.accumulators * ceiling.loop.cycles_per_iteration
                         / max(ceiling.loop.block_rthroughput, 1e-9))
        need += need % 2  # the FMA units come in pairs: an even number of chains
        return [Finding("few_accumulators", (
            f"The hot loop has {_count(stats.accumulators, 'independent accumulator')}: "
            "llvm-mca needs "
            f"{ceiling.loop.cycles_per_iteration:.1f} cycles per iteration where its ports "
            f"alone need {ceiling.loop.block_rthroughput:.1f}, because each FMA waits for the "
            f"previous one into the same register; use at least {need} (a taller or wider "
            "tile)"), "1.5.6", tiled)]
    if ceiling is None and stats.fmas and stats.accumulators < FMA_LATENCY * FMA_PORTS:
        return [Finding("few_accumulators", (
            f"The hot loop has {_count(stats.accumulators, 'independent accumulator')}: "
            f"{FMA_PORTS} FMA units with a {FMA_LATENCY}-cycle latency need "
            f"{FMA_LATENCY * FMA_PORTS} to stay busy"), "1.5.6", tiled)]
    return []


Cliff = tuple[Point, Point, float, float]  # point before, point after, speed before, after


def cliffs(sweep: Sweep, per_cpu: bool = False, kept_target: float | None = None,
           graded_n: int = 1024) -> list[Cliff]:
    """Every fall between consecutive sizes that is a cliff, steepest first: (point before,
    point after, GFLOP/s before, after); `per_cpu` reads GFLOP per CPU-second (a
    single-thread stage: other processes taking the core do not lower it).

    A fall to under `CLIFF_RATIO` of the previous size's speed is a cliff. For a stage graded
    on the speed it keeps beyond the caches (`kept_target`, the blocked stage), the product
    beyond the caches is judged by the grader's own rule instead: against the graded size
    `graded_n`, keeping less than `kept_target` is a cliff (it is what costs the points)."""
    def rate(point: Point) -> float:
        return point.cpu_gflops if per_cpu else point.gflops

    steps = [(before, after, CLIFF_RATIO)
             for before, after in zip(sweep.points, sweep.points[1:], strict=False)]
    graded = next((p for p in sweep.points if p.square and p.n == graded_n), None)
    if kept_target is not None and graded is not None and not sweep.points[-1].square:
        steps[-1] = (graded, sweep.points[-1], kept_target)
    falls = []
    for before, after, bar in steps:
        ratio = rate(after) / rate(before) if rate(before) > 0 else 1.0
        if ratio < bar:
            falls.append((ratio, (before, after, rate(before), rate(after))))
    return [found for _, found in sorted(falls, key=lambda fall: fall[0])]


def cliff(sweep: Sweep, per_cpu: bool = False, kept_target: float | None = None,
          graded_n: int = 1024) -> Cliff | None:
    """The steepest of `cliffs`, None when there is none."""
    found = cliffs(sweep, per_cpu, kept_target, graded_n)
    return found[0] if found else None


def size_label(point: Point) -> str:
    """`n = 512`, or `256 x 4096 x 4096` for a product that is not square."""
    return f"n = {point.n}" if point.square else point.label.replace("x", " x ")


def sweep_cliffs(ev: Evidence) -> list[Cliff]:
    """The cliffs (`cliffs`) the diagnosis judges in the stage's sweep, steepest first: per
    CPU-second for a single-thread stage (so they are judged on a busy machine too), per
    wall-clock second for `parallel` when the machine was quiet."""
    per_cpu = ev.threads == 1
    if not ev.sweep or not (per_cpu or ev.timings_trusted):
        return []
    return cliffs(ev.sweep, per_cpu, ev.kept_target, ev.graded_n)


def _cliff_finding(ev: Evidence) -> list[Finding]:
    """The sweep's steepest cliff named with its cause in numbers: the sizes, B's bytes, the
    cache."""
    found = next(iter(sweep_cliffs(ev)), None)
    if found is None:
        return []
    per_cpu = ev.threads == 1
    before, after, g1, g2 = found
    b1, b2 = before.b_bytes, after.b_bytes
    # B exactly the size of a cache counts on both sides: A, C and the code want room too,
    # so whether it still "fits" depends on the cache's associativity and the prefetchers.
    crossed = [c for c in ev.machine.caches if b1 <= c.size <= b2]
    where = f"where B grows from {human_bytes(b1)} to {human_bytes(b2)}"
    if crossed:
        where += f", past the {human_bytes(crossed[-1].size)} {crossed[-1].name}"
    blocked = ev.stage in BLOCKED
    advice = ("block the k and j loops so a KC x NC block of B stays in cache" if blocked else
              "the blocked stage's cache blocking removes this cliff")
    unit = "GFLOP per CPU-second" if per_cpu else "GFLOP/s"
    if ev.kept_target is not None and not after.square:
        where += (f" (it keeps {g2 / g1:.0%} of its speed; full speed points need "
                  f"{ev.kept_target:.0%})")
    return [Finding("cache_cliff", (
        f"Speed falls from {g1:.3g} to {g2:.3g} {unit} between {size_label(before)} and "
        f"{size_label(after)}, "
        f"{where}: {advice}"), "1.5.5", blocked)]


def _serial_finding(ev: Evidence) -> list[Finding]:
    if ev.stage != "parallel" or ev.threads < 2:
        return []
    if ev.alone is not None:
        if ev.alone <= SERIAL_SHARE:
            return []
        cap = 1 / (ev.alone + (1 - ev.alone) / ev.threads)
        return [Finding("serial_tail", (
            f"{ev.alone:.0%} of the profile's samples in your code ran while no other thread "
            f"of it was running (a serial part): Amdahl's law caps {ev.threads} threads at "
            f"{cap:.2f}x; split all the work, the last blocks too, among the threads"),
            "1.5.8")]
    if not ev.timings_trusted or not ev.sweep or not ev.sweep.points:
        return []
    if not ev.sweep.squares:
        return []
    point = ev.sweep.squares[-1]
    serial = (ev.threads - point.cores) / (ev.threads - 1)
    if serial <= SERIAL_SHARE:
        return []
    return [Finding("serial_tail", (
        f"Your threads kept {point.cores:.2f} of {ev.threads} cores busy at n = {point.n}: "
        f"about {serial:.0%} of the run had one thread working alone (Amdahl's law: at most "
        f"{point.cores:.2f}x); split all the work, the last blocks too, among the threads"),
        "1.5.8")]


def measured_fraction(ev: Evidence) -> tuple[float, Point, bool] | None:
    """The stage's measured share of its peak at its graded size (or the largest square
    one): per CPU-second of the worker for a single-thread stage (other processes do not
    lower it), per wall-clock second for `parallel` on a quiet machine; with the point and
    whether it is per CPU-second. None when there is nothing to divide."""
    if not (ev.sweep and ev.sweep.squares and ev.peak_gflops > 0):
        return None
    point = ev.sweep.at(ev.graded_n) or ev.sweep.squares[-1]
    if ev.threads == 1 and point.cpu_gflops > 0:
        return point.cpu_gflops / ev.peak_gflops, point, True
    if not ev.timings_trusted:
        return None
    return point.gflops / ev.peak_gflops, point, False


def _gap_finding(ev: Evidence) -> list[Finding]:
    measured = measured_fraction(ev)
    if not (ev.ceiling and measured):
        return []
    fraction, point, per_cpu = measured
    unit = " per CPU-second" if per_cpu else ""
    top = ev.ceiling.fraction
    if fraction > 1.15 * top:  # above the ceiling: the peak was measured low, or the model
        return []  # is of another CPU; no sentence can rest on that
    total = sum(ev.profile_parts.values())
    hot_share = ev.profile_parts.get("hot loop", 0) / total if total else 0.0
    if fraction >= 0.7 * top and ev.ceiling.stand_in_for and total:
        # Another CPU's model: its ceiling may be this CPU's or not, so the profile says
        # what is left outside the loop instead of "the loop is the limit".
        outside = {k: v for k, v in ev.profile_parts.items() if k != "hot loop" and v}
        parts = ", ".join(f"{k} {v / total:.0%}" for k, v in
                          sorted(outside.items(), key=lambda kv: -kv[1])[:3])
        return [Finding("near_ceiling", (
            f"At n = {point.n} you measured {fraction:.0%} of the peak{unit}, near the hot "
            f"loop's ceiling of {top:.0%} under llvm-mca's {ev.ceiling.model} model, which "
            f"stands in for this {ev.ceiling.stand_in_for} (approximate); the profile puts "
            f"{hot_share:.0%} of the samples in the hot loop and the rest outside it"
            + (f" ({parts})" if parts else "")), "1.5.2", False)]
    if fraction >= 0.7 * top:
        return [Finding("near_ceiling", (
            f"At n = {point.n} you measured {fraction:.0%} of the peak{unit}, and the hot "
            f"loop's ceiling is {top:.0%}: the loop itself is the limit"), "1.5.2", False)]
    if total and hot_share >= 0.7:
        why = (f"the profile puts {hot_share:.0%} of the samples in the hot loop itself, so "
               "the loop runs slower than llvm-mca's model, which assumes every load hits "
               "L1: its loads wait for memory; block for the caches")
    elif total:
        elsewhere = {k: v for k, v in ev.profile_parts.items() if k != "hot loop"}
        part, count = max(elsewhere.items(), key=lambda kv: kv[1])
        why = (f"the profile puts {1 - hot_share:.0%} of the samples outside the hot loop, "
               f"most in {part} ({count / total:.0%})")
    else:
        why = ("the time goes to what llvm-mca does not model: waiting for memory, packing, "
               "edges")
    return [Finding("below_ceiling", (
        f"At n = {point.n} you measured {fraction:.0%} of the peak{unit} where the hot loop's "
        f"ceiling is {top:.0%}: {why}"), "1.5.2")]


def diagnose(ev: Evidence) -> list[Finding]:
    """The stage's findings, its problems first."""
    found: list[Finding] = []
    if ev.hot is not None:
        found += _loop_findings(ev)
    found += _cliff_finding(ev) + _serial_finding(ev)
    found += _gap_finding(ev)
    return sorted(found, key=lambda f: not f.problem)
