"""Part `nested`: NestedTensor, a tensor stored as nested Python lists (a few fixed cases)."""

import pytest

from autograder.judge.api import check_close, check_equal, expect_raises
from autograder.probes import level_minus1 as probes

pytestmark = pytest.mark.part("nested")


def _floats_only(value):
    if isinstance(value, list):
        return all(_floats_only(v) for v in value)
    return type(value) is float


@pytest.mark.points(2)
def test_nested_shape_and_tolist(student):
    """NestedTensor infers the shape (0-d and zero-size too) and tolist() gives floats back."""
    cases = [(3.0, ()), (7, ()), ([], (0,)), ([1, 2.5, -3], (3,)), ([[1, 2], [3, 4]], (2, 2)),
             ([[], []], (2, 0)), ([[[1], [2]], [[3], [4]]], (2, 2, 1))]
    for data, shape in cases:
        got = student.call(probes.nested_build, data)
        check_equal(tuple(got["shape"]), shape, what=f"NestedTensor({data!r}).shape")
        check_close(got["values"], data, what=f"NestedTensor({data!r}).tolist()", rtol=0.0,
                    atol=0.0)
        assert _floats_only(got["values"]), \
            f"NestedTensor({data!r}).tolist() = {got['values']!r}: every element must be a float"
    got = student.call(probes.nested_tolist_is_a_copy, [[1, 2], [3, 4]])
    check_equal(got["values"], [[1.0, 2.0], [3.0, 4.0]], what="tolist() after changing the input "
                "list and the list tolist() returned",
                hint="the tensor must own its data: copy it in __init__ and in tolist()")


@pytest.mark.points(1)
def test_nested_rejects_bad_input(student):
    """Ragged lists raise ValueError and non-numbers TypeError, naming the bad index."""
    cases = [([[1, 2], [3]], "ValueError", (1,)), ([[1, 2], 3], "ValueError", (1,)),
             ([[1, "a"]], "TypeError", (0, 1)), ("a", "TypeError", ()),
             ([[[1, 2], [3, 4]], [[5, 6], [7]]], "ValueError", (1, 1))]
    for data, error, index in cases:
        expect_raises(student, probes.nested_build, data, error=error, match=str(index),
                      what=f"NestedTensor({data!r})")


@pytest.mark.points(1)
def test_nested_arithmetic(student):
    """+ - * / and unary minus, with a same-shape tensor or a number on either side."""
    t = {"tensor": [[1.0, 2.0], [3.0, 4.0]]}
    u = {"tensor": [[0.5, -1.0], [2.0, 8.0]]}
    for op, left, right, want in [
        ("+", t, u, [[1.5, 1.0], [5.0, 12.0]]),
        ("-", t, u, [[0.5, 3.0], [1.0, -4.0]]),
        ("*", t, {"scalar": 2}, [[2.0, 4.0], [6.0, 8.0]]),
        ("/", t, u, [[2.0, -2.0], [1.5, 0.5]]),
        ("-", {"scalar": 10}, t, [[9.0, 8.0], [7.0, 6.0]]),
        ("/", {"scalar": 1}, u, [[2.0, -1.0], [0.5, 0.125]]),
    ]:
        got = student.call(probes.nested_binary, op, left, right)
        check_equal(got["values"], want, what=f"{_text(left)} {op} {_text(right)}")
    check_equal(student.call(probes.nested_neg, t["tensor"])["values"],
                [[-1.0, -2.0], [-3.0, -4.0]], what="-t")


def _text(spec):
    return repr(spec["scalar"]) if "scalar" in spec else f"NestedTensor({spec['tensor']})"


@pytest.mark.points(1)
def test_nested_len_index_sum(student):
    """len(t), t[i] with negative indices, and t.sum()."""
    data = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    check_equal(student.call(probes.nested_len, data), 2, what="len(t) for shape (2, 3)")
    got = student.call(probes.nested_index, data, [-1])
    check_equal((got["shape"], got["values"]), ([3], [4.0, 5.0, 6.0]), what="t[-1]")
    got = student.call(probes.nested_index, data, [0, 2])
    check_equal((got["shape"], got["values"]), ([], 3.0), what="t[0][2]")
    check_equal(student.call(probes.nested_sum, data), 21.0, what="t.sum()")
    check_equal(student.call(probes.nested_sum, []), 0.0, what="NestedTensor([]).sum()")
