"""`python grade.py level0 --coach [-k STAGE]`: why each SGEMM stage runs at the speed it does.

One build of the student's crate with line tables (the same code the grader builds, plus a map
from instructions to source lines; in the grader's cargo folder, whose compiled dependencies it
reuses: only the student's crate gets line tables), then per stage: the
hot loop's machine code and figures, llvm-mca's ceiling, a size sweep and a profile in the
sandboxed worker, and the diagnosis. It never grades; the whole run keeps under two minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder import roofline
from autograder.coach import disasm, mca
from autograder.coach.diagnose import (
    Evidence,
    Finding,
    diagnose,
    measured_fraction,
    size_label,
    sweep_cliffs,
)
from autograder.coach.kernel import (
    PROFILE_PARTS,
    StageCode,
    attribute,
    count_samples,
    stage_code,
    stage_files,
)
from autograder.coach.machine import Machine, detect, human_bytes
from autograder.coach.measure import (
    RETIME_ROUNDS,
    Profile,
    Sweep,
    alone_share,
    profile,
    retime,
    sweep,
)
from autograder.judge.build import build_maturin
from autograder.judge.client import WorkerClient
from autograder.judge.errors import GraderError, StudentError, StudentStop
from autograder.judge.runner import worker_spec
from autograder.judge.timing import Roofline
from autograder.judge.workspace import Source, Workspace, build_workspace
from autograder.levels import Level

SGEMM_STAGES = ("naive", "reordered", "blocked", "microkernel", "simd", "parallel")
#: The memory-bound kernels: their code, a profile and the loop findings; no sweep, and no
#: FLOP ceiling (they are graded against the bandwidth).
MEMORY_BOUND = ("saxpy", "sdot", "sgemv")
STAGES = SGEMM_STAGES + MEMORY_BOUND
#: The level's part of a kernel whose name is not a part's (saxpy and sdot are part blas1).
PART_OF = {"saxpy": "blas1", "sdot": "blas1"}
BUDGET_S = 100.0  # the whole coach, build included, aims at under two minutes
#: The share of a stage's sweep budget its sizes may use; the rest is for timing a cliff's
#: two sizes again (`confirm_cliffs`).
SWEEP_SHARE = 0.75
PROFILE_S = 1.0  # CPU-seconds of the worker (at most twice that of wall-clock time)
#: Wall-clock seconds of a stage besides its sweep: the profile (at most 2 PROFILE_S) and
#: perf's start, stop and script, the stage's setup and static reading. Measured 4-5 s per
#: memory-bound stage (a profile only) at a load average of 12 on 2 cores.
STAGE_S = 2 * PROFILE_S + 2.5
PLOT_PATH = Path("grading-output") / "coach-level0.png"


def line_tables(level: Level) -> list[str]:
    """Cargo settings that give the student's crate, and only it, line tables: its
    dependencies (pyo3, numpy) stay as the grader compiled them, so the coach's build reuses
    them from the grader's cargo folder instead of compiling them again (a minute and a half
    on two busy cores)."""
    package = Path(level.build["crate"]).name
    return [f'profile.release.package.{package}.debug="line-tables-only"']


def select_stages(keyword: str | None) -> list[str]:
    """The stages `-k` names (a stage name or part of one); all without `-k`."""
    if not keyword:
        return list(STAGES)
    return [s for s in STAGES if keyword in s or s in keyword]


@dataclass
class Built:
    """The student's crate built for the coach: workspace, library, its disassembly."""

    ws: Workspace
    so: Path
    library: disasm.Library
    blocked: dict[str, str] = field(default_factory=dict)
    missing: str = ""  # why the library could not be read, if it could not


def build(level: Level, source: Source) -> Built:
    """Build the student's files with line tables and disassemble the library."""
    ws = build_workspace(level, source)
    try:
        stops = build_maturin(level, ws, cargo_config=line_tables(level))
        found = sorted((ws.root / "site").rglob("*.so")) + sorted((ws.root / "site").rglob("*.pyd"))
        if not found:
            raise GraderError("the coach's build made no extension module")
        try:
            library, missing = disasm.disassemble(found[0]), ""
        except (LookupError, OSError, subprocess.SubprocessError) as exc:
            library = disasm.Library(found[0], {}, {})
            missing = f"cannot disassemble the library ({exc}): machine code and llvm-mca skipped"
    except BaseException:
        ws.cleanup()
        raise
    return Built(ws, found[0], library, {k: v.message for k, v in stops.items()}, missing)


