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


### BEGIN SOLUTION
def _check_vector(name: str, v: Tensor) -> None:
    if len(v.shape) != 1:
        raise ValueError(f"{name} must be a vector (1-d), it has shape {v.shape}")


def _check_matrix(name: str, a: Tensor) -> None:
    if len(a.shape) != 2:
        raise ValueError(f"{name} must be a matrix (2-d), it has shape {a.shape}")


### END SOLUTION


def saxpy(alpha: float, x: Tensor, y: Tensor) -> None:
    """y ← alpha·x + y, in place in y's storage; x is not modified.

    x and y are 1-d tensors of the same length, of any stride (y may be a view, e.g.
    `M[:, 1]` or `v[::-2]`; only the elements of y's view change). Different shapes, or a
    tensor that is not 1-d, raise `ValueError` naming both shapes. When alpha == 0, y is left
    as it is and x is not read.
    """
    ### BEGIN SOLUTION
    _check_vector("x", x)
    _check_vector("y", y)
    if x.shape != y.shape:
        raise ValueError(f"saxpy: x has shape {x.shape} but y has shape {y.shape}")
    if alpha == 0:
        return
    n = x.shape[0]
    xs = _strided_values(x.storage, x.offset, x.strides[0], n)
    ys = _strided_values(y.storage, y.offset, y.strides[0], n)
    _write_strided(
        y.storage, y.offset, y.strides[0], [yi + alpha * xi for xi, yi in zip(xs, ys, strict=True)]
    )
    ### END SOLUTION


def sdot(x: Tensor, y: Tensor) -> float:
    """The dot product Σ x[i]·y[i] of two 1-d tensors of the same length (any strides), as a
    `float` (0.0 for length 0). Different shapes raise `ValueError` naming both shapes."""
    ### BEGIN SOLUTION
    _check_vector("x", x)
    _check_vector("y", y)
    if x.shape != y.shape:
        raise ValueError(f"sdot: x has shape {x.shape} but y has shape {y.shape}")
    n = x.shape[0]
    xs = _strided_values(x.storage, x.offset, x.strides[0], n)
    ys = _strided_values(y.storage, y.offset, y.strides[0], n)
    return _dot(xs, ys)
    ### END SOLUTION


def sgemv(alpha: float, A: Tensor, x: Tensor, beta: float, y: Tensor, trans: bool = False) -> None:
    """y ← alpha·op(A)·x + beta·y, in place in y's storage, with op(A) = Aᵀ if `trans` else A.

    A is 2-d of shape (m, n); with trans=False x has length n and y length m, with trans=True
    x has length m and y length n. Any strides. When beta == 0, y is not read (NaN in y must
    not leak); when alpha == 0, y ← beta·y and A, x are not read. Shapes that do not fit raise
    `ValueError` naming both shapes, e.g. "sgemv: A has shape (2, 3) but x has shape (2,)".
    """
    ### BEGIN SOLUTION
    _check_matrix("A", A)
    _check_vector("x", x)
    _check_vector("y", y)
    m, n = A.shape
    rows, cols = (n, m) if trans else (m, n)  # the shape of op(A)
    if x.shape[0] != cols:
        raise ValueError(
            f"sgemv: A has shape {A.shape} but x has shape {x.shape}"
            f"{' (trans=True)' if trans else ''}"
        )
    if y.shape[0] != rows:
        raise ValueError(
            f"sgemv: A has shape {A.shape} but y has shape {y.shape}"
            f"{' (trans=True)' if trans else ''}"
        )
    if beta == 0:
        ys = [0.0] * rows
    else:
        ys = _strided_values(y.storage, y.offset, y.strides[0], rows)
        if beta != 1:
            ys = [beta * v for v in ys]
    if alpha != 0 and m and n:
        xs = _strided_values(x.storage, x.offset, x.strides[0], cols)
        rs, cs = A.strides
        for i in range(m):  # row i of A is contiguous in a row-major A
            row = _strided_values(A.storage, A.offset + i * rs, cs, n)
            if trans:  # y += (alpha * x[i]) * A[i, :]
                a = alpha * xs[i]
                ys = [yj + a * aij for yj, aij in zip(ys, row, strict=True)]
            else:  # y[i] += alpha * (A[i, :] · x)
                ys[i] += alpha * _dot(row, xs)
    _write_strided(y.storage, y.offset, y.strides[0], ys)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    _check_matrix("A", A)
    _check_matrix("B", B)
    _check_matrix("C", C)
    m, k = A.shape[::-1] if trans_a else A.shape
    k_b, n = B.shape[::-1] if trans_b else B.shape
    if k != k_b:
        raise ValueError(
            f"sgemm: A has shape {A.shape} but B has shape {B.shape} "
            f"(trans_a={trans_a}, trans_b={trans_b}): op(A) is {(m, k)}, "
            f"op(B) is {(k_b, n)}"
        )
    if C.shape != (m, n):
        raise ValueError(f"sgemm: C has shape {C.shape} but op(A)·op(B) has shape {(m, n)}")
    a_rs, a_cs = A.strides[::-1] if trans_a else A.strides  # strides of op(A)
    b_rs, b_cs = B.strides[::-1] if trans_b else B.strides  # strides of op(B)
    c_rs, c_cs = C.strides
    multiply = alpha != 0 and k > 0
    # Pack: column j of op(B), read once into a contiguous list (BLIS packs B the same way).
    b_cols = (
        [_strided_values(B.storage, B.offset + j * b_cs, b_rs, k) for j in range(n)]
        if multiply
        else []
    )
    for i in range(m):
        c_start = C.offset + i * c_rs
        if multiply:  # the inner loop: a dot product of two contiguous lists, run by C code
            a_row = _strided_values(A.storage, A.offset + i * a_rs, a_cs, k)
            dots = _dots(a_row, b_cols)
            if alpha != 1:
                dots = [alpha * d for d in dots]
        else:
            dots = [0.0] * n
        if beta == 0:  # C is not read
            c_row = dots
        else:
            old = _strided_values(C.storage, c_start, c_cs, n)
            c_row = [d + beta * c for d, c in zip(dots, old, strict=True)]
        _write_strided(C.storage, c_start, c_cs, c_row)
    ### END SOLUTION
