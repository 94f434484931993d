"""Level -1: the reference `sgemm` against the textbook triple loop, in pure Python.

In CPython the cost of a loop step is the interpreter's, not the cache's, so the access order
that pays is the one that lets C code run the inner loop over contiguous lists: the reference
packs the columns of op(B) once and computes each C[i, j] as `sum(map(mul, row, column))`.
It must be at least 2× faster than `C[i][j] += A[i][p] * B[p][j]` on lists of lists.

Timing is CPU time of this process (`time.process_time`), best of interleaved rounds, so other
processes on the machine disturb it little. The student's `sgemm` (assignments/level-1) is
timed too when it is implemented: reported, never asserted.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from machine_load import OtherLoad, busy_reason, goal_not_checked
from pytest_benchmark.fixture import BenchmarkFixture

KIT = Path(__file__).resolve().parents[2]
ROUNDS = 9
MIN_RATIO = 2.0

pytestmark = [pytest.mark.slow, pytest.mark.timing]


def _load(root: Path, tag: str) -> tuple[ModuleType, ModuleType]:
    """`teenygrad/strided.py` and `teenygrad/blas.py` under `root`, imported by path under
    private names (other levels also have a package called teenygrad)."""
    modules = []
    for name in ("strided", "blas"):
        spec = importlib.util.spec_from_file_location(f"_lm1_{tag}_{name}",
                                                      root / "teenygrad" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        modules.append(module)
    return modules[0], modules[1]


def triple_loop(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """The textbook matrix product on lists of lists."""
    n, k, m = len(a), len(b), len(b[0])
    c = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            for p in range(k):
                c[i][j] += a[i][p] * b[p][j]
    return c


def best_cpu_times(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Best CPU time of each function over `rounds` interleaved rounds."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    return best


def _operands(n: int) -> tuple[list[list[float]], list[list[float]]]:
    rng = random.Random(n)
    return ([[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)],
            [[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)])


@pytest.mark.parametrize("n", [64, 128])
def test_reference_sgemm_beats_triple_loop(benchmark: BenchmarkFixture, n: int) -> None:
    """The reference sgemm is at least 2× faster than the triple loop, with the same result."""
    strided, blas = _load(KIT / "solutions" / "level-1", "ref")
    a, b = _operands(n)
    ta, tb, tc = strided.Tensor(a), strided.Tensor(b), strided.Tensor.zeros((n, n))

    def reference() -> None:
        blas.sgemm(1.0, ta, tb, 0.0, tc)

    load = OtherLoad().start()
    times = best_cpu_times({"triple": lambda: triple_loop(a, b), "reference": reference},
                           ROUNDS)
    busy = busy_reason(load.stop()) or goal_not_checked()
    want = triple_loop(a, b)
    got = tc.tolist()
    assert all(abs(x - y) <= 1e-9 * max(1.0, abs(y))
               for row_g, row_w in zip(got, want, strict=True)
               for x, y in zip(row_g, row_w, strict=True))
    ratio = times["triple"] / times["reference"]
    benchmark.extra_info.update(n=n, triple_loop_s=times["triple"], ratio=round(ratio, 2))
    benchmark.pedantic(reference, rounds=3, iterations=1)
    print(f"\nn={n}: triple loop {times['triple'] * 1e3:.1f} ms, reference sgemm "
          f"{times['reference'] * 1e3:.1f} ms, ratio {ratio:.2f}x")
    if ratio < MIN_RATIO and busy:
        pytest.skip(f"{busy}: ratio {ratio:.2f}x not checked")
    assert ratio >= MIN_RATIO, (
        f"n={n}: the reference sgemm is only {ratio:.2f}x faster than the triple loop "
        f"(needs {MIN_RATIO}x): {times}")


@pytest.mark.parametrize("n", [64, 128])
def test_student_sgemm_reported(benchmark: BenchmarkFixture, n: int) -> None:
    """The student's sgemm, timed against the same triple loop (reported, not asserted)."""
    strided, blas = _load(KIT / "assignments" / "level-1", "student")
    a, b = _operands(n)
    try:
        ta, tb, tc = strided.Tensor(a), strided.Tensor(b), strided.Tensor.zeros((n, n))
        blas.sgemm(1.0, ta, tb, 0.0, tc)
    except NotImplementedError:
        pytest.skip("the student's sgemm is not implemented yet")

    def student() -> None:
        blas.sgemm(1.0, ta, tb, 0.0, tc)

    times = best_cpu_times({"triple": lambda: triple_loop(a, b), "student": student}, ROUNDS)
    ratio = times["triple"] / times["student"]
    benchmark.extra_info.update(n=n, triple_loop_s=times["triple"], ratio=round(ratio, 2))
    benchmark.pedantic(student, rounds=3, iterations=1)
    print(f"\nn={n}: student sgemm {times['student'] * 1e3:.1f} ms, ratio {ratio:.2f}x")
