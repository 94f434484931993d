"""`python grade.py roofline`: this machine's roofline, measured by the kit's own Rust binary.

The binary (`rust_kernels/roofline`) never links student code. It measures the FP32 FMA peak
and the STREAM triad bandwidth, each for one thread and for all threads. Level 0's grading
measures it in the same run as the student's kernels and grades each stage as a fraction of it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

from autograder import KIT_ROOT
from autograder.judge.build import cache_dir
from autograder.judge.errors import GraderError
from autograder.judge.timing import POLICY, PlotPoint, Roofline, TimingPolicy

CRATES = KIT_ROOT / "rust_kernels"


def binary() -> Path:
    """Build (if needed) and return the roofline binary, kept in the kit's cargo cache."""
    cmd = ["cargo", "build", "--release", "--quiet", "-p", "roofline",
           "--manifest-path", str(CRATES / "Cargo.toml")]
    env = {**os.environ, "CARGO_TARGET_DIR": str(cache_dir())}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraderError(f"cannot build the roofline probe: {exc}") from None
    if done.returncode != 0:
        raise GraderError("the roofline probe does not build:\n" + done.stderr[-2000:])
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


def plot(roof: Roofline, points: list[PlotPoint], path: Path) -> Path:
    """Draw the 1-thread and all-thread roofs with each kernel as a point; write a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    intensity = np.logspace(-2, 3, 200)
    for label, peak_key, bw_key, style in [
            ("1 thread", "peak_gflops_1_thread", "triad_gbs_1_thread", "-"),
            (f"{roof.threads} threads", "peak_gflops_all_threads", "triad_gbs_all_threads",
             "--")]:
        peak, bandwidth = roof.best(peak_key), roof.best(bw_key)
        ax.loglog(intensity, np.minimum(peak, bandwidth * intensity), style, color="black",
                  label=f"roof, {label}: {peak:.0f} GFLOP/s, {bandwidth:.0f} GB/s")
    for point in points:
        ax.loglog(point.intensity, point.gflops, "o")
        ax.annotate(point.name, (point.intensity, point.gflops), fontsize=8,
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("arithmetic intensity (FLOP / byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(f"roofline · {roof.cpu_model}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


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
    print(json.dumps(roof.to_json(), indent=2) if args.json else "\n".join(summary_lines(roof)))
    print(f"roofline plot: {plot(roof, [], args.plot)}")
    return 0
