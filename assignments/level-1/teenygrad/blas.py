"""Part `blas`: the Basic Linear Algebra Subprograms in pure Python, on strided tensors.

Level 1 (vector-vector): `saxpy`, `sdot`. Level 2 (matrix-vector): `sgemv`.
Level 3 (matrix-matrix): `sgemm`. The names are the BLAS ones: s = single precision (here,
Python floats), axpy = "a x plus y", dot, ge = general matrix, mv = matrix-vector,
mm = matrix-matrix.

Operands are `teenygrad.strided.Tensor`s of any layout: transposed, sliced with steps (even
negative ones), offset into a larger storage. Read element (i, j) of a matrix A at
`A.storage[A.offset + i * A.strides[0] + j * A.strides[1]]` — the BLAS calls A.strides[0] the
"leading dimension" and a vector's stride its "increment". Results are written *in place*, into
the output's storage, and nothing else in that storage may change.

The BLAS conventions the tests check:
- when beta == 0 the output is not read: it may hold NaN, which must not leak into the result;
- when alpha == 0 the inputs A, B, x are not read;
- operands that do not fit raise `ValueError` naming both shapes as Python tuples,
  e.g. "sgemm: A has shape (2, 3) but B has shape (4, 5)".

Worked for you: `_strided_values`, `_write_strided`, `_dot` and `_dots`.

Speed. CPython spends tens of nanoseconds interpreting every step of a Python loop, far more
than the multiply-add itself, so in pure Python the access order that wins is the one that lets
C code run the inner loop over contiguous lists. In `sgemm`, read each column of op(B) into a
list once ("packing", as BLIS does), read each row of op(A) into a list, and compute every
C[i, j] as `_dot(row, column)` (`_dots` does a whole row of C at once). The benchmark
expects this to be at least 2× faster than the textbook triple loop
`C[i][j] += A[i][p] * B[p][j]` on lists of lists.
"""

from __future__ import annotations

import operator
from itertools import repeat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teenygrad.strided import Tensor


def _strided_values(storage: list[float], start: int, step: int, count: int) -> list[float]:
    """`[storage[start + i * step] for i in range(count)]`, as one list slice when possible.

    `step` may be negative (a reversed view) or 0 (a broadcast view).
    """
    if count == 0:
        return []
    if step == 0:
        return [storage[start]] * count
    stop: int | None = start + step * count
    if stop is not None and stop < 0:
        stop = None  # a slice stop of -1 would mean "the last element"
    return storage[start:stop:step]


def _write_strided(storage: list[float], start: int, step: int, values: list[float]) -> None:
    """Write `values` to storage positions start, start + step, ... (the inverse of reading)."""
    if not values:
        return
    if step == 0:
        raise ValueError("the output has a stride of 0: its elements overlap")
    stop: int | None = start + step * len(values)
    if stop is not None and stop < 0:
        stop = None
    storage[start:stop:step] = values


def _dot(xs: list[float], ys: list[float]) -> float:
    """Σ xs[i]·ys[i] of two lists of the same length, with the loop run by C code (`map` and
    `sum`), not by the interpreter: several times faster than a `for` loop."""
    return sum(map(operator.mul, xs, ys), 0.0)


def _dots(row: list[float], columns: list[list[float]]) -> list[float]:
    """`[_dot(row, column) for column in columns]`, with both loops run by C code: one row of
    a matrix product (`row` non-empty)."""
    return list(map(sum, map(map, repeat(operator.mul), repeat(row), columns)))


def saxpy(alpha: float, x: Tensor, y: Tensor) -> None:
    """y ← alpha·x + y, in place in y's storage; x is not modified.

    x and y are 1-d tensors of the same length, of any stride (y may be a view, e.g.
    `M[:, 1]` or `v[::-2]`; only the elements of y's view change). Different shapes, or a
    tensor that is not 1-d, raise `ValueError` naming both shapes. When alpha == 0, y is left
    as it is and x is not read.
    """
    raise NotImplementedError("saxpy: not implemented yet — see the docstring")


def sdot(x: Tensor, y: Tensor) -> float:
    """The dot product Σ x[i]·y[i] of two 1-d tensors of the same length (any strides), as a
    `float` (0.0 for length 0). Different shapes raise `ValueError` naming both shapes."""
    raise NotImplementedError("sdot: not implemented yet — see the docstring")


def sgemv(alpha: float, A: Tensor, x: Tensor, beta: float, y: Tensor, trans: bool = False) -> None:
    """y ← alpha·op(A)·x + beta·y, in place in y's storage, with op(A) = Aᵀ if `trans` else A.

    A is 2-d of shape (m, n); with trans=False x has length n and y length m, with trans=True
    x has length m and y length n. Any strides. When beta == 0, y is not read (NaN in y must
    not leak); when alpha == 0, y ← beta·y and A, x are not read. Shapes that do not fit raise
    `ValueError` naming both shapes, e.g. "sgemv: A has shape (2, 3) but x has shape (2,)".
    """
    raise NotImplementedError("sgemv: not implemented yet — see the docstring")


def sgemm(
    alpha: float,
    A: Tensor,
    B: Tensor,
    beta: float,
    C: Tensor,
    trans_a: bool = False,
    trans_b: bool = False,
) -> None:
    """C ← alpha·op(A)·op(B) + beta·C, in place in C's storage; op(X) = Xᵀ if trans_x else X.

    op(A) is (m, k), op(B) is (k, n) and C is (m, n); every operand may have any strides.
    When beta == 0, C is not read (NaN in C must not leak); when alpha == 0 (or k == 0),
    C ← beta·C and A, B are not read. A, B, and C's storage outside C's view are not modified.

    Errors (`ValueError`, shapes written as Python tuples):
    - A or B or C not 2-d;
    - op(A) and op(B) do not share k: the message names `A.shape` and `B.shape`;
    - C is not (m, n): the message names `C.shape` and `(m, n)`.

    Speed (see the module docstring): pack the columns of op(B) into lists once, then make
    each C[i, j] one `_dot(row of op(A), column of op(B))`.
    """
    raise NotImplementedError("sgemm: not implemented yet — see the docstring")
