"""The judge's oracles for level 0: the BLAS in numpy, the benchmark inputs, FLOP/byte counts.

Runs in the judge only; never imports student code (nor `solutions/`). The seeded inputs
come from `autograder.cases.level0`, which the worker-side probes call too, so the arrays the
judge regenerates from a seed are bit-identical to the ones the student's kernel ran on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autograder.cases.level0 import (  # noqa: F401 - the suites take inputs from here too
    EPS32,
    PAD_VALUE,
    blas1_inputs,
    fresh_a,
    sgemm_inputs,
    sgemm_operands,
    sgemv_inputs,
    uniform,
)

# ----- the BLAS in numpy (float64 accumulation) ---------------------------------------------


def sgemm(alpha: float, a: np.ndarray, b: np.ndarray, beta: float, c: np.ndarray) -> np.ndarray:
    """alpha*A@B + beta*C in float64; C is not read when beta == 0 (NaN there is fine)."""
    ab = alpha * (np.asarray(a, np.float64) @ np.asarray(b, np.float64))
    return ab if beta == 0 else ab + beta * np.asarray(c, np.float64)


def sgemm_atol(alpha: float, a: np.ndarray, b: np.ndarray, beta: float,
               c: np.ndarray) -> np.ndarray:
    """Elementwise tolerance for a float32 SGEMM summed in any order, with or without FMA.

    8·sqrt(k+1)·eps·(|alpha|·|A|@|B| + |beta|·|C|): the statistical size of float32 rounding
    over k terms, times a safety factor 8. A wrong or skipped term is of order |A_ip·B_pj|,
    usually far larger. Use with `check_close(..., rtol=0, atol=sgemm_atol(...))`.
    """
    k = np.shape(a)[1]
    scale = abs(alpha) * (np.abs(np.asarray(a, np.float64)) @ np.abs(np.asarray(b, np.float64)))
    if beta != 0:
        scale = scale + abs(beta) * np.abs(np.asarray(c, np.float64))
    return 8 * math.sqrt(k + 1) * EPS32 * scale + 1e-30


def saxpy(alpha: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """alpha*x + y in float64."""
    return alpha * np.asarray(x, np.float64) + np.asarray(y, np.float64)


def sdot(x: np.ndarray, y: np.ndarray) -> float:
    """x·y in float64."""
    return float(np.dot(np.asarray(x, np.float64), np.asarray(y, np.float64)))


def sdot_atol(x: np.ndarray, y: np.ndarray) -> float:
    """Tolerance for a float32 dot product summed in any order (as `sgemm_atol`)."""
    n = np.size(x)
    return 8 * math.sqrt(n + 1) * EPS32 * float(np.abs(np.asarray(x, np.float64))
                                               @ np.abs(np.asarray(y, np.float64))) + 1e-30


def sgemv(alpha: float, a: np.ndarray, x: np.ndarray, beta: float, y: np.ndarray) -> np.ndarray:
    """alpha*A@x + beta*y in float64; y is not read when beta == 0."""
    ax = alpha * (np.asarray(a, np.float64) @ np.asarray(x, np.float64))
    return ax if beta == 0 else ax + beta * np.asarray(y, np.float64)


def sgemv_atol(alpha: float, a: np.ndarray, x: np.ndarray, beta: float,
               y: np.ndarray) -> np.ndarray:
    """Elementwise tolerance for sgemv (as `sgemm_atol`)."""
    return sgemm_atol(alpha, a, np.reshape(x, (-1, 1)), beta, np.reshape(y, (-1, 1)))[:, 0]


# ----- expected results of the benchmark probes ---------------------------------------------


def sgemm_benchmark_operands(n: int, seed: int, perturb_row: int, perturb_values: np.ndarray,
                             m: int | None = None, k: int | None = None
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (with the last timed run's row written in), B, C0 of `probes.prepare_sgemm`.

    `perturb_values` is the (k,) row of the last run, or the (repeats, k) rows of one call, of
    which the last is what A held when the result was computed.
    """
    a, b, c0 = sgemm_operands(n, seed, m, k)
    a[perturb_row] = np.asarray(perturb_values, np.float32).reshape(-1, a.shape[1])[-1]
    return a, b, c0


def sgemm_benchmark_expected(n: int, seed: int, perturb_row: int, perturb_values: np.ndarray,
                             alpha: float = 1.0, beta: float = 0.0, m: int | None = None,
                             k: int | None = None) -> np.ndarray:
    """What `probes.fetch_c()` must return after `probes.run_sgemm(..., perturb_row,
    perturb_values)` on inputs from `probes.prepare_sgemm(n, seed, alpha, beta, m, k)`."""
    a, b, c0 = sgemm_benchmark_operands(n, seed, perturb_row, perturb_values, m, k)
    return sgemm(alpha, a, b, beta, c0)


def saxpy_benchmark_expected(n: int, seed: int,
                             runs: Sequence[tuple[float, int, float]]) -> np.ndarray:
    """What `probes.fetch_saxpy_y()` must return after `runs`, the (alpha, perturb_index,
    perturb_value) of every `probes.run_saxpy` since `prepare_saxpy(n, seed)` or the last
    `reset_saxpy()`. Each run sees x with only its own element perturbed; y accumulates."""
    x0, y = blas1_inputs(n, seed)
    acc = y.astype(np.float64)
    for alpha, index, value in runs:
        x = x0.astype(np.float64)
        x[index] = np.float32(value)
        acc = np.float32(alpha) * x + acc
    return acc


def sdot_benchmark_expected(n: int, seed: int, perturb_index: int,
                            perturb_value: float) -> tuple[float, float]:
    """(expected, atol) for `probes.fetch_sdot()` after `probes.run_sdot(perturb_index,
    perturb_value)` on inputs from `probes.prepare_sdot(n, seed)`."""
    x, y = blas1_inputs(n, seed)
    x[perturb_index] = np.float32(perturb_value)
    return sdot(x, y), sdot_atol(x, y)


def sgemv_benchmark_expected(m: int, n: int, seed: int, perturb_row: int,
                             perturb_values: np.ndarray, alpha: float = 1.0,
                             beta: float = 0.0) -> np.ndarray:
    """What `probes.fetch_sgemv_y()` must return after `probes.run_sgemv(perturb_row,
    perturb_values)` on inputs from `probes.prepare_sgemv(m, n, seed, alpha, beta)`."""
    a, x, y0 = sgemv_inputs(m, n, seed)
    a[perturb_row] = np.asarray(perturb_values, np.float32)
    return sgemv(alpha, a, x, beta, y0)
