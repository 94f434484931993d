"""Level 0's seeded inputs, shared by the judge's references and the worker's probes.

Both sides regenerate the same arrays from the same seed, bit for bit: the worker to run the
student's kernel on them, the judge to compute what the kernel should have returned. Inputs
only: nothing here is an answer.

Values are uniform in [-1, 1): a dot product of length k is then of order sqrt(k)/3, far from
float32's range, and exact zeros (which would hide a skipped term) are rare.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)
#: What the probes fill the gaps of row-strided buffers with (`lda_pad` etc.): a kernel that
#: writes outside its matrix changes it, one that reads it gets absurd values.
PAD_VALUE = np.float32(-7.25e30)

def uniform(rng: np.random.Generator, shape: int | Sequence[int]) -> np.ndarray:
    """float32 values uniform in [-1, 1), drawn as float32 (no rounding from float64)."""
    return rng.random(shape, dtype=np.float32) * np.float32(2) - np.float32(1)


def sgemm_inputs(m: int, n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (m, k), B (k, n), C0 (m, n), all C-contiguous float32, from `seed`."""
    rng = np.random.default_rng(seed)
    return uniform(rng, (m, k)), uniform(rng, (k, n)), uniform(rng, (m, n))


def sgemm_operands(n: int, seed: int, m: int | None = None, k: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`sgemm_inputs` of the benchmarks' m×n×k product, m = k = n unless given."""
    return sgemm_inputs(m or n, n, k or n, seed)


def fresh_a(shape: tuple[int, int], run_seed: int) -> np.ndarray:
    """All of A refilled for one timed run (a dense change: no cached product can be reused)."""
    return uniform(np.random.default_rng(run_seed), shape)


def blas1_inputs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """x (n,), y0 (n,) float32 from `seed` (saxpy and sdot)."""
    rng = np.random.default_rng(seed)
    return uniform(rng, n), uniform(rng, n)


def sgemv_inputs(m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (m, n), x (n,), y0 (m,) float32 from `seed`."""
    rng = np.random.default_rng(seed)
    return uniform(rng, (m, n)), uniform(rng, n), uniform(rng, m)


# ----- work and traffic per call (GFLOP/s, GB/s, a kernel's place on the roofline) -------------


def sgemm_work(n: int, m: int | None = None, k: int | None = None) -> tuple[int, int]:
    """FLOP and compulsory bytes of an m×n×k SGEMM (m = k = n unless given): 2mnk FLOP (a
    multiply and an add per term; the α/β scaling is not counted); read A and B, write C."""
    m, k = m or n, k or n
    return 2 * m * n * k, 4 * (m * k + k * n + m * n)


def saxpy_work(n: int) -> tuple[int, int]:
    """FLOP and bytes of a saxpy of length n: 2n FLOP; read x, read y, write y."""
    return 2 * n, 4 * 3 * n


def sgemv_work(n: int) -> tuple[int, int]:
    """FLOP and bytes of an n×n sgemv: 2n² FLOP; read A and x, write y."""
    return 2 * n * n, 4 * (n * n + 2 * n)
