"""Part gradcheck: central finite differences of a function of tensors."""

import numpy as np
import pytest

from autograder.judge.api import check_close
from autograder.probes import level1 as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("gradcheck")
expected = public_oracle("level1")


@pytest.mark.points(1)
def test_numerical_grad_fixed(student):
    """numerical_grad of sum(sin(x) * y) matches central differences and the true gradient."""
    x, y = np.array([0.3, -1.2, 2.0]), np.array([[1.5], [-0.5], [0.25]]).reshape(3)
    got = student.call(probes.numerical_grad, "sin_mul", [x, y], 1e-6)
    # Central differences of sum(sin(x) * y): for x those of sin weighted by y, for y those of
    # the product sin(x) * y.
    want = [expected.op_finite_diff("sin", [x], {}, y)[0],
            expected.op_finite_diff("mul", [np.sin(x), y], {}, np.ones(3))[1]]
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        check_close(g, w, f"numerical gradient of input {k}", rtol=1e-6, atol=1e-9,
                    hint="(f(x + eps e_j) - f(x - eps e_j)) / (2 eps) for each element j")
    exact = [np.cos(x) * y, np.sin(x)]
    for k, (g, w) in enumerate(zip(got, exact, strict=True)):
        check_close(g, w, f"numerical gradient of input {k} vs the exact one",
                    rtol=expected.FD_RTOL, atol=expected.FD_ATOL)
