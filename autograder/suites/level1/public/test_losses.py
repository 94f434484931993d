"""Part losses: mse, binary cross-entropy with logits and cross-entropy on fixed inputs."""

from functools import partial

import numpy as np
import pytest

from autograder.probes import level1 as probes
from autograder.suites import checks
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("losses")
expected = public_oracle("level1")
check_loss = partial(checks.check_loss, rtol=expected.RTOL, atol=expected.ATOL)


@pytest.mark.points(3)
def test_losses_fixed(student):
    """mse, binary_cross_entropy_with_logits and cross_entropy: values and gradients."""
    p = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.5]])
    t = np.array([[1.0, -1.5, 0.0], [0.25, 2.0, 0.5]])
    check_loss(student.call(probes.run_loss, "mse", p, t, True), expected.mse(p, t), "mse")
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.5, 1.0]])
    check_loss(student.call(probes.run_loss, "binary_cross_entropy_with_logits", p, y, True),
               expected.bce_with_logits(p, y), "binary_cross_entropy_with_logits",
               hint="mean of softplus(z) - y*z; d/dz = (sigmoid(z) - y) / N")
    labels = np.array([2, 0], dtype=np.int64)
    check_loss(student.call(probes.run_loss, "cross_entropy", p, labels, False),
               expected.cross_entropy(p, labels), "cross_entropy",
               hint="mean over rows of logsumexp(z_i) - z_i[y_i]")
