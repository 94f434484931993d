"""Part optim: SGD, Adam and AdamW trajectories with default options; leaves stay leaves."""

import numpy as np
import pytest

from autograder.judge.api import check_equal
from autograder.probes import level1 as probes
from autograder.suites.checks import check_history
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("optim")

expected = public_oracle("level1")
SHAPES = [[3], [2, 3]]


def check_trajectory(student, name, kw, problem, hint):
    """Run optimizer `name` in the worker on `problem`; every parameter after every step must
    match the judge's update rule."""
    args = [problem[key] for key in ("params", "scales", "targets", "noise", "steps")]
    got = student.call(probes.run_optimizer, name, kw, *args)
    check_history(got, expected.optimizer_trajectory(name, kw, *args), f"{name}({kw})", hint)


@pytest.mark.points(1)
def test_sgd_plain_and_momentum(student):
    """SGD with a plain step and with momentum 0.9: 20 steps match PyTorch's rule."""
    problem = expected.optimizer_problem(1, SHAPES, 20)
    check_trajectory(student, "SGD", {"lr": 0.1}, problem, hint="p <- p - lr * g")
    check_trajectory(student, "SGD", {"lr": 0.1, "momentum": 0.9}, problem,
                     hint="the first step sets buf = g (no dampening), later "
                          "buf = momentum * buf + (1 - dampening) * g")


@pytest.mark.points(1)
def test_adam_defaults(student):
    """Adam with default betas and eps: 20 steps match PyTorch's rule."""
    problem = expected.optimizer_problem(2, SHAPES, 20)
    check_trajectory(student, "Adam", {"lr": 0.05}, problem,
                     hint="bias-correct both moments with 1 - beta**t, t counting from 1")


@pytest.mark.points(1)
def test_adamw_defaults(student):
    """AdamW with its default weight decay 0.01: 20 steps match PyTorch's rule."""
    problem = expected.optimizer_problem(3, SHAPES, 20)
    check_trajectory(student, "AdamW", {"lr": 0.05}, problem,
                     hint="AdamW decays the weights (p *= 1 - lr * wd) instead of adding "
                          "wd * p to the gradient")


@pytest.mark.points(1)
def test_step_keeps_leaves(student):
    """step() updates p.data in place: parameters stay leaves; zero_grad sets grads to None."""
    got = student.call(probes.optimizer_graph, "SGD", {"lr": 0.1, "momentum": 0.9},
                       np.array([[0.5, -1.0], [2.0, 0.1]]), 3)
    check_equal([got["is_leaf"], got["parents"], got["requires_grad"]], [True, 0, True],
                "[is_leaf, len(parents), requires_grad] of a parameter after 3 steps",
                hint="update p.data with numpy; do not build tensors from the parameter")
    check_equal([got["ndarray"], got["same_shape"], got["moved"]], [True, True, True],
                "[data is an ndarray, same shape, values changed] after 3 steps")
    check_equal([got["grad_kept"], got["grad_after_zero"]], [True, True],
                "[grad still set after step, grad is None after zero_grad]")
