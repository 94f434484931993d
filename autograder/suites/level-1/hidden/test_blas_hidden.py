"""Part `blas`, hidden: random shapes and layouts, alpha/beta edges, and a port of sblat."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close, expect_raises
from autograder.probes import level_minus1 as probes
from autograder.references import level_minus1 as ref

pytestmark = pytest.mark.part("blas")


@st.composite
def _vector_pairs(draw, nonzero_y=False):
    n = draw(st.integers(0, 6))
    return draw(ref.layouts((n,), pad=math.nan)), draw(ref.layouts((n,), pad=ref.SENTINEL))


@pytest.mark.points(2)
@settings(max_examples=25)
@given(pair=_vector_pairs(), alpha=st.sampled_from(ref.SCALARS))
def test_saxpy_strided(student, pair, alpha):
    """saxpy on strided, reversed and offset vectors: only y's view changes."""
    x, y = pair
    got = student.call(probes.saxpy, alpha, x, y)
    what = f"saxpy(alpha={alpha}, x {ref.layout_text(x)}, y {ref.layout_text(y)})"
    wrong = ref.storage_mismatch(got["x"], x["storage"], x, "x")
    assert wrong is None, f"{what} modified x: {wrong}"
    wrong = ref.storage_mismatch(got["y"], ref.axpy_oracle(alpha, x, y), y, "y")
    assert wrong is None, f"{what}: {wrong}"


@pytest.mark.points(2)
@settings(max_examples=25)
@given(pair=_vector_pairs())
def test_sdot_strided(student, pair):
    """sdot on strided, reversed and offset vectors (0.0 for length 0)."""
    x, y = pair
    got = student.call(probes.sdot, x, y)
    want = float(ref.as_array(x) @ ref.as_array(y))
    check_close(got, want, rtol=1e-9, atol=1e-9,
                what=f"sdot(x {ref.layout_text(x)}, y {ref.layout_text(y)})")


@pytest.mark.points(1)
def test_vector_shape_mismatch(student):
    """saxpy and sdot on vectors of different lengths raise ValueError naming both shapes."""
    x = {"storage": [1.0, 2.0, 3.0], "shape": [3], "strides": [1], "offset": 0}
    y = {"storage": [1.0, 2.0], "shape": [2], "strides": [1], "offset": 0}
    for probe, args, what in [(probes.saxpy, (2.0, x, y), "saxpy"), (probes.sdot, (x, y), "sdot")]:
        error = expect_raises(student, probe, *args, error="ValueError", match="(3,)",
                              what=f"{what} with x of shape (3,) and y of shape (2,)")
        assert "(2,)" in error.message, \
            f"{what}: the ValueError should name both shapes, got {error.message!r}"


@pytest.mark.points(3)
@settings(max_examples=30)
@given(case=ref.gemv_cases())
def test_sgemv_random(student, case):
    """sgemv with random shapes, layouts, trans, and alpha/beta in {0, 1, -1, 0.5, -2, 1.5}."""
    wrong = ref.explain_gemv(student.call(probes.sgemv, **case), case)
    assert wrong is None, wrong


@pytest.mark.points(4)
@settings(max_examples=40)
@given(case=ref.gemm_cases())
def test_sgemm_random(student, case):
    """sgemm with random non-square shapes, transposed/sliced operands and alpha/beta edges."""
    wrong = ref.explain_gemm(student.call(probes.sgemm, **case), case)
    assert wrong is None, wrong


@pytest.mark.points(2)
@settings(max_examples=20)
@given(gemm=ref.gemm_cases(), gemv=ref.gemv_cases())
def test_beta_zero_does_not_read_output(student, gemm, gemv):
    """With beta = 0, NaN in C (sgemm) or y (sgemv) must not leak into the result."""
    gemm = {**gemm, "beta": 0.0, "c": ref.with_nan_view(gemm["c"])}
    wrong = ref.explain_gemm(student.call(probes.sgemm, **gemm), gemm)
    assert wrong is None, wrong
    gemv = {**gemv, "beta": 0.0, "y": ref.with_nan_view(gemv["y"])}
    wrong = ref.explain_gemv(student.call(probes.sgemv, **gemv), gemv)
    assert wrong is None, wrong


