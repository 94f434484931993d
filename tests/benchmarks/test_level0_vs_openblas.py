"""Level 0 benchmark: the reference SGEMM against numpy's OpenBLAS, in the same run.

The reference kernels (solutions/level0, built with maturin by `_reference_build.py`) run
interleaved with `numpy.matmul` round by round, so both see the same machine. Goal: the
reference is at least as fast as OpenBLAS — `simd` on 1 thread, `parallel` on 2 — at
n = 1024 and 2048, and at 4096 with TEENYGRAD_BENCH_4096=1 (about 20 s more).

OpenBLAS picks its kernel from the CPU unless OPENBLAS_CORETYPE says otherwise, and some
machines set that (and OPENBLAS_L2_SIZE) for old OpenBLAS builds, which slows a current numpy.
Unset both in the command that runs this file, never from Python:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python -m pytest -m timing tests/benchmarks/test_level0_vs_openblas.py -s

The kernel OpenBLAS runs (threadpoolctl's `architecture`) is recorded with each result. Each
test is skipped, not failed, when other processes used more than BUSY_LIMIT of the CPUs while
it measured: the comparison means nothing on a shared machine.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

pytestmark = [pytest.mark.slow, pytest.mark.timing]

SIZES = [1024, 2048] + ([4096] if os.environ.get("TEENYGRAD_BENCH_4096") else [])
CASES = [("simd", 1), ("parallel", 2)]
GOAL = 1.0  # reference speed / OpenBLAS speed
TOLERANCE = float(os.environ.get("TEENYGRAD_BENCH_TOLERANCE", "0.03"))  # noise allowance
BUSY_LIMIT = 0.05  # CPU share used by other processes above which a result is void
OPENBLAS_SPIN = 0.25  # s; OpenBLAS's idle threads busy-wait ~0.1 s before they sleep


def _load_helper() -> ModuleType:
    path = Path(__file__).with_name("_reference_build.py")
    spec = importlib.util.spec_from_file_location("_level0_reference_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The reference `teenygrad_kernels`, freshly built, imported from its own site dir."""
    forced = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if forced:
        pytest.skip(f"{' and '.join(forced)} set: unset it in the command (see the module doc)")
    if "teenygrad_kernels" in sys.modules:
        pytest.skip("another teenygrad_kernels is already imported in this process")
    site = _load_helper().build_reference(tmp_path_factory.mktemp("level0-reference"))
    sys.path.insert(0, str(site))
    try:
        import teenygrad_kernels

        yield teenygrad_kernels
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("teenygrad_kernels", None)


def _openblas() -> dict:
    """What numpy's BLAS is: threadpoolctl's record of it (internal_api, version, kernel)."""
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return infos[0] if infos else {}


class OtherLoad:
    """CPU share used by other processes between `start` and `stop`: all busy time on the
    machine (/proc/stat) minus this process's own CPU time, over wall time × cores."""

    def start(self) -> None:
        self.busy0, self.own0, self.wall0 = self._busy(), self._own(), time.perf_counter()

    def stop(self) -> float:
        wall = time.perf_counter() - self.wall0
        others = (self._busy() - self.busy0) - (self._own() - self.own0)
        return max(0.0, others / (wall * (os.cpu_count() or 1)))

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
        idle = ticks[3] + ticks[4]
        return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own() -> float:
        times = os.times()
        return times.user + times.system


def _rounds(n: int) -> int:
    return {1024: 15, 2048: 7}.get(n, 3)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("stage", "threads"), CASES, ids=[f"{s}-{t}t" for s, t in CASES])
def test_reference_sgemm_vs_openblas(benchmark, kernels, skip_if_busy, stage, threads, n):
    """The reference SGEMM is at least as fast as numpy's OpenBLAS (median of interleaved runs)."""
    rng = np.random.default_rng(n)
    a = rng.random((n, n), dtype=np.float32) - np.float32(0.5)
    b = rng.random((n, n), dtype=np.float32) - np.float32(0.5)
    c_ours = np.empty((n, n), np.float32)
    c_numpy = np.empty((n, n), np.float32)
    numpy_seconds: list[float] = []

    def run_numpy() -> None:  # pedantic's untimed setup: interleaves numpy with ours
        start = time.perf_counter()
        np.matmul(a, b, out=c_numpy)
        numpy_seconds.append(time.perf_counter() - start)
        time.sleep(OPENBLAS_SPIN)  # its threads spin after a call: let them sleep first

    def run_ours() -> None:
        kernels.sgemm(stage, 1.0, a, b, 0.0, c_ours, threads)

    load = OtherLoad()
    with threadpool_limits(limits=threads, user_api="blas"):
        load.start()
        benchmark.pedantic(run_ours, setup=run_numpy, rounds=_rounds(n), warmup_rounds=1)
        others = load.stop()
    np.testing.assert_allclose(c_ours, c_numpy, rtol=1e-3, atol=1e-3 * np.sqrt(n))

    flops = 2.0 * n**3
    ours = flops / benchmark.stats.stats.median / 1e9
    theirs = flops / statistics.median(numpy_seconds[1:]) / 1e9
    blas = _openblas()
    benchmark.extra_info.update(
        stage=stage, threads=threads, n=n, isa=kernels.isa(), gflops=round(ours, 1),
        openblas_gflops=round(theirs, 1), ratio=round(ours / theirs, 3),
        openblas=f"{blas.get('internal_api')} {blas.get('version')} "
                 f"kernel={blas.get('architecture')}",
        openblas_coretype=os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        other_processes_cpu=round(others, 3))
    print(f"\n  sgemm {stage} {threads}t n={n}: {ours:.1f} GFLOP/s, OpenBLAS "
          f"({blas.get('architecture')}) {theirs:.1f}, ratio {ours / theirs:.3f}, "
          f"others used {100 * others:.0f}% CPU")
    if others > BUSY_LIMIT:
        pytest.skip(f"other processes used {100 * others:.0f}% of the CPUs while measuring")
    assert ours >= (GOAL - TOLERANCE) * theirs, (
        f"reference {stage} on {threads} thread(s) at n={n}: {ours:.1f} GFLOP/s, "
        f"below OpenBLAS's {theirs:.1f}")
