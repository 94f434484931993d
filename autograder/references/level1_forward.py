"""The judge's oracles for part `forward`: closed-form dual-number rules, and the functions of
`autograder.cases.level1_forward` differentiated by the complex step (exact to rounding) and by
central finite differences.

The complex step: for f analytic and real on real inputs, f(x + i·h·v) = f(x) + i·h·J v +
O(h²), so Im f(x + i·h·v) / h is J v with no subtractive cancellation; with h = 1e-30 it is
exact to float64 rounding. Runs in the judge only; never imports student code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.cases.level1_forward import FUNCTIONS, INPUT_SHAPES, constants

__all__ = ["FD_RTOL", "INPUT_SHAPES", "RTOL", "constants", "dual_op", "finite_diff_jvp",
           "hvp", "inputs", "jacobian", "jvp", "value"]

#: Exact rules and complex-step derivatives agree with a right answer to rounding.
RTOL, ATOL = 1e-9, 1e-11
#: Central differences (h = 1e-6) agree to about 1e-9 relative; a wrong rule is off by O(1).
FD_RTOL, FD_ATOL = 1e-6, 1e-8
COMPLEX_STEP = 1e-30
FD_STEP = 1e-6
HVP_STEP = 1e-4


def dual_op(name: str, a: list[np.ndarray], b: list[Any] | None, exponent: float | None
            ) -> list[np.ndarray]:
    """[value, tangent] the student's Dual rule `name` must give (see probes.dual_op)."""
    x, dx = np.asarray(a[0], float), np.asarray(a[1], float)
    y = None if b is None else np.asarray(b[0], float)
    dy = None if b is None or b[1] is None else np.asarray(b[1], float)
    name = name[1:] if name.startswith("f") else name
    if name in ("div", "rdiv"):
        num, dnum, den, dden = (x, dx, y, dy) if name == "div" else (y, dy, x, dx)
        dnum = np.zeros_like(num) if dnum is None else dnum
        dden = np.zeros_like(den) if dden is None else dden
        out = num / den
        return [out, np.broadcast_to((dnum * den - num * dden) / den ** 2, out.shape) + 0.0]
    if name == "pow":
        if exponent == 0:
            return [np.ones_like(x), np.zeros_like(x)]
        return [x ** exponent, exponent * x ** (exponent - 1) * dx]
    if name in ("matmul", "rmatmul"):
        left, dleft, right, dright = (x, dx, y, dy) if name == "matmul" else (y, dy, x, dx)
        tangent = (0 if dleft is None else dleft @ right) + (0 if dright is None else left @ dright)
        return [left @ right, np.asarray(tangent, float)]
    rules = {"sin": (np.sin, np.cos), "cos": (np.cos, lambda t: -np.sin(t)),
             "exp": (np.exp, np.exp), "log": (np.log, lambda t: 1.0 / t),
             "tanh": (np.tanh, lambda t: 1.0 - np.tanh(t) ** 2)}
    forward, derivative = rules[name]
    return [forward(x), dx * derivative(x)]


def value(name: str, consts: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """f(x) with numpy."""
    return np.asarray(FUNCTIONS[name](np, np.asarray(x, float), consts), dtype=np.float64)


def jvp(name: str, consts: dict[str, np.ndarray], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """J v by the complex step."""
    z = np.asarray(x, float) + 1j * COMPLEX_STEP * np.asarray(v, float)
    return np.asarray(FUNCTIONS[name](np, z, consts)).imag / COMPLEX_STEP


def finite_diff_jvp(name: str, consts: dict[str, np.ndarray], x: np.ndarray, v: np.ndarray
                    ) -> np.ndarray:
    """J v by central differences, (f(x + h v) - f(x - h v)) / 2h in float64."""
    x, v = np.asarray(x, float), np.asarray(v, float)
    return (value(name, consts, x + FD_STEP * v) - value(name, consts, x - FD_STEP * v)) \
        / (2 * FD_STEP)


def jacobian(name: str, consts: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The Jacobian (shape f(x).shape + x.shape), one complex-step column per input."""
    x = np.asarray(x, float)
    out_shape = value(name, consts, x).shape
    columns = [jvp(name, consts, x, np.eye(x.size)[j].reshape(x.shape)) for j in range(x.size)]
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


def hvp(name: str, consts: dict[str, np.ndarray], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H v of a scalar function: central differences, along v, of its complex-step gradient
    (error O(h²) with h = 1e-4, about 1e-9 relative here)."""
    x, v = np.asarray(x, float), np.asarray(v, float)
    up = jacobian(name, consts, x + HVP_STEP * v)
    down = jacobian(name, consts, x - HVP_STEP * v)
    return (up - down) / (2 * HVP_STEP)


def inputs(name: str, seed: int, shape: tuple[int, ...] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """(x, v) for function `name`: x uniform in [-1.5, 1.5), v standard normal."""
    rng = np.random.default_rng(seed)
    shape = shape or INPUT_SHAPES[name]
    return rng.uniform(-1.5, 1.5, size=shape), rng.normal(size=shape)


def arrays(shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0) -> Any:
    """A hypothesis strategy of float64 arrays of `shape` with values in [lo, hi]."""
    return hnp.arrays(np.float64, shape,
                      elements=st.floats(lo, hi, allow_nan=False, allow_subnormal=False))
