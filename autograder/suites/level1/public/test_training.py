"""Part training: the cheat sheet's activations and robust losses, on fixed inputs."""

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal
from autograder.probes import level1_training as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("training")
expected = public_oracle("level1_training")

Z = np.array([[-3.0, -1.2, -0.3, 0.0], [0.25, 0.8, 1.7, 4.0]])
G = np.array([[1.0, -0.5, 2.0, 1.5], [-1.0, 0.75, 0.5, -2.0]])


@pytest.mark.points(1)
def test_activations_fixed(student):
    """gelu (tanh approximation) and silu: values, gradients, finite at ±1000."""
    for name in ("gelu", "silu"):
        got = student.call(probes.activation, name, Z, G)
        want = expected.activation(name, Z, G)
        check_close(got["value"], want["value"], f"{name}(z)", rtol=expected.RTOL,
                    atol=expected.ATOL)
        check_close(got["grad"], want["grad"], f"gradient of {name}", rtol=expected.RTOL,
                    atol=expected.ATOL, hint="grad_out times the derivative in the docstring")
        big = np.array([-1000.0, 1000.0])
        got = student.call(probes.activation, name, big, np.ones(2))
        check_close(got["value"], expected.activation(name, big, np.ones(2))["value"],
                    f"{name} at ±1000", hint="no overflow: compute sigmoid with tanh")
        check_close(got["grad"], expected.activation(name, big, np.ones(2))["grad"],
                    f"gradient of {name} at ±1000")


@pytest.mark.points(1)
def test_robust_losses_fixed(student):
    """mae and huber (residuals on both sides of delta): 0-d values and both gradients."""
    prediction = np.array([[0.5, -2.0, 3.0], [1.0, 0.2, -0.4]])
    target = np.array([[0.0, 1.0, 2.9], [1.0, -1.5, 0.6]])
    for name, delta in (("mae", None), ("huber", 1.0), ("huber", 0.5), ("huber", 2.5)):
        got = student.call(probes.robust_loss, name, prediction, target, delta)
        want = expected.robust_loss(name, prediction, target, delta)
        what = name if delta is None else f"huber(delta={delta})"
        check_equal(got["shape"], [], f"shape of {what}", hint="a 0-d tensor (the mean)")
        check_close(got["value"], want["value"], what, rtol=expected.RTOL,
                    hint="quadratic 0.5 r² where |r| <= delta, delta (|r| - delta/2) beyond")
        check_close(got["grad"], want["grad"], f"{what}: gradient of the prediction",
                    rtol=expected.RTOL, atol=expected.ATOL)
        check_close(got["target_grad"], want["target_grad"], f"{what}: gradient of the target",
                    rtol=expected.RTOL, atol=expected.ATOL)
