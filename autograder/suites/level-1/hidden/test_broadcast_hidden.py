"""Part `broadcast`, hidden: broadcasting arithmetic and sum on random strided operands."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import expect_raises, explicit_examples
from autograder.probes import level_minus1 as probes
from autograder.references import level_minus1 as ref

pytestmark = pytest.mark.part("broadcast")

OPS = ("+", "-", "*", "/")


@st.composite
def _operations(draw, same_rank):
    a, b = draw(ref.broadcast_shape_pairs(same_rank))
    op = draw(st.sampled_from(OPS))
    left = {"layout": draw(ref.layouts(a))}
    right = {"layout": draw(ref.layouts(b, fill="nonzero" if op == "/" else "grid"))}
    return op, left, right


def _check(student, op, left, right):
    got = student.call(probes.binary, op, left, right)
    want = ref.binary_oracle(op, ref.operand_value(left), ref.operand_value(right))
    what = f"{_text(left)} {op} {_text(right)}"
    assert tuple(got["shape"]) == want.shape, \
        f"{what}: shape {tuple(got['shape'])}, expected {want.shape}"
    wrong = ref.values_mismatch(got["values"], want)
    assert wrong is None, f"{what}: {wrong}"
    for spec, after in zip((left, right), got["inputs"], strict=True):
        if "layout" in spec:
            assert after == spec["layout"]["storage"], f"{what} modified an operand's storage"


def _text(spec):
    if "scalar" in spec:
        return repr(spec["scalar"])
    return f"Tensor(shape {ref.fmt_shape(spec['layout']['shape'])})"


@pytest.mark.points(2)
@settings(max_examples=30)
@explicit_examples("case", ref.broadcast_cases(same_rank=True))
@given(case=_operations(same_rank=True))
def test_broadcast_same_rank(student, case):
    """+ - * / on strided operands of equal rank, sizes of 1 stretched on either or both
    sides like numpy."""
    _check(student, *case)


#: Equal sizes past 256, where CPython stops sharing int objects (sizes compared with `is`
#: fail): (2, 300) with (300,).
BIG_SIZES = ("*", {"layout": ref.fixed_layout((2, 300), "transposed")},
             {"layout": ref.fixed_layout((300,), "negative step", salt=1)})


@pytest.mark.points(2)
@settings(max_examples=30)
@explicit_examples("case", [*ref.broadcast_cases(same_rank=False), BIG_SIZES])
@given(case=_operations(same_rank=False))
def test_broadcast_different_ranks(student, case):
    """+ - * / on operands of different ranks (0-d included): shapes align on the right."""
    _check(student, *case)


@st.composite
def _scalar_operations(draw):
    shape = draw(ref.shapes())
    op = draw(st.sampled_from(OPS))
    tensor_left = draw(st.booleans())
    nonzero = "nonzero" if op == "/" and not tensor_left else "grid"
    tensor = {"layout": draw(ref.layouts(shape, fill=nonzero))}
    scalar = {"scalar": draw(ref.nonzero_values() if op == "/" and tensor_left
                             else ref.grid_values())}
    return (op, tensor, scalar) if tensor_left else (op, scalar, tensor)


@pytest.mark.points(2)
@settings(max_examples=25)
@explicit_examples("case", ref.scalar_cases())
@given(case=_scalar_operations())
def test_scalar_operands(student, case):
    """t op x and x op t for a Python number x (the reflected operators too), and -t."""
    _check(student, *case)
    tensor = case[1] if "layout" in case[1] else case[2]
    got = student.call(probes.neg, tensor)
    wrong = ref.values_mismatch(got["values"], -ref.operand_value(tensor))
    assert wrong is None, f"-{_text(tensor)}: {wrong}"


#: Sizes 0 and 2 do not broadcast either (only a size of 1 stretches), whatever the side (a
#: 0-size axis last: the operands are nested lists, and `[]` has shape (0,)).
ZERO_SIZE_MISMATCHES = [(((0,), (2,)), "+"), (((2, 3), (2, 0)), "-"), (((3, 0), (1, 2)), "*")]


@pytest.mark.points(1)
@settings(max_examples=10)
@explicit_examples("case", ZERO_SIZE_MISMATCHES)
@given(case=st.tuples(ref.incompatible_shape_pairs(), st.sampled_from(OPS)))
def test_incompatible_shapes_raise(student, case):
    """Shapes that do not broadcast (0 against 2 too): ValueError from ops and broadcast_shapes."""
    (a, b), op = case
    # broadcast_shapes itself (an op could raise later, in broadcast_to, naming both shapes)
    expect_raises(student, probes.broadcast_shapes, list(a), list(b), error="ValueError",
                  what=f"broadcast_shapes({a}, {b})")
    left, right = {"tensor": ref.arange_data(a)}, {"tensor": ref.arange_data(b)}
    error = expect_raises(student, probes.binary, op, left, right, error="ValueError",
                          match=ref.fmt_shape(a), what=f"shapes {a} {op} {b}")
    assert ref.fmt_shape(b) in error.message, \
        f"shapes {a} {op} {b}: the ValueError should name both shapes, got {error.message!r}"


@st.composite
def _sums(draw, zero_size=False):
    shape = list(draw(ref.shapes(min_dims=1 if zero_size else 0)))
    if zero_size:
        shape[draw(st.integers(0, len(shape) - 1))] = 0
    layout = draw(ref.layouts(shape))
    return layout, draw(ref.sum_axes(len(shape))), draw(st.booleans())


#: numpy's most dimensions: a layout with more is summed by `_sum_oracle` itself.
NUMPY_MAX_DIMS = 64


def _sum_oracle(layout, axis, keepdims):
    if len(layout["shape"]) <= NUMPY_MAX_DIMS:
        return ref.sum_oracle(layout, axis, keepdims)
    # Only MANY_DIMS has more: one element, summed whole into a 0-d tensor.
    assert set(layout["shape"]) == {1} and axis is None and not keepdims, "a kit bug"
    return np.asarray(layout["storage"][layout["offset"]])


def _check_sum(student, layout, axis, keepdims):
    text = ref.layout_text(layout) if len(layout["shape"]) <= 4 else \
        f"shape (1, 1, ..., 1) ({len(layout['shape'])} dimensions of size 1)"
    what = f"t.sum(axis={axis}, keepdims={keepdims}) for t with {text}"
    try:
        want = _sum_oracle(layout, axis, keepdims)
    except ValueError:  # numpy refuses the axes (out of range, repeated): so must the student
        expect_raises(student, probes.reduce_sum, layout, axis, keepdims, error="ValueError",
                      what=what)
        return
    got = student.call(probes.reduce_sum, layout, axis, keepdims)
    assert tuple(got["shape"]) == want.shape, \
        f"{what}: shape {tuple(got['shape'])}, expected {want.shape}"
    wrong = ref.values_mismatch(got["values"], want)
    assert wrong is None, f"{what}: {wrong}"


#: Axes numpy refuses (out of range on either side, repeated): ValueError.
BAD_AXES = [(ref.fixed_layout((2, 3), "contiguous"), axis, False) for axis in (2, 3, -3, [0, 0],
                                                                           [1, -1])]
#: One element in a 300-d tensor: its 300 axes are past 256, where CPython stops sharing int
#: objects (counts of axes compared with `is` fail).
MANY_DIMS = ({"storage": [2.5], "shape": [1] * 300, "strides": [1] * 300, "offset": 0}, None,
             False)


@pytest.mark.points(3)
@settings(max_examples=40)
@explicit_examples("case", [*BAD_AXES, MANY_DIMS])
@given(case=_sums())
def test_sum_axis_keepdims(student, case):
    """sum over None, an axis (negative too) or axes, keepdims or not; bad axes: ValueError."""
    _check_sum(student, *case)


#: Nothing to sum into nothing: a kept axis and a summed axis both of size 0 (no output, and
#: no element for any of them).
EMPTY_SUMS = [(ref.arange_layout((0, 0)), 1, False), (ref.arange_layout((2, 0, 0)), [2], True)]


@pytest.mark.points(1)
@settings(max_examples=10)
@explicit_examples("case", EMPTY_SUMS)
@given(case=_sums(zero_size=True))
def test_sum_of_nothing(student, case):
    """Summing zero elements gives 0.0, with the right shape."""
    _check_sum(student, *case)
