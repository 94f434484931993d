"""teenygrad, level -1: a tensor from nested lists, then strided views, then the BLAS.

Three modules, one per part of the level:

- `teenygrad.nested`  — `NestedTensor`, a tensor stored as nested Python lists;
- `teenygrad.strided` — `Tensor`, flat storage + shape + strides + offset, with zero-copy views;
- `teenygrad.blas`    — `saxpy`, `sdot`, `sgemv`, `sgemm` on strided tensors.

This file imports none of them up front: `teenygrad.Tensor` imports `teenygrad.strided` on
first use. So a mistake in one module only breaks the tests that need that module.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "NestedTensor": "teenygrad.nested",
    "Tensor": "teenygrad.strided",
    "saxpy": "teenygrad.blas",
    "sdot": "teenygrad.blas",
    "sgemv": "teenygrad.blas",
    "sgemm": "teenygrad.blas",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use (PEP 562)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'teenygrad' has no attribute {name!r}")
