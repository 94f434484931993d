"""Part `blas`: saxpy, sdot, sgemv, sgemm and @ on strided tensors (a few fixed cases)."""

import math

import pytest

from autograder.judge.api import check_close
from autograder.probes import level_minus1 as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("blas")
expected = public_oracle("level_minus1")


def _matrix(rows, transposed=False):
    """A layout for `rows`; transposed=True stores it column by column (strides (1, m))."""
    m, n = len(rows), len(rows[0])
    if transposed:
        storage = [rows[i][j] for j in range(n) for i in range(m)]
        return {"storage": storage, "shape": [m, n], "strides": [1, m], "offset": 0}
    return {"storage": [v for row in rows for v in row], "shape": [m, n], "strides": [n, 1],
            "offset": 0}


def _vector(values):
    return {"storage": list(values), "shape": [len(values)], "strides": [1], "offset": 0}


def _check_in_place(routine, got, case, want, layout="", why=""):
    """The output's whole storage is `want` (nothing outside its view changed) and the inputs'
    storages are untouched; `why` leads the hint when the test knows more."""
    output, formula = ("C", "op(A)@op(B)") if routine == "sgemm" else ("y", "op(A)@x")
    flags = ", ".join(f"{k}={case[k]}" for k in ("trans", "trans_a", "trans_b") if k in case)
    call = f"{routine}(alpha={case['alpha']}, beta={case['beta']}, {flags}){layout}"
    for name in ("A", "B") if routine == "sgemm" else ("A", "x"):
        check_close(got[name], case[name.lower()]["storage"], what=f"{name}'s storage after {call}",
                    hint=f"{routine} must only write {output}", rtol=1e-9, atol=1e-9)
    check_close(got[output], want, what=f"{output}'s storage after {call}", rtol=1e-9, atol=1e-9,
                hint=why or f"{output} = alpha*{formula} + beta*{output} in place, nothing "
                     f"outside its view changed; with beta = 0, {output} is not read (it may "
                     "hold NaN)")


@pytest.mark.points(1)
def test_saxpy(student):
    """saxpy(2, x, y) makes y = 2x + y in place, also when y is a column of a matrix."""
    got = student.call(probes.saxpy, 2.0, _vector([1.0, 2.0, 3.0]), _vector([1.0, 1.0, 1.0]))
    check_close(got["y"], [3.0, 5.0, 7.0], what="y after saxpy(2, [1, 2, 3], [1, 1, 1])")
    column = {"storage": [0.0, 1.0, 0.0, 1.0, 0.0, 1.0], "shape": [3], "strides": [2],
              "offset": 1}  # column 1 of a 3x2 matrix
    got = student.call(probes.saxpy, -1.0, _vector([1.0, 2.0, 3.0]), column)
    check_close(got["y"], [0.0, 0.0, 0.0, -1.0, 0.0, -2.0], what="storage of M after "
                "saxpy(-1, [1, 2, 3], M[:, 1])", hint="only the elements of y's view change")


@pytest.mark.points(1)
def test_sdot(student):
    """sdot(x, y) is the dot product, also for strided vectors."""
    got = student.call(probes.sdot, _vector([1.0, 2.0, 3.0]), _vector([4.0, -5.0, 6.0]))
    check_close(got, 12.0, what="sdot([1, 2, 3], [4, -5, 6])")
    reversed_y = {"storage": [4.0, -5.0, 6.0], "shape": [3], "strides": [-1], "offset": 2}
    got = student.call(probes.sdot, _vector([1.0, 2.0, 3.0]), reversed_y)
    check_close(got, 8.0, what="sdot([1, 2, 3], [6, -5, 4]) with y a reversed view")


@pytest.mark.points(2)
def test_sgemv(student):
    """sgemv computes y = alpha*A@x + beta*y, and alpha*A.T@x + beta*y with trans=True."""
    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    cases = [(False, [1.0, 0.0, -1.0], [1.0, 2.0]), (True, [1.0, -1.0], [1.0, 2.0, 3.0])]
    for trans, x, y in cases:
        for stored, layout in (("", _matrix(a)), (" with A stored column by column",
                                                    _matrix(a, transposed=True))):
            case = {"alpha": 2.0, "a": layout, "x": _vector(x), "beta": 0.5, "y": _vector(y),
                    "trans": trans}
            _check_in_place("sgemv", student.call(probes.sgemv, **case), case,
                            expected.gemv_oracle(**case), stored)


@pytest.mark.points(2)
def test_sgemm(student):
    """sgemm computes C = alpha*op(A)@op(B) + beta*C in place, for every trans_a/trans_b."""
    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    b = [[1.0, -1.0], [0.5, 2.0], [-2.0, 1.0]]
    c = [[1.0, 2.0], [3.0, 4.0]]
    at = [list(col) for col in zip(*a, strict=True)]
    bt = [list(col) for col in zip(*b, strict=True)]
    passed = []
    for trans_a, trans_b in [(False, False), (True, False), (False, True), (True, True)]:
        case = {"alpha": 2.0, "a": _matrix(at if trans_a else a),
                "b": _matrix(bt if trans_b else b), "beta": 0.5, "c": _matrix(c),
                "trans_a": trans_a, "trans_b": trans_b}
        flags = [name for name, on in (("trans_a", trans_a), ("trans_b", trans_b)) if on]
        why = ""
        if flags and (False, False) in passed:  # right without transposes: the flags are it
            why = (f"sgemm is right without transposes but wrong with "
                   f"{' and '.join(f + '=True' for f in flags)}: op(A) is Aᵀ when trans_a "
                   "(read A[p, i] where you read A[i, p]: swap A's strides), op(B) likewise")
        _check_in_place("sgemm", student.call(probes.sgemm, **case), case,
                        expected.gemm_oracle(**case), why=why)
        passed.append((trans_a, trans_b))
    nan_c = _matrix([[math.nan, math.nan], [math.nan, math.nan]])
    case = {"alpha": 1.0, "a": _matrix(a), "b": _matrix(b), "beta": 0.0, "c": nan_c,
            "trans_a": False, "trans_b": False}
    _check_in_place("sgemm", student.call(probes.sgemm, **case), case,
                    expected.gemm_oracle(**case), " with NaN in C")


@pytest.mark.points(1)
def test_matmul(student):
    """Tensor @ Tensor gives the matrix product (built on sgemm)."""
    got = student.call(probes.matmul, [[1, 2], [3, 4], [5, 6]], [[1, 0, -1], [2, 1, 0]])
    assert got["shape"] == [3, 3], f"A @ B: shape {tuple(got['shape'])}, expected (3, 3)"
    check_close(got["values"], [[5, 2, -1], [11, 4, -3], [17, 6, -5]], what="A @ B")
