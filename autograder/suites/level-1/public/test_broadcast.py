"""Part `broadcast`: elementwise arithmetic with numpy broadcasting, and sum (fixed cases)."""

import numpy as np
import pytest

from autograder.judge.api import StudentError, check_close
from autograder.probes import level_minus1 as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("broadcast")
expected = public_oracle("level_minus1")


def _run(student, op, a, b):
    sa, sb = np.shape(a), np.shape(b)
    what = f"Tensor({a}) {op} Tensor({b})"
    try:
        got = student.call(probes.binary, op, {"tensor": a}, {"tensor": b})
    except StudentError as error:
        if error.type_name != "ValueError" or sa == sb:
            raise
        raise AssertionError(
            f"{what}: {error.summary()}, but numpy broadcasts {sa} with {sb} to "
            f"{np.broadcast_shapes(sa, sb)}: align the shapes on the right (pad the shorter "
            "one with 1s in front), then stretch each size 1") from None
    want = expected.binary_oracle(op, np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    assert tuple(got["shape"]) == want.shape, \
        f"{what}: shape {tuple(got['shape'])}, expected {want.shape}"
    check_close(got["values"], want, what=f"{what}: tolist()", rtol=0.0, atol=0.0)


@pytest.mark.points(1)
def test_elementwise_same_shape(student):
    """+ - * / between two tensors of the same shape."""
    a, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[2.0, -1.0, 0.5], [4.0, 8.0, -2.0]]
    for op in "+-*/":
        _run(student, op, a, b)


@pytest.mark.points(2)
def test_broadcasting(student):
    """(3, 1) + (1, 4), (2, 3) * (3,), (2,) - 0-d: shapes are aligned on the right."""
    _run(student, "+", [[1.0], [2.0], [3.0]], [[10.0, 20.0, 30.0, 40.0]])
    _run(student, "*", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 0.5, -1.0])
    _run(student, "-", [1.0, 2.0], 5.0)
    _run(student, "/", [[[2.0]], [[4.0]]], [[1.0, 2.0]])


@pytest.mark.points(1)
def test_sum(student):
    """t.sum() is 0-d; sum(axis=0), sum(axis=-1, keepdims=True) and sum(axis=(0, 2))."""
    arr = np.arange(24.0).reshape(2, 3, 4)
    layout = {"storage": arr.ravel().tolist(), "shape": [2, 3, 4], "strides": [12, 4, 1],
              "offset": 0}
    for axis, keepdims in [(None, False), (0, False), (-1, True), ([0, 2], False)]:
        got = student.call(probes.reduce_sum, layout, axis, keepdims)
        want = expected.sum_oracle(layout, axis, keepdims)
        what = f"t.sum(axis={axis}, keepdims={keepdims}) for t of shape (2, 3, 4)"
        assert tuple(got["shape"]) == want.shape, \
            f"{what}: shape {tuple(got['shape'])}, expected {want.shape}"
        check_close(got["values"], want, what=f"{what}: tolist()", rtol=0.0, atol=0.0)
