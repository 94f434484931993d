"""Part `blas`, hidden: random shapes and layouts, alpha/beta edges, and a port of sblat."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close, expect_raises, explicit_examples
from autograder.probes import level_minus1 as probes
from autograder.references import level_minus1 as ref

pytestmark = pytest.mark.part("blas")


@st.composite
def _vector_pairs(draw, nonzero_y=False):
    n = draw(st.integers(0, 6))
    return draw(ref.layouts((n,), pad=math.nan)), draw(ref.layouts((n,), pad=ref.SENTINEL))


def _nan(shape, kind):
    """A fixed layout of `shape` whose every element is NaN (an input alpha = 0 must not read)."""
    return ref.with_nan_view(ref.fixed_layout(shape, kind))


@st.composite
def _saxpy_cases(draw):
    """saxpy's arguments; with alpha = 0, x's view holds NaN half the time (x is not read)."""
    alpha = draw(st.sampled_from(ref.SCALARS))
    x, y = draw(_vector_pairs())
    if alpha == 0 and draw(st.booleans()):
        x = ref.with_nan_view(x)
    return {"alpha": alpha, "x": x, "y": y}


#: alpha = 0: y is left as it is and x is not read (x = [nan, 1], y = [1, 2]; the strategy
#: draws more, with x's view all NaN).
ALPHA_ZERO_AXPY = {"alpha": 0.0,
                   "x": {"storage": [math.nan, 1.0], "shape": [2], "strides": [1], "offset": 0},
                   "y": {"storage": [1.0, 2.0], "shape": [2], "strides": [1], "offset": 0}}


@pytest.mark.points(2)
@settings(max_examples=25)
@explicit_examples("case", [ALPHA_ZERO_AXPY])
@given(case=_saxpy_cases())
def test_saxpy_strided(student, case):
    """saxpy on strided, reversed and offset vectors: only y's view changes; with alpha = 0,
    x is not read."""
    alpha, x, y = case["alpha"], case["x"], case["y"]
    got = student.call(probes.saxpy, alpha, x, y)
    what = f"saxpy(alpha={alpha}, x {ref.layout_text(x)}, y {ref.layout_text(y)})"
    wrong = ref.storage_mismatch(got["x"], x["storage"], x, "x")
    assert wrong is None, f"{what} modified x: {wrong}"
    wrong = ref.storage_mismatch(got["y"], ref.axpy_oracle(alpha, x, y), y, "y")
    hint = " — with alpha = 0, y stays as it is and x is not read (x holds NaN here)" \
        if alpha == 0 and np.isnan(ref.as_array(x)).any() else ""
    assert wrong is None, f"{what}: {wrong}{hint}"


#: Length 0: the sum of nothing is the float 0.0 (not the int 0).
EMPTY_PAIR = (ref.fixed_layout((0,), "contiguous"), ref.fixed_layout((0,), "offset"))


@pytest.mark.points(2)
@settings(max_examples=25)
@explicit_examples("pair", [EMPTY_PAIR])
@given(pair=_vector_pairs())
def test_sdot_strided(student, pair):
    """sdot on strided, reversed and offset vectors, as a float (0.0 for length 0)."""
    x, y = pair
    got = student.call(probes.sdot, x, y)
    want = float(ref.as_array(x) @ ref.as_array(y))
    what = f"sdot(x {ref.layout_text(x)}, y {ref.layout_text(y)})"
    check_close(got, want, rtol=1e-9, atol=1e-9, what=what)
    assert isinstance(got, float), \
        f"{what} returned {got!r} of type {type(got).__name__}, expected the float {want!r} " \
        f"(sdot returns a float, 0.0 for length 0)"


@pytest.mark.points(1)
def test_vector_shape_mismatch(student):
    """saxpy and sdot on vectors of different lengths raise ValueError naming both shapes;
    saxpy on tensors that are not 1-d too."""
    for n_x, n_y in [(3, 2), (2, 3)]:  # x longer, then y longer
        x, y = ref.arange_layout((n_x,)), ref.arange_layout((n_y,))
        for probe, args, name in [(probes.saxpy, (2.0, x, y), "saxpy"),
                                  (probes.sdot, (x, y), "sdot")]:
            what = f"{name} with x of shape ({n_x},) and y of shape ({n_y},)"
            error = expect_raises(student, probe, *args, error="ValueError",
                                  match=f"({n_x},)", what=what)
            assert f"({n_y},)" in error.message, \
                f"{what}: the ValueError should name both shapes, got {error.message!r}"
    for shape in [(), (2, 2)]:  # not 1-d: x[i] means nothing (even when the shapes agree)
        what = f"saxpy with x and y of shape {shape} (x and y must be 1-d)"
        expect_raises(student, probes.saxpy, 2.0, ref.arange_layout(shape),
                      ref.arange_layout(shape), error="ValueError", match=ref.fmt_shape(shape),
                      what=what)


#: alpha = 0: y <- beta*y (C <- beta*C) and A, x (A, B) are not read: they hold NaN here.
ALPHA_ZERO_GEMV = [{"alpha": 0.0, "a": _nan((2, 3), "transposed"),
                    "x": _nan((2 if trans else 3,), "negative step"), "beta": 1.5,
                    "y": ref.fixed_layout((3 if trans else 2,), "offset"), "trans": trans}
                   for trans in (False, True)]
ALPHA_ZERO_GEMM = [{"alpha": 0.0, "a": _nan((3, 2) if trans else (2, 3), "offset"),
                    "b": _nan((2, 3) if trans else (3, 2), "transposed"), "beta": beta,
                    "c": ref.fixed_layout((2, 2), "negative step"), "trans_a": trans,
                    "trans_b": trans}
                   for trans, beta in ((False, 1.5), (True, -1.0))]
#: alpha = beta = 2 (outside the drawn {0, 1, -1, 0.5, -2, 1.5}: no value is special).
TWOS_GEMV = {"alpha": 2.0, "a": ref.fixed_layout((2, 3), "offset"),
             "x": ref.fixed_layout((3,), "transposed"), "beta": 2.0,
             "y": ref.fixed_layout((2,), "negative step", salt=1), "trans": False}
TWOS_GEMM = {"alpha": 2.0, "a": ref.fixed_layout((2, 3), "negative step"),
             "b": ref.fixed_layout((3, 2), "offset"), "beta": 2.0,
             "c": ref.fixed_layout((2, 2), "transposed", salt=1), "trans_a": False,
             "trans_b": False}
#: k = 300, past 256, where CPython stops sharing int objects (sizes compared with `is` fail).
LONG_K_GEMM = {"alpha": 1.5, "a": ref.fixed_layout((300, 2), "transposed"),
               "b": ref.fixed_layout((300, 2), "offset"), "beta": -1.0,
               "c": ref.fixed_layout((2, 2), "contiguous"), "trans_a": True, "trans_b": False}


@pytest.mark.points(3)
@settings(max_examples=30)
@explicit_examples("case", [*ALPHA_ZERO_GEMV, TWOS_GEMV])
@given(case=ref.gemv_cases())
def test_sgemv_random(student, case):
    """sgemv with random shapes, layouts, trans, and alpha/beta in {0, 1, -1, 0.5, -2, 1.5};
    with alpha = 0, A and x are not read."""
    wrong = ref.explain_gemv(student.call(probes.sgemv, **case), case)
    assert wrong is None, wrong


@pytest.mark.points(4)
@settings(max_examples=40)
@explicit_examples("case", [*ALPHA_ZERO_GEMM, TWOS_GEMM, LONG_K_GEMM])
@given(case=ref.gemm_cases())
def test_sgemm_random(student, case):
    """sgemm with random non-square shapes, transposed/sliced operands and alpha/beta edges;
    with alpha = 0, A and B are not read."""
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
    """sgemm/sgemv/@ with shapes that do not fit raise ValueError naming both shapes (sgemm and
    sgemv with an operand of the wrong rank: naming its shape)."""
    gemm_cases = [  # (A, B, C shapes, trans_a, trans_b, the two shapes the message names)
        ((2, 3), (4, 5), (2, 5), False, False, ((2, 3), (4, 5))),
        ((3, 2), (3, 4), (2, 4), False, False, ((3, 2), (3, 4))),
        ((3, 2), (3, 4), (2, 4), True, True, ((3, 2), (3, 4))),
        ((2, 3), (3, 4), (4, 2), False, False, ((4, 2), (2, 4))),
        ((3, 2), (3, 4), (3, 4), True, False, ((3, 4), (2, 4))),
        ((2, 3), (3, 4), (2, 3), False, False, ((2, 3), (2, 4))),  # C too small
        ((2, 4), (3, 5), (2, 5), False, False, ((2, 4), (3, 5))),  # A's k larger than B's
    ]
    for a, b, c, trans_a, trans_b, (first, second) in gemm_cases:
        what = f"sgemm with A {a}, B {b}, C {c}, trans_a={trans_a}, trans_b={trans_b}"
        error = expect_raises(student, probes.sgemm, 1.0, _dense(*a), _dense(*b), 0.0,
                              _dense(*c), trans_a, trans_b, error="ValueError",
                              match=ref.fmt_shape(first), what=what)
        assert ref.fmt_shape(second) in error.message, \
            f"{what}: the ValueError should name {first} and {second}, got {error.message!r}"
    gemv_cases = [  # (A, x, y shapes, trans, the shape the message names beside A's)
        ((2, 3), (2,), (2,), False, (2,)), ((2, 3), (3,), (3,), False, (3,)),  # y too long
        ((2, 3), (3,), (1,), False, (1,)), ((2, 3), (2,), (2,), True, (2,)),  # y too short
        ((2, 3), (4,), (2,), False, (4,)),  # x too long
    ]
    for a, x, y, trans, named in gemv_cases:
        what = f"sgemv with A {a}, x {x}, y {y}, trans={trans}"
        error = expect_raises(student, probes.sgemv, 1.0, _dense(*a), ref.arange_layout(x), 0.0,
                              ref.arange_layout(y), trans, error="ValueError",
                              match=ref.fmt_shape(a), what=what)
        assert ref.fmt_shape(named) in error.message, \
            f"{what}: the ValueError should name {a} and {named}, got {error.message!r}"
    # An operand of the wrong rank: ValueError naming its shape (not an unpacking error).
    gemm_ranks = [("A", (4,), (4, 2), (1, 2)), ("A", (2, 3, 1), (3, 2), (2, 2)),
                  ("B", (2, 3), (3,), (2, 1)), ("B", (2, 3), (3, 2, 1), (2, 2)),
                  ("C", (2, 3), (3, 2), (4,))]
    for name, a, b, c in gemm_ranks:
        bad = {"A": a, "B": b, "C": c}[name]
        expect_raises(student, probes.sgemm, 1.0, ref.arange_layout(a), ref.arange_layout(b),
                      0.0, ref.arange_layout(c), False, False, error="ValueError",
                      match=ref.fmt_shape(bad),
                      what=f"sgemm with A {a}, B {b}, C {c} ({name} must be 2-d)")
    gemv_ranks = [("A", (4,), (2,), (2,)), ("x", (2, 3), (3, 1), (2,)),
                  ("y", (2, 3), (3,), (2, 1))]
    for name, a, x, y in gemv_ranks:
        bad, must = {"A": (a, "2-d"), "x": (x, "1-d"), "y": (y, "1-d")}[name]
        expect_raises(student, probes.sgemv, 1.0, ref.arange_layout(a), ref.arange_layout(x),
                      0.0, ref.arange_layout(y), False, error="ValueError",
                      match=ref.fmt_shape(bad),
                      what=f"sgemv with A {a}, x {x}, y {y} ({name} must be {must})")
    # A @ B: a tensor that is not 2-d raises ValueError; shapes that do not fit, naming both.
    for a, b in [((2, 3), (3,)), ((3,), (3, 2)), ((), (2, 2))]:
        expect_raises(student, probes.matmul, ref.arange_data(a), ref.arange_data(b),
                      error="ValueError", what=f"A @ B with A of shape {a} and B of shape {b} "
                                               "(@ needs two 2-d tensors)")
    what = "A @ B with A of shape (2, 3) and B of shape (4, 2)"
    error = expect_raises(student, probes.matmul, ref.arange_data((2, 3)),
                          ref.arange_data((4, 2)), error="ValueError", match="(2, 3)", what=what)
    assert "(4, 2)" in error.message, \
        f"{what}: the ValueError should name both shapes, got {error.message!r}"


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
    # A length past 256, where CPython stops sharing int objects: sizes compared with `is` fail
    # (x of length 300, then y of length 300).
    long = [{"alpha": 1.5, "a": ref.fixed_layout(shape, "transposed"), "beta": -1.0,
             "x": ref.fixed_layout((300 if long_x else 2,), "contiguous"),
             "y": ref.fixed_layout((2 if long_x else 300,), "negative step"),
             "trans": (shape == (300, 2)) == long_x}
            for long_x in (True, False) for shape in ((2, 300), (300, 2))]
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
