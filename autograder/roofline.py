"""`python grade.py roofline`: this machine's roofline, measured by the kit's own Rust binary.

The binary (`rust_kernels/roofline`) never links student code. It measures the FP32 FMA peak
and the STREAM triad bandwidth, each for one thread and for all threads. Level 0's grading
measures it in the same run as the student's kernels and grades each stage as a fraction of it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from autograder import KIT_ROOT
from autograder.judge.build import cache_dir
from autograder.judge.build_cache import BuildStore, sources_hash, toolchain_version
from autograder.judge.errors import GraderError
from autograder.judge.timing import POLICY, PlotPoint, Roofline, TimingPolicy
from autograder.report import history as report_history
from autograder.report import plots

CRATES = KIT_ROOT / "rust_kernels"
#: The level whose gradings time kernels against the roofline (its history is drawn faded).
TIMED_LEVEL = "level0"


def binary() -> Path:
    """Build (if needed) and return the roofline binary, kept in the kit's cargo cache: the
    binary of the same sources, toolchain and manifests is taken from the build store even when
    cargo would compile again (a new checkout: new file times)."""
    store = BuildStore.beside(cache_dir())
    key = sources_hash(CRATES / "roofline", [
        "roofline", toolchain_version(Path(shutil.which("rustc") or "rustc")),
        *((CRATES / name).read_text() for name in ("Cargo.toml", "Cargo.lock"))])
    stored = store.get(key)
    if stored is not None:
        return stored / "roofline"
    cmd = ["cargo", "build", "--release", "--quiet", "-p", "roofline",
           "--manifest-path", str(CRATES / "Cargo.toml")]
    env = {**os.environ, "CARGO_TARGET_DIR": str(cache_dir())}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraderError(f"cannot build the roofline probe: {exc}") from None
    if done.returncode != 0:
        raise GraderError("the roofline probe does not build:\n" + done.stderr[-2000:])
    store.put(key, [cache_dir() / "release" / "roofline"])
    return cache_dir() / "release" / "roofline"


def measure(quick: bool = True, repeats: int = 5, threads: int | None = None) -> Roofline:
    """Run the roofline probe and return what it measured (samples, medians and CVs)."""
    cmd = [str(binary()), "--repeats", str(repeats)]
    if quick:
        cmd.append("--quick")
    if threads:
        cmd += ["--threads", str(threads)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True)
        return Roofline.from_json(json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
        raise GraderError(f"the roofline probe failed: {exc}") from None


def physical_cores(topology: Path = Path("/sys/devices/system/cpu")) -> int:
    """How many physical cores the CPUs this process may run on belong to (SMT siblings count
    once), from Linux's CPU topology; without it, the number of those CPUs."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    cores = set()
    for cpu in cpus:
        where = topology / f"cpu{cpu}" / "topology"
        try:
            cores.add(((where / "physical_package_id").read_text().strip(),
                       (where / "core_id").read_text().strip()))
        except OSError:
            return len(cpus)
    return len(cores) or len(cpus) or (os.cpu_count() or 1)


def cores_missing(roof: Roofline, threads: int, cores: int | None = None,
                  policy: TimingPolicy = POLICY) -> str:
    """Why this roofline shows that `threads` threads did not each get a core, or "".

    The all-thread FMA peak is about (physical cores used) x the 1-thread peak. Far below that
    (under the policy's `min_core_scaling` of it), the threads shared cores: a host running
    this virtual machine's vCPUs on one core does that for minutes at a time, and no process of
    the machine shows it. Then a multi-thread kernel's speed-up over one thread cannot be judged."""
    cores = min(threads, physical_cores() if cores is None else cores)
    scaling = roof.best("peak_gflops_all_threads") / roof.best("peak_gflops_1_thread")
    if cores < 2 or scaling >= policy.min_core_scaling * cores:
        return ""
    return (f"this machine ran {threads} threads at only {scaling:.2f}x the 1-thread FMA peak "
            f"on {cores} cores: the threads did not get their cores, so no speed-up can be "
            "judged")


def summary_lines(roof: Roofline) -> list[str]:
    """The roofline as a few readable lines."""
    def fig(key: str) -> str:
        return f"{roof.best(key):.1f} (cv {roof.figures[key].cv * 100:.1f}%)"

    return [
        f"cpu: {roof.cpu_model}  ·  isa: {roof.isa}  ·  threads: {roof.threads}",
        f"peak FP32 GFLOP/s   1 thread: {fig('peak_gflops_1_thread')}   "
        f"all threads: {fig('peak_gflops_all_threads')}",
        f"STREAM triad GB/s   1 thread: {fig('triad_gbs_1_thread')}   "
        f"all threads: {fig('triad_gbs_all_threads')}",
    ]


def roofs_of(roof: Roofline) -> plots.Roofs:
    """The roofline's four roofs as the report's plots take them."""
    return plots.Roofs(roof.best("peak_gflops_1_thread"), roof.best("peak_gflops_all_threads"),
                       roof.best("triad_gbs_1_thread"), roof.best("triad_gbs_all_threads"),
                       roof.threads, roof.cpu_model)


def ridge_line(roof: Roofline) -> str:
    """Where each roof's ridge point is: the intensity above which a kernel can be
    compute-bound on this machine."""
    ridges = [f"{label}: {x:.1f} FLOP/byte" for label, x, _ in roofs_of(roof).ridges()]
    return "ridge point (peak / bandwidth)   " + "   ".join(ridges)


def plot(roof: Roofline, points: Sequence[PlotPoint], path: Path,
         history: Sequence[plots.Point] | None = None) -> Path:
    """Draw the 1-thread and all-thread roofs, their ridge points, each kernel of this run as a
    labelled point and `history` (by default every kernel of this checkout's earlier level 0
    gradings, from its grading history) as faded points behind them; write a PNG."""
    earlier = report_history.earlier_points(TIMED_LEVEL) if history is None else history
    shown = [plots.Point(p.name, p.intensity, p.gflops) for p in points]
    figure = plots.roofline_figure(roofs_of(roof), shown, earlier,
                                   title=f"roofline · {roof.cpu_model}")
    return plots.save_png(figure, path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py roofline`."""
    parser.add_argument("--full", action="store_true",
                        help="longer, steadier measurement (default: the grader's quick one)")
    parser.add_argument("--repeats", type=int, default=5, help="samples per figure (default 5)")
    parser.add_argument("--plot", type=Path, default=Path("grading-output/roofline.png"),
                        help="where to draw the roofline (default grading-output/roofline.png)")
    parser.add_argument("--json", action="store_true", help="print the raw JSON")


def run(args: argparse.Namespace) -> int:
    """Measure, print and plot the roofline."""
    if args.repeats < 1:
        print("grade.py roofline: error: --repeats must be at least 1")
        return 2
    roof = measure(quick=not args.full, repeats=args.repeats)
    print(json.dumps(roof.to_json(), indent=2) if args.json
          else "\n".join([*summary_lines(roof), ridge_line(roof)]))
    print(f"roofline plot: {plot(roof, [], args.plot)}")
    return 0
