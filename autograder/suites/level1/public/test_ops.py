"""Part ops: unbroadcast, elementwise ops, matmul and reductions on fixed inputs."""

import numpy as np
import pytest

from autograder.cases.level1_hints import REDUCTION_HINTS
from autograder.judge.api import check_close, check_equal
from autograder.probes import level1 as probes
from autograder.suites import checks
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("ops")
expected = public_oracle("level1")
RTOL, ATOL = expected.RTOL, expected.ATOL

X = np.array([[0.5, -1.25, 2.0], [-0.3, 0.8, -2.5]])
Y = np.array([[1.5, 0.75, -1.0], [0.6, -0.8, 2.5]])
POSITIVE = np.array([[0.5, 1.25, 2.0], [0.3, 0.8, 2.5]])


def check_op(got, name, xs, kw, grad_out, hint=""):
    """A `run_op` result against the closed-form value and gradients, and (for a smooth op)
    against finite differences of the forward."""
    label = f"{name}({', '.join(f'shape {tuple(np.shape(x))}' for x in xs)}"
    label += f", {kw})" if kw else ")"
    check_close(got["value"], expected.forward(name, xs, kw), f"{label} value", hint=hint,
                rtol=RTOL, atol=ATOL)
    checks.check_grads(got["grads"], expected.vjp(name, xs, kw, grad_out), label, hint=hint,
                       rtol=RTOL, atol=ATOL)
    if expected.OPS[name].smooth:
        checks.check_grads(got["grads"], expected.op_finite_diff(name, xs, kw, grad_out),
                           f"{label} vs finite differences", hint=hint, rtol=expected.FD_RTOL,
                           atol=expected.FD_ATOL)


@pytest.mark.points(2)
def test_unbroadcast_examples(student):
    """unbroadcast sums added leading axes and stretched size-1 axes back to the shape."""
    grad = np.arange(24, dtype=np.float64).reshape(4, 2, 3)
    for shape in [(4, 2, 3), (2, 3), (3,), (2, 1), (1, 3), (4, 1, 1), (1, 1, 1), ()]:
        want, sent = expected.unbroadcast(grad, shape), grad
        got = student.call(probes.run_unbroadcast, sent, list(shape))
        check_close(got, want, f"unbroadcast(grad of shape {sent.shape}, {shape})",
                    rtol=RTOL,
                    hint="sum over leading axes, then over axes where the shape has size 1")


@pytest.mark.points(2)
def test_elementwise_fixed(student):
    """sub, div, neg, pow, exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs, max/minimum."""
    seed = expected.seed_like(X.shape)
    cases = [("sub", [X, Y], {}), ("div", [X, Y], {}), ("neg", [X], {}),
             ("pow_scalar", [POSITIVE], {"exponent": 1.5}), ("pow_scalar", [X], {"exponent": 3}),
             ("pow", [POSITIVE, Y], {}), ("exp", [X], {}), ("log", [POSITIVE], {}),
             ("sin", [X], {}), ("cos", [X], {}), ("tanh", [X], {}), ("sigmoid", [X], {}),
             ("relu", [X], {}), ("sqrt", [POSITIVE], {}), ("abs", [X], {}),
             ("maximum", [X, Y], {}), ("minimum", [X, Y], {})]
    for name, xs, kw in cases:
        got = student.call(probes.run_op, name, xs, kw, seed)
        check_op(got, name, xs, kw, seed)
    got = student.call(probes.run_op, "tanh", [X.astype(np.float32)], {},
                       seed.astype(np.float32))
    check_equal([got["dtype"], got["grad_dtypes"][0]], ["float32", "float32"],
                "dtype of tanh(float32 tensor) and of its gradient",
                hint="keep the input's dtype; numbers next to float32 tensors stay float32")
    got = student.call(probes.run_op, "mul", [X.astype(np.float32), 2.0], {},
                       seed.astype(np.float32), [True, None])
    check_equal(got["dtype"], "float32", "dtype of float32 tensor * 2.0")


@pytest.mark.points(1)
def test_matmul_fixed(student):
    """matmul of matrices, of a vector and a matrix, and of two vectors."""
    a, b = X, Y.T.copy()
    cases = [[a, b], [a[0], b], [a, b[:, 0]], [a[0], a[1]]]
    for xs in cases:
        out = np.matmul(*xs)
        got = student.call(probes.run_op, "matmul", xs, {}, expected.seed_like(out.shape))
        check_op(got, "matmul", xs, {}, expected.seed_like(out.shape),
                 hint="grad_a = grad_out @ b^T, grad_b = a^T @ grad_out; "
                      "a 1-d operand is a row (left) or a column (right)")


@pytest.mark.points(1)
def test_reductions_fixed(student):
    """sum, mean and max over axes, with and without keepdims; max splits ties equally."""
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    cases = [("sum", X, {"axis": None}), ("sum", X, {"axis": 1, "keepdims": True}),
             ("mean", X, {"axis": 0}), ("mean", X, {"axis": [0, 1], "keepdims": True}),
             ("max", X, {"axis": 1}), ("max", ties, {"axis": 1}),
             ("max", ties, {"axis": None, "keepdims": True})]
    for name, x, kw in cases:
        out = expected.forward(name, [x], kw)
        seed = expected.seed_like(out.shape)
        got = student.call(probes.run_op, name, [x], kw, seed)
        check_op(got, name, [x], kw, seed,
                 hint=REDUCTION_HINTS[name])
