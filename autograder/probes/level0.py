"""Level 0 probes: run inside the worker, next to the student's built `teenygrad_kernels`.

Correctness probes take numpy arrays from the judge, run the student's kernel on copies (laid
out as asked: contiguous, or as row-strided views of wider buffers) and return the results.
Benchmark probes keep their operands in `_STATE` between calls of one test: `prepare_*` makes
them from a seed (untimed), `run_*` runs the kernel once (the judge times the call with its own
clock) after writing fresh values into the inputs so that no cached result can pass, and
`fetch_*` returns the output of the last run for the judge to check against
the judge's references, which regenerate the same inputs from the same seed.

No verdicts here. The extension module is imported inside each probe, so a build that is
missing fails only the tests that need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.cases.level0 import (
    PAD_VALUE,
    blas1_inputs,
    fresh_a,
    sgemm_operands,
    sgemv_inputs,
)

_STATE: dict[str, Any] = {}


def _kernels() -> Any:
    import teenygrad_kernels

    return teenygrad_kernels


def _f32(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _embed(matrix: Any, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """(buffer, view): a float32 copy of `matrix` as the first columns of a buffer `pad` columns
    wider, the gap filled with PAD_VALUE. pad == 0 gives a contiguous copy."""
    matrix = _f32(matrix)
    rows, cols = matrix.shape
    buffer = np.full((rows, cols + pad), PAD_VALUE, dtype=np.float32)
    buffer[:, :cols] = matrix
    return buffer, buffer[:, :cols]


def _strided(vector: Any, inc: int) -> tuple[np.ndarray, np.ndarray]:
    """(buffer, view): a float32 copy of `vector` as every inc-th element of a buffer, the gaps
    filled with PAD_VALUE."""
    vector = _f32(vector)
    buffer = np.full(max(len(vector) * inc, 1), PAD_VALUE, dtype=np.float32)
    buffer[: len(vector) * inc : inc] = vector
    return buffer, buffer[: len(vector) * inc : inc]


# ----- what the build dispatches to --------------------------------------------------------


def isa() -> str:
    """The instruction set the student's simd/parallel stages dispatch to (kit-detected)."""
    return _kernels().isa()


def stages() -> list[str]:
    """The SGEMM stage names, slowest first."""
    return list(_kernels().stages())


# ----- correctness ---------------------------------------------------------------------------


def sgemm(stage: str, alpha: float, a: np.ndarray, b: np.ndarray, beta: float, c: np.ndarray,
          threads: int = 0, lda_pad: int = 0, ldb_pad: int = 0, ldc_pad: int = 0,
          whole_c_buffer: bool = False) -> np.ndarray:
    """Run `sgemm(stage, ...)` on copies of a, b, c, each the first columns of a buffer
    `*_pad` columns wider (gaps hold PAD_VALUE), and return C — or with `whole_c_buffer`,
    C's whole (m, n + ldc_pad) buffer, so the judge can see whether the gap was written."""
    _, a_view = _embed(a, lda_pad)
    _, b_view = _embed(b, ldb_pad)
    c_buffer, c_view = _embed(c, ldc_pad)
    _kernels().sgemm(stage, float(alpha), a_view, b_view, float(beta), c_view, int(threads))
    return c_buffer if whole_c_buffer else np.ascontiguousarray(c_view)


def sgemm_calls(stage: str, alpha: float, a: np.ndarray, b: np.ndarray, beta: float,
                c: np.ndarray, calls: int, threads: int = 0) -> np.ndarray:
    """Run `sgemm(stage, ..., threads)` `calls` times in a row, on A and -A alternately (fresh
    copies of every operand each time), and return every C, stacked in order. Threads that
    race get C wrong in some calls only; the alternating sign makes a C computed from the
    previous call's data wrong too (a stale packed block holds the same numbers when A does not
    change)."""
    return np.stack([sgemm(stage, alpha, a if i % 2 == 0 else -a, b, beta, c, threads)
                     for i in range(calls)])


