"""Part `strided`: flat storage + shape + strides + offset, and views (a few fixed cases)."""

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal
from autograder.probes import level_minus1 as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("strided")
expected = public_oracle("level_minus1")


def _check_view(got, want, check_layout, what):
    """Shape and values, then (when asked, and when numpy defines them) storage sharing,
    strides of the dimensions longer than 1, and offset."""
    check_equal(tuple(got["shape"]), tuple(want["shape"]), what=f"{what}: shape")
    offset = want.get("offset", 0) if want["defined"] and want.get("shares") else 0
    shifted = (np.asarray(want["values"], dtype=float) - offset).tolist()
    if offset and got["values"] == shifted:  # the base holds 0, 1, 2...: a value is its position
        raise AssertionError(f"{what}: your values are the view's elements counted from "
                             f"storage position 0: start at the view's offset ({offset}) when "
                             "finding element positions")
    check_close(got["values"], want["values"], what=f"{what}: tolist()", rtol=0.0, atol=0.0)
    if not (check_layout and want["defined"]):
        return
    if got["shares"] != want["shares"]:
        raise AssertionError(f"{what}: " + (
            "the result does not share the base's storage: it should be a view, not a copy"
            if want["shares"] else "the result shares the base's storage, but numpy had to "
            "copy here"))
    strides = tuple(got["strides"])
    if len(strides) != len(want["shape"]):
        raise AssertionError(f"{what}: strides {strides} do not have one entry per dimension")
    for d, size in enumerate(want["shape"]):
        if size > 1 and strides[d] != want["strides"][d]:  # other strides are never used
            raise AssertionError(f"{what}: strides {strides}, expected "
                                 f"{tuple(want['strides'])} (dimension {d} differs)")
    check_equal(got["offset"], want["offset"], what=f"{what}: offset")


def _check_chain(student, shape, chain, check_layout=True):
    """Run a view chain on a base of `shape` holding 0, 1, 2, ... and compare with numpy."""
    got = student.call(probes.chain_layout, expected.arange_layout(shape), chain)
    want = expected.chain_oracle(shape, chain)
    _check_view(got, want, check_layout, f"{expected.chain_text(chain)} with t of shape {shape}")
    return got


@pytest.mark.points(2)
def test_tensor_layout(student):
    """Tensor(data) is contiguous: flat row-major storage, row-major strides, offset 0."""
    cases = [([[1, 2, 3], [4, 5, 6]], (2, 3), (3, 1)), (7, (), ()), ([], (0,), (1,)),
             ([[[1]], [[2]]], (2, 1, 1), (1, 1, 1)), ([[], []], (2, 0), (0, 1))]
    for data, shape, strides in cases:
        got = student.call(probes.tensor_build, data)
        what = f"Tensor({data!r})"
        check_equal(tuple(got["shape"]), shape, what=f"{what}.shape")
        check_equal(tuple(got["strides"]), strides, what=f"{what}.strides")
        check_equal(got["offset"], 0, what=f"{what}.offset")
        flat = [float(v) for v in np.asarray(data, dtype=float).ravel()]
        check_equal(got["storage"], flat, what=f"{what}.storage",
                    hint="storage holds the numbers in row-major order, as floats")
    check_equal(student.call(probes.contiguous_strides, [2, 3, 4]), [12, 4, 1],
                what="contiguous_strides((2, 3, 4))")


@pytest.mark.points(2)
def test_transpose_is_a_view(student):
    """t.T, t.transpose(0, 1) and t.permute(...) share storage and swap strides."""
    _check_chain(student, (2, 3), [["T"]])
    _check_chain(student, (2, 3, 4), [["transpose", 0, -1]])
    _check_chain(student, (2, 3, 4), [["permute", [2, 0, 1]]])


@pytest.mark.points(2)
def test_slicing(student):
    """t[1:3, ::-2], t[-1], t[:, 1] and t[::-1, 0] are views with the right strides and offset."""
    for key in [{"tuple": [[1, 3, None], [None, None, -2]]}, {"one": -1},
                {"tuple": [[None, None, None], 1]}, {"tuple": [[None, None, -1], 0]}]:
        _check_chain(student, (4, 5), [["index", key]])


@pytest.mark.points(2)
def test_reshape_view_or_copy(student):
    """reshape is a view of a contiguous tensor and a copy when the strides cannot express it."""
    got = _check_chain(student, (2, 3), [["reshape", [3, 2]]])
    assert got["shares"], "reshape of a contiguous tensor must be a view sharing its storage"
    _check_chain(student, (2, 3, 4), [["reshape", [6, -1]]])
    got = _check_chain(student, (2, 3), [["T"], ["reshape", [6]]])
    assert not got["shares"], "t.T.reshape(6) cannot be a view: it must copy"


@pytest.mark.points(1)
def test_setitem_through_a_view(student):
    """Writing into a view (t.T[1:, ::2] = ...) changes the base tensor's storage."""
    data = expected.arange_layout((3, 4))
    chain = [["T"], ["index", {"tuple": [[1, None, None], [None, None, 2]]}]]
    base = np.arange(12.0).reshape(3, 4)
    for value, np_value in [({"scalar": -1.0}, -1.0),
                            ({"tensor": [[10, 20], [30, 40], [50, 60]]},
                             np.array([[10, 20], [30, 40], [50, 60]], dtype=float))]:
        got = student.call(probes.setitem_through_view, data, chain, {"tuple": []}, value)
        want = base.copy()
        want.T[1:, ::2] = np_value
        shown = value.get("scalar", f"Tensor({value.get('tensor')})")
        check_close(got["base"], want, what=f"t after t.T[1:, ::2][()] = {shown}", rtol=0.0,
                    atol=0.0)
