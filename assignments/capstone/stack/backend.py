"""Parts `backend`, `matmul` and `conv` (its `windows`): your backend, from your levels -1 and 0.

A backend is the small set of array operations everything above it is written in (MiniTorch's
tensor backends and needle's NDArray work the same way): make a tensor from values, read its
values back, the view operations, elementwise `map` and `zip` with broadcasting, a reduction
along axes, and a matrix product. `stack.array` builds numpy's names on top of these, so your
level 1 autodiff runs on them unchanged.

Yours holds its data in your level -1 strided `Tensor` (flat storage + shape + strides +
offset): every view is one call of your level -1 code and must stay a view (no copy). Its
matrix product sends the values to your level 0 Rust SGEMM (`teenygrad_kernels.sgemm_lists`).
No numpy anywhere: the grader runs this without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stack.levels import load_kernels, load_level_minus1


class StridedBackend:
    """The backend on your level -1 `Tensor` and your level 0 SGEMM.

    `self.Tensor` is your level -1 `strided.Tensor`, `self.strided` its module (for
    `contiguous_strides` and `broadcast_shapes`), `self.kernels` your level 0 module (loaded
    on first use, so the views and elementwise work need no Rust) and `self.stage` the SGEMM
    stage the matrix products use.
    """

    name = "strided"

    def __init__(self, stage: str = "parallel") -> None:
        """Load your level -1 modules (your level 0 kernels are loaded on first use)."""
        self.strided = load_level_minus1()["strided"]
        self.Tensor = self.strided.Tensor
        self.stage = stage
        self._kernels: Any = None

    @property
    def kernels(self) -> Any:
        """Your level 0 module `teenygrad_kernels`, imported on first use."""
        if self._kernels is None:
            self._kernels = load_kernels()
        return self._kernels

    # ----- given: making tensors and reading them ------------------------------------------
    def tensor(self, values: list[float], shape: Sequence[int]) -> Any:
        """A new contiguous tensor over `values` (row-major, not copied)."""
        shape = tuple(shape)
        return self.Tensor.from_layout(values, shape, self.strided.contiguous_strides(shape), 0)

    def shape(self, t: Any) -> tuple[int, ...]:
        """The shape of `t`."""
        return tuple(t.shape)

    def values(self, t: Any) -> list[float]:
        """The elements of `t` in row-major order (a new list)."""
        storage = t.storage
        return [storage[p] for p in t.positions()]

    # ----- part `backend`: the views, each one call of your level -1 Tensor -----------------
    def reshape(self, t: Any, shape: tuple[int, ...]) -> Any:
        """`t` with a new shape: a view when your level -1 `reshape` can make one."""
        raise NotImplementedError("StridedBackend.reshape: not implemented yet — see the docstring")

    def permute(self, t: Any, dims: tuple[int, ...]) -> Any:
        """`t` with its axes in the order `dims`: always a view (same storage)."""
        raise NotImplementedError("StridedBackend.permute: not implemented yet — see the docstring")

    def broadcast_to(self, t: Any, shape: tuple[int, ...]) -> Any:
        """`t` stretched to `shape` with stride 0 on the stretched axes: a view."""
        raise NotImplementedError("StridedBackend.broadcast_to: not implemented yet — see the docstring")

    def getitem(self, t: Any, key: tuple[Any, ...]) -> Any:
        """`t[key]` for ints and slices: a view."""
        raise NotImplementedError("StridedBackend.getitem: not implemented yet — see the docstring")

    # ----- part `backend`: compute ----------------------------------------------------------
    def map(self, fn: Callable[[float], float], t: Any) -> Any:
        """A new contiguous tensor of `fn(x)` for every element `x` of `t` (any layout)."""
        raise NotImplementedError("StridedBackend.map: not implemented yet — see the docstring")

    def zip(self, fn: Callable[..., float], *ts: Any) -> Any:
        """A new contiguous tensor of `fn(x, y, ...)` over the broadcast of `ts` (one or more
        tensors; numpy's broadcasting rules, `ValueError` when the shapes do not fit)."""
        raise NotImplementedError("StridedBackend.zip: not implemented yet — see the docstring")

    def reduce(self, fn: Callable[[float, float], float], t: Any, axes: tuple[int, ...],
               start: float) -> Any:
        """Fold `fn` over `axes` (sorted, non-negative) starting from `start`; the result keeps
        the reduced axes with size 1 (numpy's keepdims=True)."""
        raise NotImplementedError("StridedBackend.reduce: not implemented yet — see the docstring")

    # ----- part `conv`: the im2col windows, a view ----------------------------------------------
    def windows(self, t: Any, kh: int, kw: int) -> Any:
        """The (B, C, OH, OW, kh, kw) view of every kh x kw window of `t` (B, C, H, W), with
        OH = H - kh + 1 and OW = W - kw + 1: element [b, c, i, j, p, q] is t[b, c, i + p, j + q].
        No copy: one `from_layout` over `t`'s storage (moving one row down, in i or in p, is
        the same step in storage, so two new axes reuse `t`'s strides)."""
        raise NotImplementedError("StridedBackend.windows: not implemented yet — see the docstring")

    # ----- part `matmul`: your level 0 SGEMM ----------------------------------------------------
    def matmul(self, a: Any, b: Any, beta: float = 0.0, c: Any = None) -> Any:
        """`a @ b + beta * c` for 2-d `a` (m, k) and `b` (k, n), `c` (m, n) or None (then
        beta must be 0): one call of `self.kernels.sgemm_lists(self.stage, m, n, k, 1.0,
        a_values, b_values, beta, c_values)` on the row-major values; a new (m, n) tensor.
        Shapes that do not fit raise `ValueError` naming them."""
        raise NotImplementedError("StridedBackend.matmul: not implemented yet — see the docstring")