def beyond_caches(level: Level) -> tuple[int, int, int] | None:
    """The m x n x k product whose B outgrows the last-level cache: the one the grader times
    the blocked stage on (level0.toml's `beyond_caches`), so the sweep shows that cliff too."""
    for spec in level.thresholds.values():
        if isinstance(spec, dict) and "beyond_caches" in spec:
            m, n, k = (int(x) for x in spec["beyond_caches"])
            return m, n, k
    return None


def stage_file(level: Level, stage: str) -> str:
    """The student file (key) of a stage (an SGEMM stage, saxpy, sdot, sgemv)."""
    return level.parts[PART_OF.get(stage, stage)].files[0]


@dataclass
class StageReport:
    """What the coach found out about one stage."""

    stage: str
    code: StageCode | None = None
    hot_why: str = ""
    ceiling: mca.Ceiling | None = None
    sweep: Sweep | None = None
    profile_parts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: Evidence | None = None
    ran: bool = True  # False when the stage failed or is not implemented yet


def static_report(built: Built, level: Level, stage: str, machine: Machine) -> StageReport:
    """The parts that need no run: the stage's loops, its hot loop, llvm-mca's ceiling, and
    the diagnosis they support. Deterministic for a given build."""
    report = StageReport(stage)
    key = stage_file(level, stage)
    source = (built.ws.student / key).read_text(errors="replace")
    report.code = stage_code(built.library, stage_files(source, Path(key).name))
    if built.missing:
        report.notes.append(built.missing)
    elif built.library.arch != machine.arch:
        report.notes.append(f"the library is compiled for {built.library.arch}, this machine "
                            f"is {machine.arch}: hot loop and llvm-mca skipped")
        report.code.loops.clear()
    elif not report.code.chains:
        report.notes.append("no line tables read (llvm-addr2line or addr2line missing): the "
                            "coach cannot tell which machine code is yours")
    hot, report.hot_why = report.code.hot_loop(machine)
    spec = level.thresholds.get(stage, {})
    kept = spec.get("kept_target") if "beyond_caches" in spec else None
    evidence = Evidence(stage, machine, hot, threads=_threads(stage),
                        graded_n=int(spec.get("n", 1024)),
                        kept_target=None if kept is None else float(kept))
    if stage in MEMORY_BOUND:
        report.notes.append(f"{stage} is memory-bound (graded against the bandwidth): no size "
                            "sweep and no FLOP ceiling, the loop's code and a profile only")
    elif hot is not None:
        found = mca.ceiling(machine, hot.loop, hot.stats)
        if isinstance(found, str):
            report.notes.append(found)
        else:
            report.ceiling = evidence.ceiling = found
    elif not report.notes:
        report.notes.append("no loop with float arithmetic found in this stage's code "
                            "(a stub, or everything went through calls)")
    report.evidence = evidence
    report.findings = diagnose(evidence)
    return report


def _threads(stage: str) -> int:
    if stage != "parallel":
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def measured_report(report: StageReport, built: Built, client: WorkerClient,
                    peak: dict[str, float], budget_s: float,
                    beyond: tuple[int, int, int] | None = None) -> None:
    """Add the sweep (n = 64 ... 2048, then the product `beyond` the caches, in
    SWEEP_SHARE of `budget_s`; its cliffs timed again in the rest), the profile and the
    diagnosis they support to a static report."""
    ev = report.evidence
    assert ev is not None and report.code is not None
    if report.stage in MEMORY_BOUND:
        return profile_report(report, built, client)
    threads = 0 if report.stage == "parallel" else 1
    deadline = time.monotonic() + budget_s
    try:
        report.sweep = ev.sweep = sweep(client, report.stage, threads, SWEEP_SHARE * budget_s,
                                        beyond)
        confirm_cliffs(ev, client, report.stage, threads, deadline)
        squares = report.sweep.squares
        n = ev.graded_n if report.sweep.at(ev.graded_n) else (squares[-1].n if squares else 256)
        starts = {f.name: f.start for f in built.library.functions.values()}
        samples = profile(client, report.stage, threads, n, built.so, starts, PROFILE_S)
    except (StudentStop, StudentError) as exc:
        report.notes.append(f"the stage did not run: {exc}")
        report.ran = False
        return
    report.notes += report.sweep.notes
    if ev.sweep and not ev.timings_trusted:
        report.notes.append(f"other processes used {ev.sweep.others_share:.0%} of the CPUs "
                            "during the sweep: wall-clock speeds may be low, so only the "
                            "speeds per CPU-second are judged; re-run on a quieter machine")
    apply_profile(report, built, samples)
    roof = "peak_gflops_all_threads" if report.stage == "parallel" else "peak_gflops_1_thread"
    ev.peak_gflops = peak.get(roof, 0.0)
    report.findings = diagnose(ev)


