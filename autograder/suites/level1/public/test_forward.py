"""Part forward: dual numbers and the book's example, forward and reverse."""

import numpy as np
import pytest

from autograder.judge.api import check_close, expect_raises
from autograder.probes import level1_forward as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("forward")
expected = public_oracle("level1_forward")

X = np.array([[0.7, -1.3, 2.1], [0.4, 1.1, -0.6]])
DX = np.array([[1.0, 0.5, -2.0], [-0.3, 2.0, 1.5]])
Y = np.array([[1.5, -2.0, 0.8], [2.5, 0.9, -1.1]])
DY = np.array([[0.2, -1.0, 0.6], [1.0, 0.0, -0.4]])
POSITIVE = np.abs(X) + 0.5
RULES = [("div", [X, DX], [Y, DY], None), ("div", [X, DX], [Y, None], None),
         ("rdiv", [X, DX], [Y, None], None), ("pow", [POSITIVE, DX], None, 2.5),
         ("pow", [X, DX], None, 3), ("pow", [X, DX], None, 0),
         ("matmul", [X, DX], [Y.T.copy(), DY.T.copy()], None),
         ("rmatmul", [X, DX], [Y.T.copy(), None], None),
         ("sin", [X, DX], None, None), ("cos", [X, DX], None, None),
         ("exp", [X, DX], None, None), ("log", [POSITIVE, DX], None, None),
         ("tanh", [X, DX], None, None), ("fsin", [X, DX], None, None)]


@pytest.mark.points(1)
def test_dual_rules_fixed(student):
    """Each Dual rule (/, ** number, @, sin, cos, exp, log, tanh); ** non-number: TypeError."""
    for name, a, b, exponent in RULES:
        got = student.call(probes.dual_op, name, a, b, exponent)
        want = expected.dual_op(name, a, b, exponent)
        what = f"Dual {name}" + (f" ** {exponent}" if exponent is not None else "")
        check_close(got[0], want[0], f"{what}: value", rtol=expected.RTOL, atol=expected.ATOL)
        check_close(got[1], want[1], f"{what}: tangent", rtol=expected.RTOL,
                    atol=expected.ATOL, hint="the tangent is the derivative times the input "
                    "tangents: (a/b)' = (ȧb − aḃ)/b², (a**c)' = c·a**(c−1)·ȧ, sin' = cos, ...")
    for kind in ("array", "bool", "dual"):
        expect_raises(student, probes.dual_pow_misuse, kind, error="TypeError",
                      what=f"Dual ** a {kind} exponent (only Python numbers are allowed)")


@pytest.mark.points(1)
def test_book_example(student):
    """The book's exp(x1)·sin²(x2) at (9, 10): f = 2398.18, ∇f = (2398.18, 7397.67)."""
    x = np.array([9.0, 10.0])
    consts = expected.constants("book", 0)
    for v in (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5, -2.0])):
        got = student.call(probes.run_jvp, "book", consts, x, v)
        check_close(got["value"], expected.value("book", consts, x), "f(9, 10)",
                    rtol=expected.RTOL)
        check_close(got["tangent"], expected.jvp("book", consts, x, v),
                    f"jvp(f, (9, 10), {v.tolist()})", rtol=expected.RTOL,
                    hint="one evaluation of f on Dual(x, v): its tangent is J v")
    want = expected.jacobian("book", consts, x)
    for mode in ("forward", "reverse"):
        got = student.call(probes.run_jacobian, mode, "book", consts, x)
        check_close(got["jacobian"], want, f"jacobian_{mode} of the book's f at (9, 10)",
                    rtol=expected.RTOL)
