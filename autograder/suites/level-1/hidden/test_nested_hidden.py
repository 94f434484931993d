"""Part `nested`, hidden: NestedTensor on random shapes and malformed input (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_equal, expect_raises, explicit_examples
from autograder.probes import level_minus1 as probes
from autograder.references import level_minus1 as ref

pytestmark = pytest.mark.part("nested")

OPS = ("+", "-", "*", "/")


#: Lists longer than 256, and nested 300 deep, where CPython stops sharing int objects:
#: lengths and depths compared with `is` fail.
LONG_LISTS = [[float(i) for i in range(300)], [[0.5] * 300, [1.5] * 300],
              ref.nest([2.5], (1,) * 300)]
#: numpy's most dimensions: deeper lists are checked without it.
NUMPY_MAX_DIMS = 64


def _depth(data):
    return 1 + _depth(data[0]) if isinstance(data, list) and data else int(isinstance(data, list))


@pytest.mark.points(3)
@settings(max_examples=25)
@explicit_examples("data", LONG_LISTS)
@given(data=ref.nested_shapes().flatmap(ref.nested_lists))
def test_nested_roundtrip(student, data):
    """Random nested lists up to 4-d (0-d and zero-size too): shape and tolist() match numpy."""
    got = student.call(probes.nested_build, data)
    if _depth(data) > NUMPY_MAX_DIMS:  # only LONG_LISTS' last: one number, 300 lists deep
        what = f"NestedTensor(one number in {_depth(data)} nested lists)"
        check_equal(tuple(got["shape"]), (1,) * _depth(data), what=f"{what}.shape")
        check_equal(got["values"], data, what=f"{what}.tolist()")
        return
    want = np.asarray(data, dtype=np.float64)
    check_equal(tuple(got["shape"]), want.shape, what=f"NestedTensor({ref._short(data)}).shape")
    wrong = ref.values_mismatch(got["values"], want)
    assert wrong is None, f"NestedTensor({ref._short(data)}).tolist(): {wrong}"


@pytest.mark.points(2)
@settings(max_examples=20)
@given(case=ref.ragged_lists())
def test_nested_ragged_names_the_index(student, case):
    """A ragged nested list raises ValueError naming the index of the first misfit."""
    data, index = case
    expect_raises(student, probes.nested_build, data, error="ValueError", match=str(index),
                  what=f"NestedTensor({ref._short(data)}) (ragged at {index})")


@pytest.mark.points(2)
@settings(max_examples=15)
@given(case=ref.non_numeric_lists())
def test_nested_non_numeric_names_the_index(student, case):
    """A non-number in a nested list raises TypeError naming its index."""
    data, index = case
    expect_raises(student, probes.nested_build, data, error="TypeError", match=str(index),
                  what=f"NestedTensor({ref._short(data)}) (not a number at {index})")


@st.composite
def _index_paths(draw):
    """(shape, indices): t[i][j]... down to a random depth, stopping at the first index out of
    range (from size + 1 down to -size - 2)."""
    shape = draw(ref.nested_shapes(min_dims=1))
    indices = []
    for size in shape[: draw(st.integers(1, len(shape)))]:
        indices.append(draw(st.integers(-size - 2, size + 1)))
        if not -size <= indices[-1] < size:
            break
    return shape, indices


#: The edges of each dimension (sizes 2 then 3, and 3 then 2): -size and size - 1 are in range,
#: size and -size - 1 are not.
EDGE_INDICES = [((2, 3), [-2, -3]), ((2, 3), [1, 2]), ((2, 3), [2]), ((2, 3), [-3]),
                ((2, 3), [0, 3]), ((2, 3), [-1, -4]), ((3, 2), [2, -2]), ((3, 2), [-3, 1])]


@pytest.mark.points(2)
@settings(max_examples=25)
@explicit_examples("case", EDGE_INDICES)
@given(case=_index_paths())
def test_nested_indexing(student, case):
    """t[i][j]... with negative indices gives numpy's sub-array; out of range raises IndexError."""
    shape, indices = case
    data = ref.arange_data(shape)
    arr = np.asarray(data, dtype=np.float64)
    what = f"t{''.join(f'[{i}]' for i in indices)} for t of shape {shape}"
    for depth, i in enumerate(indices):
        size = shape[depth]
        if not -size <= i < size:
            takes = f"indices {-size} to {size - 1}" if size else "no index"
            expect_raises(student, probes.nested_index, data, indices, error="IndexError",
                          what=f"{what} (a dimension of size {size} takes {takes})")
            return
        arr = arr[i]
    got = student.call(probes.nested_index, data, indices)
    check_equal(tuple(got["shape"]), arr.shape, what=f"{what}.shape")
    wrong = ref.values_mismatch(got["values"], arr)
    assert wrong is None, f"{what}: {wrong}"