def confirm_cliffs(ev: Evidence, client: WorkerClient, stage: str, threads: int,
                   deadline: float) -> None:
    """Time the two sizes of each cliff in the sweep again, in turns (`retime`), and put
    those times in the sweep, until every cliff it shows has been timed so or the monotonic
    `deadline` comes: a sweep times each size once, in order, so a slow spell of the machine
    on one size looks like a cliff; a cliff the cache makes shows in every turn. Each
    re-timing is a note of the sweep."""
    assert ev.sweep is not None
    confirmed: set[tuple[str, str]] = set()
    while True:
        pending = [(before, after) for before, after, _, _ in sweep_cliffs(ev)
                   if (before.label, after.label) not in confirmed]
        if not pending:
            return
        before, after = pending[0]
        again = retime(client, stage, threads, [before, after], deadline)
        sizes = f"{size_label(before)} and {size_label(after)}"
        if again is None:
            ev.sweep.notes.append(f"{sizes} were not timed again (the coach's time budget "
                                  "ran out): the fall between them may be a slow spell")
            return
        confirmed.add((before.label, after.label))
        points = ev.sweep.points
        for old, new in zip((before, after), again, strict=True):
            points[points.index(old)] = new
        per_cpu = ev.threads == 1  # as sweep_cliffs judges it
        speeds = [p.cpu_gflops if per_cpu else p.gflops for p in again]
        unit = "GFLOP per CPU-second" if per_cpu else "GFLOP/s"
        ev.sweep.notes.append(f"{sizes} timed again in turns ({RETIME_ROUNDS} each), so that "
                              f"a slow spell of the machine falls on both: {speeds[0]:.3g} "
                              f"and {speeds[1]:.3g} {unit}")


def apply_profile(report: StageReport, built: Built, samples: Profile | str) -> None:
    """Let the profile pick the hot loop (the static choice cannot tell a loop that runs from
    a copy the compiler made for a case that never happens, such as `ldb == 1`), and share the
    samples out among the parts of the work; a string is why there is no profile."""
    ev = report.evidence
    assert ev is not None and report.code is not None
    if not isinstance(samples, Profile):
        report.notes.append(samples)
        return
    count_samples(report.code, samples)
    hot, report.hot_why = report.code.hot_loop(ev.machine)
    lines = {Path(k).name: (built.ws.student / k).read_text(errors="replace").splitlines()
             for k in built.ws.keys if k.endswith(".rs")}
    parts, own = attribute(built.library, report.code, hot, samples, lines)
    report.profile_parts = ev.profile_parts = parts
    if report.stage == "parallel":
        ev.alone = alone_share(samples, own.__contains__)
    if hot is not ev.hot:  # the profile found another loop hotter: study that one
        ev.hot = hot
        measured = hot is not None and report.stage not in MEMORY_BOUND
        found = mca.ceiling(ev.machine, hot.loop, hot.stats) if measured else None
        report.ceiling = ev.ceiling = found if isinstance(found, mca.Ceiling) else None
    report.findings = diagnose(ev)


def profile_report(report: StageReport, built: Built, client: WorkerClient, n: int = 512,
                   seconds: float = 1.0) -> None:
    """Only the profile (no sweep): which loop runs, and the diagnosis of that loop."""
    threads = 0 if report.stage == "parallel" else 1
    starts = {f.name: f.start for f in built.library.functions.values()}
    try:
        samples = profile(client, report.stage, threads, n, built.so, starts, seconds)
    except (StudentStop, StudentError) as exc:
        samples = f"the stage did not run: {exc}"
    apply_profile(report, built, samples)


