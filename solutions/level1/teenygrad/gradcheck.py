"""Check a gradient against central finite differences in float64. Graded in part `gradcheck`.

For a function f of tensors that returns a one-element tensor, the derivative with respect to
element j of input i is estimated by

    (f(..., x_i + eps * e_j, ...) - f(..., x_i - eps * e_j, ...)) / (2 * eps)

whose error is O(eps**2), against backward()'s analytic gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from teenygrad.tensor import Tensor

Function = Callable[..., Tensor]


@dataclass
class GradcheckReport:
    """What `gradcheck` found, one entry per input.

    Attributes:
        ok: True when every input passed `np.allclose(analytic, numeric, rtol, atol)`.
        analytic: the gradients from backward() (float64 arrays shaped like the inputs).
        numeric: the central-difference gradients.
        abs_errors: per input, max |analytic - numeric| (0.0 for an empty input).
        rel_errors: per input, ||analytic - numeric|| / max(||analytic||, ||numeric||, 1e-12)
            with Euclidean norms over all elements.
    """

    ok: bool
    analytic: list[np.ndarray]
    numeric: list[np.ndarray]
    abs_errors: list[float]
    rel_errors: list[float]


def numerical_grad(f: Function, inputs: Sequence[np.ndarray], eps: float = 1e-6
                   ) -> list[np.ndarray]:
    """Central differences of f at `inputs`, one float64 array per input.

    Contract: f is called as `f(*tensors)` with fresh float64 tensors (requires_grad=False)
    holding copies of the inputs, one element moved by +eps or -eps, and must return a
    one-element tensor. The inputs are not modified. Entry j of result i is
    (f(x_i + eps e_j) - f(x_i - eps e_j)) / (2 eps).
    """
    ### BEGIN SOLUTION
    base = [np.array(x, dtype=np.float64) for x in inputs]

    def value() -> float:
        return float(f(*[Tensor(x) for x in base]).data.reshape(()))

    grads = []
    for x in base:
        grad = np.zeros_like(x)
        flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: writes reach x and grad
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + eps
            up = value()
            flat[j] = saved - eps
            down = value()
            flat[j] = saved
            gflat[j] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads
    ### END SOLUTION


def gradcheck(f: Function, inputs: Sequence[np.ndarray], eps: float = 1e-6,
              rtol: float = 1e-4, atol: float = 1e-6) -> GradcheckReport:
    """Compare backward()'s gradient of f with `numerical_grad`, input by input.

    Contract: builds float64 tensors with requires_grad=True from copies of `inputs`, calls
    `f(*tensors).backward()`, takes each input's `.grad` (zeros if it got none) as the
    analytic gradient, and fills a `GradcheckReport` (see its fields for the exact error
    measures). The inputs are not modified.
    """
    ### BEGIN SOLUTION
    leaves = [Tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
    f(*leaves).backward()
    analytic = [t.grad if t.grad is not None else np.zeros_like(t.data) for t in leaves]
    numeric = numerical_grad(f, inputs, eps)
    abs_errors, rel_errors = [], []
    for a, n in zip(analytic, numeric, strict=True):
        diff = np.abs(a - n)
        abs_errors.append(float(diff.max()) if diff.size else 0.0)
        scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(n)), 1e-12)
        rel_errors.append(float(np.linalg.norm(a - n)) / scale)
    ok = all(np.allclose(a, n, rtol=rtol, atol=atol)
             for a, n in zip(analytic, numeric, strict=True))
    return GradcheckReport(ok, analytic, numeric, abs_errors, rel_errors)
    ### END SOLUTION
