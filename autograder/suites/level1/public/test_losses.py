"""Part losses: mse, binary cross-entropy with logits and cross-entropy on fixed inputs."""

import numpy as np
import pytest

from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("losses")


@pytest.mark.points(3)
def test_losses_fixed(student):
    """mse, binary_cross_entropy_with_logits and cross_entropy: values and gradients."""
    p = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.5]])
    t = np.array([[1.0, -1.5, 0.0], [0.25, 2.0, 0.5]])
    value, gp, gt = ref.mse(p, t)
    ref.check_loss(student.call(probes.run_loss, "mse", p, t, True), value, gp, "mse",
               target_grad=gt)
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.5, 1.0]])
    value, gz, gy = ref.bce_with_logits(p, y)
    ref.check_loss(student.call(probes.run_loss, "binary_cross_entropy_with_logits", p, y, True),
               value, gz, "binary_cross_entropy_with_logits", target_grad=gy,
               hint="mean of softplus(z) - y*z; d/dz = (sigmoid(z) - y) / N")
    labels = np.array([2, 0], dtype=np.int64)
    value, gz = ref.cross_entropy(p, labels)
    ref.check_loss(student.call(probes.run_loss, "cross_entropy", p, labels, False), value, gz,
               "cross_entropy", hint="mean over rows of logsumexp(z_i) - z_i[y_i]")