def saxpy(alpha: float, x: np.ndarray, y: np.ndarray, incx: int = 1, incy: int = 1,
          whole_y_buffer: bool = False) -> np.ndarray:
    """Run `saxpy` on copies of x, y laid out with increments incx, incy; return y (or its
    whole strided buffer with `whole_y_buffer`)."""
    _, x_view = _strided(x, incx)
    y_buffer, y_view = _strided(y, incy)
    _kernels().saxpy(float(alpha), x_view, y_view)
    return y_buffer if whole_y_buffer else np.ascontiguousarray(y_view)


def sdot(x: np.ndarray, y: np.ndarray, incx: int = 1, incy: int = 1) -> float:
    """Run `sdot` on copies of x, y laid out with increments incx, incy."""
    _, x_view = _strided(x, incx)
    _, y_view = _strided(y, incy)
    return float(_kernels().sdot(x_view, y_view))


def sgemv(alpha: float, a: np.ndarray, x: np.ndarray, beta: float, y: np.ndarray,
          lda_pad: int = 0) -> np.ndarray:
    """Run `sgemv` on copies (A the first columns of a buffer lda_pad wider); return y."""
    _, a_view = _embed(a, lda_pad)
    y_copy = _f32(y).copy()
    _kernels().sgemv(float(alpha), a_view, _f32(x).copy(), float(beta), y_copy)
    return y_copy


# ----- benchmarks: sgemm ---------------------------------------------------------------------


def _perturb_row(matrix: np.ndarray, originals: str, row: int, values: np.ndarray) -> None:
    """Restore the row changed by the previous run, then write `values` into `row`."""
    previous = _STATE.pop(originals, None)
    if previous is not None:
        matrix[previous[0]] = previous[1]
    _STATE[originals] = (row, matrix[row].copy())
    matrix[row] = values


def prepare_sgemm(n: int, seed: int, alpha: float = 1.0, beta: float = 0.0,
                  m: int | None = None, k: int | None = None) -> None:
    """Make A (m, k), B (k, n), C0 (m, n) from `seed` (m = k = n unless given), untimed."""
    a, b, c0 = sgemm_operands(n, seed, m, k)
    _STATE["sgemm"] = {"a": a, "b": b, "c0": c0, "c": c0.copy(), "alpha": alpha, "beta": beta}
    _STATE.pop("sgemm_row", None)


def run_sgemm(stage: str, threads: int, perturb_row: int, perturb_values: np.ndarray) -> None:
    """Write `perturb_values` into row `perturb_row` of A and run the stage once.

    `perturb_values` is one row (k,), or (repeats, k) rows to run `repeats` times, each after
    writing its own row (fetch_c then holds the last run). C is reset from C0 before each run
    only when beta != 0 (with beta == 0 the kernel must not read it, so the reset would only
    add memory traffic to the timing).
    """
    state, kernels = _STATE["sgemm"], _kernels()
    a, c = state["a"], state["c"]
    rows = _f32(perturb_values).reshape(-1, a.shape[1])
    for values in rows:
        _perturb_row(a, "sgemm_row", perturb_row, values)
        if state["beta"] != 0:
            np.copyto(c, state["c0"])
        kernels.sgemm(stage, state["alpha"], a, state["b"], state["beta"], c, int(threads))


def fetch_c() -> np.ndarray:
    """C after the last `run_sgemm`."""
    return _STATE["sgemm"]["c"].copy()


def stage_sgemm_run(run_seed: int) -> None:
    """Untimed: refill all of A from `run_seed` (and C from C0 when beta != 0) for one run."""
    state = _STATE["sgemm"]
    np.copyto(state["a"], fresh_a(state["a"].shape, run_seed))
    if state["beta"] != 0:
        np.copyto(state["c"], state["c0"])


def run_sgemm_staged(stage: str, threads: int) -> None:
    """Timed: one call of the stage on the operands `stage_sgemm_run` prepared."""
    state = _STATE["sgemm"]
    _kernels().sgemm(stage, state["alpha"], state["a"], state["b"], state["beta"], state["c"],
                     int(threads))


def fetch_c_rows(rows: list[int]) -> np.ndarray:
    """Rows of C after the last run (the judge picks them after the run, at random)."""
    return _STATE["sgemm"]["c"][np.asarray(rows, dtype=np.int64)].copy()


# ----- benchmarks: saxpy, sdot (one pair of vectors), sgemv -----------------------------------


