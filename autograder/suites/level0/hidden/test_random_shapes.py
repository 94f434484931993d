"""Level 0 hidden correctness: hypothesis-drawn shapes, paddings and alpha/beta per kernel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close
from autograder.probes import level0 as probes
from autograder.references import level0 as ref

#: Sizes around every tile size a kernel might use (primes, 2^k ± 1, 0, 1).
DIMS = st.sampled_from([0, 1, 2, 3, 5, 7, 8, 9, 13, 15, 16, 17, 31, 33, 47, 63, 64, 65, 97,
                        127, 129, 191])
SCALARS = st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.5])


#: The points of each stage's random shapes; simd and parallel, whose loops are blocked over m
#: and k (MC, KC), give one of their two points to the many-blocks case below.
RANDOM_POINTS = {"naive": 2, "reordered": 2, "blocked": 2, "microkernel": 2, "simd": 1,
                 "parallel": 1}
#: A product with more rows and a longer k than two cache blocks of the reference hold (MC =
#: 4096, KC = 512): each of m and k splits into three blocks, so a count of (ic, pc) steps
#: computed as m_blocks + k_blocks instead of m_blocks * k_blocks (equal for two of each) is
#: seen. n = 67 is wide enough for parallel to split the columns over two threads.
MANY_BLOCKS = (8209, 67, 1031)


#: parallel runs one product this many times in a row, on RACE_THREADS threads (RACE_SHAPE:
#: two slices of k, a cache block of rows and a few micro-panels more, columns for three
#: threads). Threads that race give a wrong C in some calls only, and more threads than cores
#: make it show: a thread that loses its core halfway through its share leaves the others
#: running. The reference with its wait for the packed A removed got 30% of the calls at this
#: size wrong on a 2-core Zen 3 (9 and 10 of 30; 10% with one thread per core), so 40 calls all
#: pass with a chance below one in a million.
RACE_CALLS = 40
RACE_THREADS = 3
RACE_SHAPE = (4099, 67, 1031)


def per_stage(points: dict[str, int]) -> list:
    """One parameter per stage of `points`, each in its stage's part and worth its points."""
    return [pytest.param(stage, marks=[pytest.mark.part(stage), pytest.mark.points(worth)],
                         id=stage) for stage, worth in points.items()]


@pytest.mark.parametrize("stage", per_stage(RANDOM_POINTS))
@settings(max_examples=12)
@given(m=DIMS, n=DIMS, k=DIMS, pads=st.tuples(*[st.sampled_from([0, 1, 4])] * 3),
       alpha=SCALARS, beta=SCALARS, seed=st.integers(0, 2**16))
def test_sgemm_random_shapes(student, stage, m, n, k, pads, alpha, beta, seed) -> None:
    """sgemm matches numpy on random shapes around tile edges, paddings and alpha/beta."""
    a, b, c = ref.sgemm_inputs(m, n, k, seed)
    got = student.call(probes.sgemm, stage, alpha, a, b, beta, c, 0, *pads)
    atol = float(np.max(ref.sgemm_atol(alpha, a, b, beta, c), initial=1e-6))
    check_close(got, ref.sgemm(alpha, a, b, beta, c), rtol=1e-4, atol=atol,
                what=f"sgemm[{stage}] C for m={m}, n={n}, k={k}, pads={pads}, alpha={alpha}, "
                     f"beta={beta}")


@pytest.mark.parametrize("stage", per_stage({"simd": 1, "parallel": 1}))
def test_sgemm_many_blocks(student, stage) -> None:
    """sgemm matches numpy when m and k are each longer than two cache blocks."""
    m, n, k = MANY_BLOCKS
    a, b, c = ref.sgemm_inputs(m, n, k, seed=8209)
    got = student.call(probes.sgemm, stage, 1.5, a, b, -0.5, c, 0, 0, 0, 0)
    atol = float(np.max(ref.sgemm_atol(1.5, a, b, -0.5, c), initial=1e-6))
    check_close(got, ref.sgemm(1.5, a, b, -0.5, c), rtol=1e-4, atol=atol,
                what=f"sgemm[{stage}] C for m={m}, n={n}, k={k}, alpha=1.5, beta=-0.5",
                hint="every block of rows (MC) must meet every block of k (KC), each at its "
                     "own offsets in A, B and C")


@pytest.mark.part("parallel")
@pytest.mark.points(1)
def test_sgemm_parallel_every_call(student) -> None:
    """parallel gives the right C on each of 40 calls in a row on 3 threads (no race)."""
    m, n, k = RACE_SHAPE
    a, b, c = ref.sgemm_inputs(m, n, k, seed=4099)
    got = student.call(probes.sgemm_calls, "parallel", 1.5, a, b, -0.5, c, RACE_CALLS,
                       RACE_THREADS)
    # The two products the calls alternate between (A, then -A), each computed once.
    wants = [(ref.sgemm(1.5, a_call, b, -0.5, c),
              float(np.max(ref.sgemm_atol(1.5, a_call, b, -0.5, c), initial=1e-6)))
             for a_call in (a, -a)]
    for call, c_got in enumerate(got):
        want, atol = wants[call % 2]
        check_close(c_got, want, rtol=1e-4, atol=atol,
                    what=f"sgemm[parallel] C in call {call + 1} of {RACE_CALLS} (A's sign "
                         f"alternates) for m={m}, n={n}, k={k}, alpha=1.5, beta=-0.5, "
                         f"threads={RACE_THREADS}",
                    hint="a C that is right in some calls and wrong in others is a race: a "
                         "thread read a packed block before another finished writing it, or "
                         "two threads wrote the same part of C; make every thread wait until "
                         "what it reads is complete (a Barrier, or a counter it reads with "
                         "Ordering::Acquire after the writers' Release)")


@pytest.mark.part("blas1")
@pytest.mark.points(2)
@settings(max_examples=30)
@given(n=st.integers(0, 3000), incx=st.integers(1, 3), incy=st.integers(1, 3), alpha=SCALARS,
       seed=st.integers(0, 2**16))
def test_saxpy_sdot_random(student, n, incx, incy, alpha, seed) -> None:
    """saxpy and sdot match numpy for random lengths, increments and alpha."""
    x, y = ref.blas1_inputs(n, seed)
    check_close(student.call(probes.saxpy, alpha, x, y, incx, incy), ref.saxpy(alpha, x, y),
                what=f"saxpy y for n={n}, incx={incx}, incy={incy}, alpha={alpha}")
    check_close(student.call(probes.sdot, x, y, incx, incy), ref.sdot(x, y),
                atol=ref.sdot_atol(x, y) + 1e-6, what=f"sdot for n={n}")


@pytest.mark.part("sgemv")
@pytest.mark.points(2)
@settings(max_examples=30)
@given(m=DIMS, n=DIMS, pad=st.sampled_from([0, 1, 5]), alpha=SCALARS, beta=SCALARS,
       seed=st.integers(0, 2**16))
def test_sgemv_random(student, m, n, pad, alpha, beta, seed) -> None:
    """sgemv matches numpy for random shapes, paddings and alpha/beta."""
    a, x, y = ref.sgemv_inputs(m, n, seed)
    got = student.call(probes.sgemv, alpha, a, x, beta, y, pad)
    check_close(got, ref.sgemv(alpha, a, x, beta, y), rtol=1e-4,
                atol=float(np.max(ref.sgemv_atol(alpha, a, x, beta, y), initial=1e-6)),
                what=f"sgemv y for m={m}, n={n}, pad={pad}, alpha={alpha}, beta={beta}")
