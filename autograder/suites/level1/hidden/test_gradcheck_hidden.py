"""Part gradcheck (hidden): random inputs, and reports for right and wrong VJPs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close, check_equal
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("gradcheck")


def check_report_errors(got, what):
    """abs_errors and rel_errors must be the documented measures of the returned arrays."""
    count = len(got["analytic"])
    check_equal([len(got["numeric"]), len(got["abs_errors"]), len(got["rel_errors"])],
                [count] * 3, f"{what}: [len(numeric), len(abs_errors), len(rel_errors)] for "
                f"{count} analytic gradients (one entry per input)")
    for k, (a, n) in enumerate(zip(got["analytic"], got["numeric"], strict=True)):
        a, n = np.asarray(a), np.asarray(n)
        check_close(got["abs_errors"][k], np.max(np.abs(a - n)) if a.size else 0.0,
                    f"{what}: abs_errors[{k}]", rtol=1e-6, atol=1e-15,
                    hint="max |analytic - numeric|, and 0.0 for an input with no elements")
        scale = max(np.linalg.norm(a), np.linalg.norm(n), 1e-12)
        check_close(got["rel_errors"][k], np.linalg.norm(a - n) / scale,
                    f"{what}: rel_errors[{k}]", rtol=1e-6, atol=1e-15,
                    hint="||a - n|| / max(||a||, ||n||, 1e-12)")


@pytest.mark.points(1)
@settings(max_examples=20)
@given(data=st.data())
def test_numerical_grad_random(student, data):
    """numerical_grad on random shapes and step sizes."""
    shape = data.draw(ref.shapes(max_dims=2), label="shape")
    x, y = data.draw(ref.arrays(shape), label="x"), data.draw(ref.arrays(shape), label="y")
    eps = data.draw(st.sampled_from([1e-4, 1e-5, 1e-6]), label="eps")
    got = student.call(probes.numerical_grad, "sin_mul", [x, y], eps)
    want = ref.finite_diff(lambda xs: np.sum(np.sin(xs[0]) * xs[1]), [x, y], np.ones(()), eps)
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        check_close(g, w, f"numerical gradient of input {k} (eps={eps})", rtol=1e-6,
                    atol=1e-9)


@pytest.mark.points(1)
def test_gradcheck_accepts_correct(student):
    """gradcheck of a correct VJP (zero gradients and an empty input too): ok, and the
    documented error measures."""
    x, y = np.array([[0.3, -1.2], [2.0, 0.7]]), np.array([[1.5, -0.5], [0.25, 2.0]])
    got = student.call(probes.gradcheck, "sin_mul", [x, y])
    check_equal(got["ok"], True, "report.ok for a correct gradient")
    check_equal(got["inputs_unchanged"], True, "inputs unchanged by gradcheck")
    for k, exact in enumerate([np.cos(x) * y, np.sin(x)]):
        check_close(got["analytic"][k], exact, f"report.analytic[{k}]", rtol=ref.RTOL)
        check_close(got["numeric"][k], exact, f"report.numeric[{k}]", rtol=ref.FD_RTOL,
                    atol=ref.FD_ATOL)
    check_report_errors(got, "correct VJP")
    zero = student.call(probes.gradcheck, "square", [np.zeros(3)])  # both gradients are 0
    check_equal(zero["ok"], True, "report.ok for sum(x * x) at x = 0")
    check_report_errors(zero, "sum(x * x) at x = 0 (zero gradients)")
    x = np.array([0.5, -2.0])
    empty = student.call(probes.gradcheck, "sin_plus_sum", [x, np.zeros(0)])
    check_equal(empty["ok"], True, "report.ok for sum(sin(x)) + sum(e) with an empty e")
    check_equal([list(np.shape(g)) for g in empty["analytic"] + empty["numeric"]],
                [[2], [0], [2], [0]], "shapes of report.analytic and report.numeric for inputs "
                "of shapes (2,) and (0,)")
    check_report_errors(empty, "sum(sin(x)) + sum(e) with an empty e")


@pytest.mark.points(1)
def test_gradcheck_rejects_wrong(student):
    """gradcheck of a VJP that is off by a factor of 2: not ok, and the error shows it."""
    x = np.array([0.5, -1.0, 1.5])
    got = student.call(probes.gradcheck, "wrong", [x])
    check_equal(got["ok"], False, "report.ok for a wrong gradient (4x instead of 2x)")
    check_close(got["analytic"][0], 4 * x, "report.analytic[0]", rtol=ref.RTOL)
    check_close(got["numeric"][0], 2 * x, "report.numeric[0]", rtol=ref.FD_RTOL,
                atol=ref.FD_ATOL)
    check_report_errors(got, "wrong VJP")
    small = student.call(probes.gradcheck, "wrong", [np.array([0.01, -0.02])])  # norms below 1
    check_equal(small["ok"], False, "report.ok for a wrong gradient at x = [0.01, -0.02]")
    check_report_errors(small, "wrong VJP at x = [0.01, -0.02]")