@st.composite
def _binary_cases(draw):
    shape = draw(ref.nested_shapes())
    op = draw(st.sampled_from(OPS))
    kind = draw(st.sampled_from(("tensor", "scalar_right", "scalar_left")))
    values = "nonzero" if op == "/" else "grid"
    left = {"tensor": draw(ref.nested_lists(shape, "grid"))}
    right = {"tensor": draw(ref.nested_lists(shape, values))}
    if kind == "scalar_right":
        right = {"scalar": draw(ref.nonzero_values() if op == "/" else ref.grid_values())}
    elif kind == "scalar_left":
        left, right = {"scalar": draw(ref.grid_values())}, {"tensor": right["tensor"]}
        if op == "/":
            right = {"tensor": draw(ref.nested_lists(shape, "nonzero"))}
    return op, left, right


@pytest.mark.points(3)
@settings(max_examples=30)
@given(case=_binary_cases())
def test_nested_elementwise(student, case):
    """Random + - * / between same-shape tensors, or a tensor and a number on either side."""
    op, left, right = case
    got = student.call(probes.nested_binary, op, left, right)
    want = ref.binary_oracle(op, ref.operand_value(left), ref.operand_value(right))
    what = f"{_text(left)} {op} {_text(right)}"
    check_equal(tuple(got["shape"]), want.shape, what=f"({what}).shape")
    wrong = ref.values_mismatch(got["values"], want)
    assert wrong is None, f"{what}: {wrong}"


def _text(spec):
    if "scalar" in spec:
        return repr(spec["scalar"])
    return f"NestedTensor({ref._short(spec['tensor'])})"


@pytest.mark.points(1)
@settings(max_examples=10)
@given(data=ref.nested_shapes().flatmap(lambda s: ref.nested_lists(s, "grid")))
def test_nested_negation(student, data):
    """-t negates every element and keeps the shape."""
    got = student.call(probes.nested_neg, data)
    want = -np.asarray(data, dtype=np.float64)
    check_equal(tuple(got["shape"]), want.shape, what="(-t).shape")
    wrong = ref.values_mismatch(got["values"], want)
    assert wrong is None, f"-NestedTensor({ref._short(data)}): {wrong}"


@pytest.mark.points(1)
@settings(max_examples=10)
@given(data=ref.nested_shapes().flatmap(lambda s: ref.nested_lists(s, "grid")))
def test_nested_sum(student, data):
    """t.sum() is the float sum of every element (0.0 when there are none)."""
    got = student.call(probes.nested_sum, data)
    want = float(np.sum(np.asarray(data, dtype=np.float64)))
    assert isinstance(got, float), f"NestedTensor({ref._short(data)}).sum() returned {got!r}, " \
                                   f"expected a float"
    assert got == want, f"NestedTensor({ref._short(data)}).sum() = {got!r}, expected {want!r}"


@pytest.mark.points(1)
@settings(max_examples=10)
@given(shapes=ref.incompatible_shape_pairs(), op=st.sampled_from(OPS))
def test_nested_shape_mismatch(student, shapes, op):
    """Combining tensors of different shapes raises ValueError naming both shapes."""
    a, b = shapes
    left, right = {"tensor": ref.arange_data(a)}, {"tensor": ref.arange_data(b)}
    error = expect_raises(student, probes.nested_binary, op, left, right, error="ValueError",
                          match=ref.fmt_shape(a), what=f"shapes {a} {op} {b}")
    assert ref.fmt_shape(b) in error.message, \
        f"shapes {a} {op} {b}: the ValueError should name both shapes, got {error.message!r}"
