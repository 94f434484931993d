"""Level 0 correctness: every kernel against numpy on fixed, awkward cases."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.cases.level0 import PAD_VALUE, blas1_inputs, sgemm_inputs, sgemv_inputs
from autograder.judge.api import check_close
from autograder.probes import level0 as probes
from autograder.suites.oracle import public_oracle

expected = public_oracle("level0")

STAGES = ["naive", "reordered", "blocked", "microkernel", "simd", "parallel"]
#: (m, n, k, lda_pad, ldb_pad, ldc_pad): edges that are no tile's multiple, padded rows, k = 0,
#: and more rows, then more columns, than a cache block usually holds (4099 > 4096): a second
#: block of rows (MC) or columns (NC) must start at its own offset (n = 67: wide enough for
#: parallel to split the columns over two threads; 1 x 97: one row split among threads).
#: 300 x 257 x 515 is padded too: it is the one large enough (40 million multiply-adds) that a
#: parallel stage which keeps small products on one thread when left to choose still runs it
#: on several.
SHAPES = [(1, 1, 1, 0, 0, 0), (7, 5, 3, 0, 0, 0), (37, 61, 17, 3, 5, 2), (0, 4, 3, 0, 0, 0),
          (5, 0, 3, 0, 0, 0), (4, 6, 0, 0, 0, 1), (129, 131, 67, 1, 0, 7), (300, 257, 515, 3, 1, 2),
          (4099, 67, 3, 2, 0, 1), (3, 4099, 9, 0, 1, 2), (1, 97, 5, 0, 2, 0)]
ALPHA_BETA = [(1.0, 0.0), (-0.5, 2.0), (0.0, 1.5), (2.0, 1.0)]
#: The instruction sets `simd` and `parallel` dispatch to, as `TEENYGRAD_ISA` names them
#: (`Isa::from_name` in rust_kernels/teenygrad_kernels/src/kernels/mod.rs). Every one this CPU
#: has is tested, not only the widest: a student's fallback kernel is graded code too.
ISAS = ["avx512f", "avx2+fma", "neon", "scalar"]
DISPATCHING = {"simd", "parallel"}
#: `threads` the parallel stage runs with besides 0 (the kernel's choice): one, three (more
#: than a two-core machine has, and an uneven split of the blocks) and nine (many narrow
#: shares: more blocks of columns than a micro-tile is wide).
MORE_THREADS = [1, 3, 9]


def per_stage(points: float, parallel: float | None = None) -> list:
    """One parameter per stage, each in its stage's part and worth `points` (`parallel` points
    for the parallel stage, when given)."""
    worth = {s: points for s in STAGES} | ({} if parallel is None else {"parallel": parallel})
    return [pytest.param(s, marks=[pytest.mark.part(s), pytest.mark.points(worth[s])], id=s)
            for s in STAGES]


def check_sgemm(student, stage: str, m: int, n: int, k: int, pads: tuple, alpha: float,
                beta: float, seed: int, isa: str = "", threads: int = 0) -> None:
    """Run one sgemm case in the worker and compare it with numpy (padding untouched too);
    `isa` names the instruction set the worker was made to use, for the message."""
    a, b, c = sgemm_inputs(m, n, k, seed)
    lda_pad, ldb_pad, ldc_pad = pads
    got = student.call(probes.sgemm, stage, alpha, a, b, beta, c, threads, lda_pad, ldb_pad,
                       ldc_pad, whole_c_buffer=True)
    atol = float(np.max(expected.sgemm_atol(alpha, a, b, beta, c), initial=1e-6))
    check_close(got[:, :n], expected.sgemm(alpha, a, b, beta, c), rtol=1e-4, atol=atol,
                what=f"sgemm[{stage}] C for m={m}, n={n}, k={k}, alpha={alpha}, beta={beta}, "
                     f"pads={pads}" + (f", TEENYGRAD_ISA={isa}" if isa else "")
                     + (f", threads={threads}" if threads else ""),
                hint="with k = 0, C becomes beta*C (alpha*A@B is zero): scale C, do not return"
                if k == 0 else
                "C must be alpha*A@B + beta*C, each row read at its leading dimension")
    if ldc_pad:
        check_close(got[:, n:], np.full((m, ldc_pad), PAD_VALUE), what="C's padding columns",
                    hint="write only the first n columns of each row of C (ldc > n)")


def other_isas(student, student_with_env) -> list:
    """(name, worker) for every instruction set this CPU has besides the one `student` uses,
    each worker started with `TEENYGRAD_ISA` set to it."""
    widest = student.call(probes.isa)
    workers = []
    for name in ISAS:
        if name != widest:
            worker = student_with_env({"TEENYGRAD_ISA": name})
            if worker.call(probes.isa) == name:  # not this CPU's: it fell back to the widest
                workers.append((name, worker))
    return workers


#: parallel gives one of its two points here to the hidden test of 40 calls in a row (races).
@pytest.mark.parametrize("stage", per_stage(2, parallel=1))
def test_sgemm_fixed_cases(student, student_with_env, stage: str) -> None:
    """sgemm matches numpy on edge shapes, padded leading dimensions and alpha/beta pairs."""
    runs = [("", student, 0)]
    if stage == "parallel":
        runs += [("", student, threads) for threads in MORE_THREADS]
    if stage in DISPATCHING:  # and under every other instruction set this CPU has
        runs += [(isa, worker, 0) for isa, worker in other_isas(student, student_with_env)]
    for isa, worker, threads in runs:
        for i, (m, n, k, *pads) in enumerate(SHAPES):
            alpha, beta = ALPHA_BETA[i % len(ALPHA_BETA)]
            check_sgemm(worker, stage, m, n, k, tuple(pads), alpha, beta, seed=i, isa=isa,
                        threads=threads)


@pytest.mark.parametrize("stage", per_stage(1))
def test_sgemm_beta_zero_ignores_nan(student, stage: str) -> None:
    """With beta = 0, C is never read: NaN in C must not reach the result."""
    a, b, _ = sgemm_inputs(23, 19, 11, seed=5)
    c = np.full((23, 19), np.nan, dtype=np.float32)
    got = student.call(probes.sgemm, stage, 1.5, a, b, 0.0, c)
    check_close(got, expected.sgemm(1.5, a, b, 0.0, c), what=f"sgemm[{stage}] with beta=0, C=NaN",
                hint="when beta == 0, set C = alpha*A@B without reading C (0 * NaN is NaN)",
                rtol=1e-4, atol=1e-4)


@pytest.mark.part("blas1")
@pytest.mark.points(2)
def test_saxpy_fixed_cases(student) -> None:
    """saxpy: y <- alpha*x + y in place, for lengths 0..1000 and increments 1..3."""
    for i, (n, incx, incy, alpha) in enumerate([(0, 1, 1, 2.0), (1, 1, 1, -1.0), (17, 2, 1, 0.5),
                                                (1000, 1, 3, 3.0), (33, 3, 2, 0.0)]):
        x, y = blas1_inputs(n, seed=i)
        got = student.call(probes.saxpy, alpha, x, y, incx, incy, whole_y_buffer=True)
        want = np.full(max(n * incy, 1), PAD_VALUE, dtype=np.float64)
        want[: n * incy: incy] = expected.saxpy(alpha, x, y)
        check_close(got, want, what=f"saxpy y buffer for n={n}, incx={incx}, incy={incy}",
                    hint="update only every incy-th element of y")


@pytest.mark.part("blas1")
@pytest.mark.points(1)
def test_sdot_fixed_cases(student) -> None:
    """sdot: x . y for lengths 0..4099 and increments 1..3 (0.0 for length 0)."""
    for i, (n, incx, incy) in enumerate([(0, 1, 1), (1, 1, 1), (31, 2, 3), (4099, 1, 1)]):
        x, y = blas1_inputs(n, seed=10 + i)
        got = student.call(probes.sdot, x, y, incx, incy)
        check_close(got, expected.sdot(x, y), what=f"sdot for n={n}, incx={incx}, incy={incy}",
                    atol=expected.sdot_atol(x, y) + 1e-6)


@pytest.mark.part("sgemv")
@pytest.mark.points(2)
def test_sgemv_fixed_cases(student) -> None:
    """sgemv: y <- alpha*A@x + beta*y for edge shapes, a padded A and beta = 0 with NaN y."""
    cases = [(1, 1, 1.0, 0.0, 0), (5, 7, -1.0, 2.0, 3), (0, 3, 1.0, 1.0, 0), (3, 0, 2.0, 0.5, 0),
             (129, 65, 0.5, 0.0, 1)]
    for i, (m, n, alpha, beta, pad) in enumerate(cases):
        a, x, y = sgemv_inputs(m, n, seed=20 + i)
        if beta == 0:
            y = np.full_like(y, np.nan)
        got = student.call(probes.sgemv, alpha, a, x, beta, y, pad)
        leaked = beta == 0 and bool(np.isnan(got).any())
        check_close(got, expected.sgemv(alpha, a, x, beta, y), rtol=1e-4,
                    atol=float(np.max(expected.sgemv_atol(alpha, a, x, beta, y), initial=1e-6)),
                    what=f"sgemv y for m={m}, n={n}, alpha={alpha}, beta={beta}, lda pad {pad}",
                    hint="with beta == 0, y is not read (it may hold NaN)" if leaked else
                    "y = alpha*A@x + beta*y over all n columns of A (the ones left after your "
                    "unrolled chunks too), each row read at its leading dimension")


@pytest.mark.part("glue")
@pytest.mark.points(3)
def test_accel_matmul_uses_a_fast_kernel(student) -> None:
    """teenygrad.accel.matmul(a, b) equals a @ b and runs on your simd or parallel stage."""
    a, b, _ = sgemm_inputs(130, 70, 90, seed=3)
    got = student.call(probes.accel_matmul, a, b)
    check_close(got["c"], a.astype(np.float64) @ b, what="accel.matmul(a, b)", rtol=1e-4,
                atol=1e-3)
    assert set(got["stages"]) & {"simd", "parallel"}, (
        f"accel.matmul called sgemm with stages {got['stages']}: use your fastest stage "
        "(simd or parallel)")
