"""teenygrad, level 1: reverse-mode automatic differentiation on numpy arrays.

Modules (each graded on its own, so a mistake in one does not break the others):

- `teenygrad.tensor`    `Tensor`, the graph, `backward`, `no_grad`
- `teenygrad.ops`       differentiable ops, each with its vector-Jacobian product (VJP)
- `teenygrad.losses`    `mse`, `binary_cross_entropy_with_logits`, `cross_entropy`
- `teenygrad.gradcheck` central finite differences and `gradcheck`
- `teenygrad.optim`     `SGD`, `Adam`, `AdamW`, `Muon`
- `teenygrad.nn`        `Module`, `Linear`, `ReLU`, `Tanh`, `Sequential`, `DataLoader`
- `teenygrad.capstone`  a digits classifier and linear regression, end to end
- `teenygrad.forward`   forward mode: dual numbers, JVPs, Jacobians both ways, Hessian-vector
                        products
- `teenygrad.training`  GELU, SiLU, MAE, Huber, Xavier/Kaiming init, gradient clipping,
                        learning-rate schedules, dropout, AMSGrad

Nothing is imported eagerly: `teenygrad.Tensor` imports `teenygrad.tensor` on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_SUBMODULES = ("tensor", "ops", "losses", "gradcheck", "optim", "nn", "capstone", "forward",
               "training")
_EXPORTS = {"Tensor": "tensor", "no_grad": "tensor", "is_grad_enabled": "tensor"}

__all__ = [*_SUBMODULES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import a submodule (or one of the names in `_EXPORTS`) the first time it is used."""
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
