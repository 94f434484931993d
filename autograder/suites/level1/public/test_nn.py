"""Part nn: Linear forward and backward, and Sequential's parameters."""

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("nn")


def linear_reference(x, weight, bias, grad_out):
    """Value and gradients (x, weight, bias) of x @ weight.T + bias."""
    batch = grad_out.reshape(-1, grad_out.shape[-1])
    return (x @ weight.T + bias, grad_out @ weight,
            batch.T @ x.reshape(-1, x.shape[-1]), batch.sum(axis=0))


@pytest.mark.points(2)
def test_linear_forward_backward(student):
    """Linear(4, 3): weight (3, 4), bias (3,), y = x @ W.T + b, and the three gradients."""
    rng = np.random.default_rng(11)
    weight, bias = rng.normal(size=(3, 4)), rng.normal(size=3)
    x, grad_out = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    got = student.call(probes.linear, 4, 3, weight, bias, x, grad_out)
    check_equal(got["shapes"], [[3, 4], [3]], "[weight.shape, bias.shape] of Linear(4, 3)",
                hint="weight is (out_features, in_features) as in PyTorch")
    value, gx, gw, gb = linear_reference(x, weight, bias, grad_out)
    check_close(got["value"], value, "Linear output", rtol=ref.RTOL, atol=ref.ATOL)
    ref.check_grads(got["grads"], [gx, gw, gb], "Linear", hint="the bias gradient sums over "
                    "the batch: the bias was broadcast")
    check_equal(got["parameters"], [[3, 4], [3]], "shapes of Linear(4, 3).parameters()")


@pytest.mark.points(1)
def test_sequential_parameters(student):
    """Sequential(Linear, ReLU, Linear).parameters() lists W1, b1, W2, b2 in order."""
    got = student.call(probes.parameters, "sequential")
    check_equal(got["order"], [0, 1, 2, 3], "parameters() of Sequential(Linear(3, 4), ReLU(), "
                "Linear(4, 2)) as indices into [W1, b1, W2, b2]")