def render_stage(report: StageReport, machine: Machine) -> list[str]:
    """The report of one stage, as text lines."""
    lines = [f"sgemm {report.stage}" if report.stage in SGEMM_STAGES else report.stage]
    ev = report.evidence
    hot = ev.hot if ev else None
    if report.sweep and report.sweep.points:
        curve = " · ".join(f"{p.label}: {p.gflops:.3g}" for p in report.sweep.points)
        lines.append(f"  size sweep, GFLOP/s at n = {curve}")
        if report.stage != "parallel":
            curve = " · ".join(f"{p.label}: {p.cpu_gflops:.3g}" for p in report.sweep.points)
            lines.append(f"    per CPU-second of the worker (what other processes barely move): "
                         f"{curve}")
        if report.stage == "parallel" and report.sweep.squares:
            last = report.sweep.squares[-1]
            lines.append(f"  cores kept busy at n = {last.n}: {last.cores:.2f}")
    if ev and ev.alone is not None:
        lines.append(f"  samples of your code with no other thread of it running: "
                     f"{_share(ev.alone)}")
    if hot is not None:
        s = hot.stats
        lines.append(f"  hot loop: {Path(hot.file).name}:{hot.lines[0]}-{hot.lines[1]} in "
                     f"{hot.function} ({s.instructions} instructions; "
                     f"{report.hot_why})")
        mads = "FMAs" if s.fmas else "multiply-adds (no FMA)"
        lines.append(f"    vector width {s.width_name} · {mads} per iteration "
                     f"{s.multiply_adds} · loads per FMA {s.per_multiply_add(s.loads):.2g} · "
                     f"stores per FMA {s.per_multiply_add(s.stores):.2g}")
        lines.append(f"    independent accumulators {s.accumulators} · stack spills "
                     f"{s.stack_loads + s.stack_stores} · bounds checks {s.bounds_checks} · "
                     f"strided loads {s.strided_loads}")
    if report.ceiling is not None:
        c = report.ceiling
        measured = ""
        found = measured_fraction(ev) if ev else None
        if found:
            fraction, point, per_cpu = found
            measured = (f"; measured at n = {point.n}: {fraction:.0%}"
                        + (" per CPU-second" if per_cpu else ""))
            if fraction > 1.15 * c.fraction:
                measured += (f" (above the ceiling: llvm-mca's {c.model} model is of another "
                             "CPU, or the peak was measured low)")
        model = f"{c.model} model" + (f", standing in for {c.stand_in_for}: this llvm-mca has "
                                      "no model of it" if c.stand_in_for else "")
        lines.append(f"  llvm-mca ({model}): {c.loop.cycles_per_iteration:.2f} cycles "
                     f"per iteration (ports alone: {c.loop.block_rthroughput:.2f}) -> ceiling "
                     f"{c.fraction:.0%} of peak{measured}")
    total = sum(report.profile_parts.values())
    if total:
        shares = " · ".join(f"{part} {_share(report.profile_parts[part] / total)}"
                            for part in PROFILE_PARTS if report.profile_parts.get(part))
        lines.append(f"  profile (perf, {total} samples): {shares}")
    lines += [f"  note: {note}" for note in report.notes]
    problems = [f for f in report.findings if f.problem]
    if not report.ran and not report.findings:
        lines.append("  diagnosis: none until the stage runs (see the note above)")
        return lines
    lines.append("  diagnosis:" if report.findings else
                 "  diagnosis: nothing stands out in this stage's hot loop")
    for finding in report.findings:
        mark = "-" if finding.problem else "·"
        lines.append(f"    {mark} {finding.text()}")
    if report.findings and not problems:
        lines.append("    (· marks a limit of this stage that a later stage lifts)")
    return lines


def _share(fraction: float) -> str:
    """A share as a percentage: `86%`, or `0.4%` under one percent."""
    return f"{fraction:.0%}" if fraction >= 0.01 else f"{100 * fraction:.1f}%"


