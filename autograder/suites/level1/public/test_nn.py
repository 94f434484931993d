"""Part nn: Linear forward and backward, and Sequential's parameters."""

from functools import partial

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal
from autograder.probes import level1 as probes
from autograder.suites import checks
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("nn")
expected = public_oracle("level1")
check_grads = partial(checks.check_grads, rtol=expected.RTOL, atol=expected.ATOL)
#: Linear as a program over the nodes [x, weight, bias]: x @ weight.T + bias.
LINEAR = [["transpose", [1], {}], ["matmul", [0, 3], {}], ["add", [4, 2], {}]]


@pytest.mark.points(2)
def test_linear_forward_backward(student):
    """Linear(4, 3): weight (3, 4), bias (3,), y = x @ W.T + b, and the three gradients."""
    rng = np.random.default_rng(11)
    weight, bias = rng.normal(size=(3, 4)), rng.normal(size=3)
    x, grad_out = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    got = student.call(probes.linear, 4, 3, weight, bias, x, grad_out)
    check_equal(got["shapes"], [[3, 4], [3]], "[weight.shape, bias.shape] of Linear(4, 3)",
                hint="weight is (out_features, in_features) as in PyTorch")
    value, grads = expected.run_program([x, weight, bias], LINEAR, grad_out)
    check_close(got["value"], value, "Linear output", rtol=expected.RTOL, atol=expected.ATOL)
    check_grads(got["grads"], grads, "Linear",
                hint="the bias gradient sums over the batch: the bias was broadcast")
    check_equal(got["parameters"], [[3, 4], [3]], "shapes of Linear(4, 3).parameters()")


@pytest.mark.points(1)
def test_sequential_parameters(student):
    """Sequential(Linear, ReLU, Linear).parameters() lists W1, b1, W2, b2 in order."""
    got = student.call(probes.parameters, "sequential")
    check_equal(got["order"], [0, 1, 2, 3], "parameters() of Sequential(Linear(3, 4), ReLU(), "
                "Linear(4, 2)) as indices into [W1, b1, W2, b2]")