def _perturb_element(vector: np.ndarray, index: int, value: float) -> None:
    """Restore the element changed by the previous run, then write `value` at `index`."""
    previous = _STATE.pop("blas1_element", None)
    if previous is not None:
        vector[previous[0]] = previous[1]
    _STATE["blas1_element"] = (index, vector[index])
    vector[index] = value


def prepare_saxpy(n: int, seed: int) -> None:
    """Make x, y0 of length n from `seed` (as `references.level0.blas1_inputs`), untimed."""
    x, y0 = blas1_inputs(n, seed)
    _STATE["blas1"] = {"x": x, "y0": y0, "y": y0.copy()}
    _STATE.pop("blas1_element", None)


def reset_saxpy() -> None:
    """y ← y0 (untimed: a copy costs as much memory traffic as saxpy itself)."""
    state = _STATE["blas1"]
    np.copyto(state["y"], state["y0"])


def run_saxpy(alpha: float, perturb_index: int, perturb_value: float) -> None:
    """x[perturb_index] ← perturb_value (the previous run's change undone), then y ← αx + y.
    y accumulates over runs until `reset_saxpy`."""
    state = _STATE["blas1"]
    _perturb_element(state["x"], perturb_index, perturb_value)
    _kernels().saxpy(float(alpha), state["x"], state["y"])


def fetch_saxpy_y_at(indices: list[int]) -> np.ndarray:
    """y at the given indices (the judge picks them after each run, at random)."""
    return _STATE["blas1"]["y"][np.asarray(indices, dtype=np.int64)].copy()


def fetch_saxpy_y() -> np.ndarray:
    """y after the runs since `prepare_saxpy` / `reset_saxpy`."""
    return _STATE["blas1"]["y"].copy()


def prepare_sdot(n: int, seed: int) -> None:
    """Make x, y of length n from `seed` (the same vectors as `prepare_saxpy`), untimed."""
    prepare_saxpy(n, seed)


def run_sdot(perturb_index: int, perturb_value: float) -> None:
    """x[perturb_index] ← perturb_value (the previous run's change undone), then x·y."""
    state = _STATE["blas1"]
    _perturb_element(state["x"], perturb_index, perturb_value)
    state["dot"] = float(_kernels().sdot(state["x"], state["y"]))


def fetch_sdot() -> float:
    """The result of the last `run_sdot`."""
    return _STATE["blas1"]["dot"]


def prepare_sgemv(m: int, n: int, seed: int, alpha: float = 1.0, beta: float = 0.0) -> None:
    """Make A (m, n), x (n,), y0 (m,) from `seed`, untimed."""
    a, x, y0 = sgemv_inputs(m, n, seed)
    _STATE["sgemv"] = {"a": a, "x": x, "y0": y0, "y": y0.copy(), "alpha": alpha, "beta": beta}
    _STATE.pop("sgemv_row", None)


def run_sgemv(perturb_row: int, perturb_values: np.ndarray) -> None:
    """Write `perturb_values` into row `perturb_row` of A, reset y from y0 when beta != 0
    (m floats: negligible next to A), and run sgemv once."""
    state = _STATE["sgemv"]
    _perturb_row(state["a"], "sgemv_row", perturb_row, _f32(perturb_values))
    if state["beta"] != 0:
        np.copyto(state["y"], state["y0"])
    _kernels().sgemv(state["alpha"], state["a"], state["x"], state["beta"], state["y"])


def fetch_sgemv_y() -> np.ndarray:
    """y after the last `run_sgemv`."""
    return _STATE["sgemv"]["y"].copy()


# ----- teenygrad.accel: the Python glue --------------------------------------------------------


def accel_matmul(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Run the student's `teenygrad.accel.matmul(a, b)`, noting which sgemm stages it called."""
    kernels = _kernels()
    original, stages_called = kernels.sgemm, []

    def counting_sgemm(stage: str, *args: Any, **kwargs: Any) -> Any:
        stages_called.append(stage)
        return original(stage, *args, **kwargs)

    kernels.sgemm = counting_sgemm  # before the import, so `from ... import sgemm` sees it too
    try:
        from teenygrad import accel

        c = accel.matmul(_f32(a), _f32(b))
    finally:
        kernels.sgemm = original
    return {"c": np.asarray(c, dtype=np.float32), "stages": stages_called}