def plot(reports: list[StageReport], machine: Machine, path: Path) -> Path | None:
    """GFLOP/s against n for each swept stage, with the sizes where B fills each cache."""
    swept = [r for r in reports if r.sweep and r.sweep.points]
    if not swept:
        return None
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for report in swept:
        points = report.sweep.points  # type: ignore[union-attr]
        per_cpu = report.stage != "parallel"  # other processes barely move these
        rates = [p.cpu_gflops if per_cpu else p.gflops for p in points]
        ax.plot([p.n for p in points], rates, "o-",
                label=report.stage + (" (per CPU-second)" if per_cpu else " (wall clock)"))
        if not points[-1].square:
            ax.annotate(points[-1].label, (points[-1].n, rates[-1]), fontsize=7,
                        xytext=(-40, 6), textcoords="offset points")
    for cache in machine.caches:
        n = (cache.size / 4) ** 0.5
        ax.axvline(n, color="grey", linestyle=":")
        ax.annotate(f"B = {cache.name} ({human_bytes(cache.size)})", (n, 0.02),
                    xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                    xytext=(2, 0), textcoords="offset points")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_xlabel("n (m = n = k; the last point: B beyond the caches)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(f"level 0 size sweep · {machine.model}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def coach_peaks(emit: Callable[[str], None],
                measure: Callable[..., Roofline] | None = None) -> dict[str, float]:
    """The 1-thread and all-thread FMA peaks from a quick roofline (~1 s, the best sample
    counts). One whose threads did not get their cores (a host holding a vCPU: the all-thread
    peak near the 1-thread one) is measured again; if it still is, the all-thread peak is left
    out with a note, so parallel gets no fraction of a peak the machine did not have."""
    measure = measure or roofline.measure
    try:
        roof = measure(quick=True, repeats=5)
        missing = roofline.cores_missing(roof, roof.threads)
        if missing:
            roof = roof.merged(measure(quick=True, repeats=5))
            missing = roofline.cores_missing(roof, roof.threads)
    except GraderError as exc:
        emit(f"note: no roofline ({exc}): no fractions of the peak")
        return {}
    peaks = {"peak_gflops_1_thread": roof.best("peak_gflops_1_thread")}
    if missing:
        emit(f"note: measured twice, {missing}: no fraction of the all-thread peak")
    else:
        peaks["peak_gflops_all_threads"] = roof.best("peak_gflops_all_threads")
    return peaks


def coach(level: Level, source: Source, keyword: str | None = None,
          emit: Callable[[str], None] = print) -> int:
    """Run the coach on the chosen stages and print its report; 0, or 2 for an unknown
    stage."""
    started = time.monotonic()
    stages = select_stages(keyword)
    if not stages:
        emit(f"grade.py: error: -k {keyword!r} names no stage ({', '.join(STAGES)})")
        return 2
    machine = detect()
    caches = " · ".join(f"{c.name} {human_bytes(c.size)}" for c in machine.caches)
    emit(f"coach · {level.id} · {machine.model} · {machine.isa_name()} · {caches}")
    emit("(the coach never changes a grade; it explains the speed of each stage)")
    built = build(level, source)
    emit(f"built with line tables and disassembled in {time.monotonic() - started:.0f} s")
    client = WorkerClient(worker_spec(level, built.ws), name="coach")
    reports: list[StageReport] = []
    try:
        peak = coach_peaks(emit)
        if peak:
            every = peak.get("peak_gflops_all_threads")
            emit(f"peak FP32: {peak['peak_gflops_1_thread']:.0f} GFLOP/s on 1 thread"
                 + (f", {every:.0f} on all" if every else ""))
        for index, stage in enumerate(stages):
            key = stage_file(level, stage)
            stage_started = time.monotonic()
            report = static_report(built, level, stage, machine)
            if key in built.blocked:
                report.notes.append(built.blocked[key])
            # What is left, less STAGE_S (a profile, its setup) for each stage
            # still to come, shared among the sweeps still to come.
            left = BUDGET_S - (time.monotonic() - started)
            to_come = stages[index:]
            sweeps = sum(1 for s in to_come if s not in MEMORY_BOUND)
            budget = max(2.0, (left - STAGE_S * len(to_come)) / max(sweeps, 1))
            measured_report(report, built, client, peak, budget, beyond_caches(level))
            reports.append(report)
            emit("")
            lines = render_stage(report, machine)
            lines[0] += f"   ({time.monotonic() - stage_started:.0f} s)"
            for line in lines:
                emit(line)
        path = plot(reports, machine, PLOT_PATH)
        if path:
            emit(f"\nsize sweep plot: {path.resolve()}")
    finally:
        client.close()
        built.ws.cleanup()
    emit(f"coach done in {time.monotonic() - started:.0f} s")
    return 0


def main(level: Level, source: Source, keyword: str | None) -> int:
    """The CLI's entry (`grade.py level0 --coach`): the report on standard output."""
    return coach(level, source, keyword, emit=lambda line: print(line, file=sys.stdout,
                                                               flush=True))
