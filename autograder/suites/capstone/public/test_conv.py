"""Part conv: the im2col view on your level -1 storage and a Conv2d whose forward and backward
are matrix products on your SGEMM."""

import pytest

from autograder.judge.api import check_close
from autograder.probes import capstone as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("conv")
expected = public_oracle("capstone")


@pytest.mark.points(4)
def test_windows_view(student):
    """StridedBackend.windows is the (B, C, OH, OW, kh, kw) view of every window, no copy."""
    shape, kh, kw = [2, 3, 5, 6], 3, 2
    got = student.call(probes.windows, shape, kh, kw)
    want = expected.windows(shape, kh, kw)
    assert got["shares"], ("StridedBackend.windows (stack/backend.py) returned a copy: build "
                           "the view with one `from_layout` over the input's storage")
    assert got["shape"] == want["shape"], (
        f"StridedBackend.windows gave shape {got['shape']}, expected {want['shape']}")
    check_close(got["values"], want["values"], what="the windows' values",
                hint="the window axes step like the image axes: strides (.., sh, sw, sh, sw)")


def _conv_case(b: int, c: int, f: int, hw: int, k: int) -> tuple[list, list, list, list]:
    x = [expected.random_values(1, b, c, hw, hw), [b, c, hw, hw]]
    weight = [expected.random_values(2, f, c, k, k), [f, c, k, k]]
    bias = [expected.random_values(3, f), [f]]
    out = hw - k + 1
    return x, weight, bias, expected.random_values(4, b, f, out, out)


@pytest.mark.points(6)
def test_conv2d_forward(student):
    """conv2d gives numpy's convolution (stride 1, no padding) for several channels."""
    case = _conv_case(2, 3, 4, 6, 3)
    got = student.call(probes.conv, *case)
    want = expected.conv(*case)
    assert got["shape"] == want["shape"], (
        f"conv2d gave shape {got['shape']}, expected {want['shape']} (B, F, OH, OW)")
    check_close(got["value"], want["value"], what="conv2d's output (stack/conv.py)",
                rtol=1e-4, atol=1e-4)


@pytest.mark.points(6)
def test_conv2d_backward(student):
    """conv2d's VJP gives numpy's gradients for x, weight and bias (col2im adds overlaps)."""
    case = _conv_case(2, 2, 3, 5, 3)
    got = student.call(probes.conv, *case)
    want = expected.conv(*case)
    for name, g, w in zip(("x", "weight", "bias"), got["grads"], want["grads"], strict=True):
        assert g is not None, f"conv2d gave no gradient for {name}"
        check_close(g, w, what=f"conv2d's gradient for {name} (stack/conv.py)",
                    hint="grad_x: add each window's share back where it came from",
                    rtol=1e-4, atol=1e-4)