def _dense(rows, cols):
    return {"storage": [float(i) for i in range(rows * cols)], "shape": [rows, cols],
            "strides": [cols, 1], "offset": 0}


@pytest.mark.points(2)
def test_bad_shapes_raise(student):
    """sgemm/sgemv with shapes that do not fit raise ValueError naming both shapes."""
    gemm_cases = [  # (A, B, C shapes, trans_a, trans_b, the two shapes the message names)
        ((2, 3), (4, 5), (2, 5), False, False, ((2, 3), (4, 5))),
        ((3, 2), (3, 4), (2, 4), False, False, ((3, 2), (3, 4))),
        ((3, 2), (3, 4), (2, 4), True, True, ((3, 2), (3, 4))),
        ((2, 3), (3, 4), (4, 2), False, False, ((4, 2), (2, 4))),
        ((3, 2), (3, 4), (3, 4), True, False, ((3, 4), (2, 4))),
        ((2, 3), (3, 4), (2, 3), False, False, ((2, 3), (2, 4))),  # C too small
    ]
    for a, b, c, trans_a, trans_b, (first, second) in gemm_cases:
        what = f"sgemm with A {a}, B {b}, C {c}, trans_a={trans_a}, trans_b={trans_b}"
        error = expect_raises(student, probes.sgemm, 1.0, _dense(*a), _dense(*b), 0.0,
                              _dense(*c), trans_a, trans_b, error="ValueError",
                              match=ref.fmt_shape(first), what=what)
        assert ref.fmt_shape(second) in error.message, \
            f"{what}: the ValueError should name {first} and {second}, got {error.message!r}"
    vector = {"storage": [1.0, 2.0], "shape": [2], "strides": [1], "offset": 0}
    error = expect_raises(student, probes.sgemv, 1.0, _dense(2, 3), vector, 0.0, vector, False,
                          error="ValueError", match="(2, 3)", what="sgemv with A (2, 3), x (2,)")
    assert "(2,)" in error.message, \
        f"sgemv with A (2, 3), x (2,): the ValueError should name both shapes, got " \
        f"{error.message!r}"


@pytest.mark.points(4)
def test_sblat_sgemm(student):
    """sblat-style sgemm: all trans_a/trans_b, m, n, k in {0,1,2,5}, alpha, beta, strided."""
    for trans_a in (False, True):
        for trans_b in (False, True):
            cases = ref.sblat_gemm_cases(trans_a, trans_b)
            outputs = student.call(probes.sgemm_outputs, cases, timeout=60)
            wrong = ref.explain_many("sgemm", cases, outputs)
            assert wrong is None, wrong


@pytest.mark.points(2)
def test_sblat_sgemv(student):
    """sblat-style sgemv: both trans, m, n in {0,1,3} (and 300), alpha, beta, incx, incy."""
    for trans in (False, True):
        cases = ref.sblat_gemv_cases(trans)
        outputs = student.call(probes.sgemv_outputs, cases, timeout=60)
        wrong = ref.explain_many("sgemv", cases, outputs)
        assert wrong is None, wrong
    # A length past 256, where CPython stops sharing int objects: sizes compared with `is` fail.
    long = [{"alpha": 1.5, "a": ref.fixed_layout(shape, "transposed"), "beta": -1.0,
             "x": ref.fixed_layout((300,), "contiguous"),
             "y": ref.fixed_layout((2,), "negative step"), "trans": shape == (300, 2)}
            for shape in ((2, 300), (300, 2))]
    wrong = ref.explain_many("sgemv", long, student.call(probes.sgemv_outputs, long))
    assert wrong is None, wrong


@pytest.mark.points(1)
@settings(max_examples=10)
@given(m=st.integers(1, 5), k=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 99))
def test_matmul_random(student, m, k, n, seed):
    """A @ B for random (m, k) and (k, n) tensors."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-8, 9, (m, k)) / 2
    b = rng.integers(-8, 9, (k, n)) / 2
    got = student.call(probes.matmul, a.tolist(), b.tolist())
    assert got["shape"] == [m, n], f"A @ B for A {a.shape}, B {b.shape}: shape " \
                                   f"{tuple(got['shape'])}, expected {(m, n)}"
    check_close(got["values"], a @ b, rtol=1e-9, atol=1e-9, what=f"A @ B for A {a.shape}, "
                f"B {b.shape}")
