"""teenygrad.accel: run teenygrad's matmul on your fastest Rust kernel.

Graded in part `glue` (3 points): `matmul(a, b)` must equal `a @ b` and must call
`teenygrad_kernels.sgemm` with your `simd` or `parallel` stage.
"""

from __future__ import annotations

import numpy as np
import teenygrad_kernels  # noqa: F401 - the module your matmul calls


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the (m, n) float32 product of float32 matrices `a` (m, k) and `b` (k, n).

    Contract: raise ValueError (naming both shapes) when the inner dimensions differ; allocate
    C yourself and compute it with one call of `teenygrad_kernels.sgemm(stage, 1.0, a, b, 0.0,
    c)` using your fastest stage ("parallel", or "simd"). Tip: `np.ascontiguousarray` makes a
    transposed view into rows the kernel accepts.
    """
    ### BEGIN SOLUTION
    a = np.ascontiguousarray(a, dtype=np.float32)
    b = np.ascontiguousarray(b, dtype=np.float32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not fit")
    c = np.empty((a.shape[0], b.shape[1]), dtype=np.float32)
    teenygrad_kernels.sgemm("parallel", 1.0, a, b, 0.0, c)
    return c
    ### END SOLUTION
