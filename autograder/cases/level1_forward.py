"""The functions part `forward` differentiates, written once for both sides.

Each function takes `m`, a namespace with `sin cos exp log tanh` (numpy on the judge's side,
the student's `teenygrad.forward` in the worker), the input x, and constants c (arrays the
judge draws with `constants`). Only operators and those five functions are used, so the same
definition runs on numpy arrays (real or complex: the judge's complex-step reference), on
Duals and on the student's tape. Inputs only: nothing here is an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Consts = dict[str, np.ndarray]


def book(m: Any, x: Any, c: Consts) -> Any:
    """The book's f(x1, x2) = exp(x1) sin²(x2) (chapter 1.6.1): ℝ² → ℝ."""
    return m.exp(x[0]) * m.sin(x[1]) ** 2


def fan_out(m: Any, x: Any, c: Consts) -> Any:
    """tanh(W x + b) · exp(x0): ℝ² → ℝ⁶, a graph that fans out (forward mode's case)."""
    return m.tanh(c["W"] @ x + c["b"]) * m.exp(x[0])


def fan_in(m: Any, x: Any, c: Consts) -> Any:
    """sin(V x) · exp(0.1 Σ x²): ℝ⁶ → ℝ², a graph that fans in (reverse mode's case)."""
    return m.sin(c["V"] @ x) * m.exp(0.1 * (x * x).sum())


def elementwise(m: Any, x: Any, c: Consts) -> Any:
    """x³ / (1 + x²) − cos x + tanh x + log(2 + sin x), elementwise: a diagonal Jacobian."""
    return x ** 3 / (1.0 + x * x) - m.cos(x) + m.tanh(x) + m.log(2.0 + m.sin(x))


def loss(m: Any, x: Any, c: Consts) -> Any:
    """Σ (tanh(W x) − y)² + Σ log(1 + x²) + x0 / (2 + cos x1): ℝ⁴ → ℝ, for Hessians."""
    return (((m.tanh(c["W"] @ x) - c["y"]) ** 2).sum() + m.log(1.0 + x * x).sum()
            + x[0] / (2.0 + m.cos(x[1])))


FUNCTIONS: dict[str, Callable[[Any, Any, Consts], Any]] = {
    "book": book, "fan_out": fan_out, "fan_in": fan_in, "elementwise": elementwise,
    "loss": loss,
}
#: The input shape of each function (elementwise takes any shape; this is its default).
INPUT_SHAPES: dict[str, tuple[int, ...]] = {
    "book": (2,), "fan_out": (2,), "fan_in": (6,), "elementwise": (2, 3), "loss": (4,),
}


def constants(name: str, seed: int) -> Consts:
    """The constants of function `name`, drawn from `seed` (standard normal, float64)."""
    rng = np.random.default_rng(seed)
    shapes = {"fan_out": {"W": (6, 2), "b": (6,)}, "fan_in": {"V": (2, 6)},
              "loss": {"W": (3, 4), "y": (3,)}}.get(name, {})
    return {key: rng.normal(size=shape) for key, shape in shapes.items()}
