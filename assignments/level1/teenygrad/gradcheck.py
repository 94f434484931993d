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
    raise NotImplementedError("numerical_grad: not implemented yet — see the docstring")


def gradcheck(f: Function, inputs: Sequence[np.ndarray], eps: float = 1e-6,
              rtol: float = 1e-4, atol: float = 1e-6) -> GradcheckReport:
    """Compare backward()'s gradient of f with `numerical_grad`, input by input.

    Contract: builds float64 tensors with requires_grad=True from copies of `inputs`, calls
    `f(*tensors).backward()`, takes each input's `.grad` (zeros if it got none) as the
    analytic gradient, and fills a `GradcheckReport` (see its fields for the exact error
    measures). The inputs are not modified.
    """
    raise NotImplementedError("gradcheck: not implemented yet — see the docstring")
