"""Part optim: SGD, Adam and AdamW trajectories with default options; leaves stay leaves."""

import numpy as np
import pytest

from autograder.judge.api import check_equal
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("optim")

SHAPES = [[3], [2, 3]]


@pytest.mark.points(1)
def test_sgd_plain_and_momentum(student):
    """SGD with a plain step and with momentum 0.9: 20 steps match PyTorch's rule."""
    problem = ref.optimizer_problem(1, SHAPES, 20)
    ref.check_trajectory(student, probes.run_optimizer, "SGD", {"lr": 0.1}, problem,
                         hint="p <- p - lr * g")
    ref.check_trajectory(student, probes.run_optimizer, "SGD", {"lr": 0.1, "momentum": 0.9},
                         problem, hint="the first step sets buf = g (no dampening), later "
                                       "buf = momentum * buf + (1 - dampening) * g")


@pytest.mark.points(1)
def test_adam_defaults(student):
    """Adam with default betas and eps: 20 steps match PyTorch's rule."""
    problem = ref.optimizer_problem(2, SHAPES, 20)
    ref.check_trajectory(student, probes.run_optimizer, "Adam", {"lr": 0.05}, problem,
                         hint="bias-correct both moments with 1 - beta**t, t counting from 1")


@pytest.mark.points(1)
def test_adamw_defaults(student):
    """AdamW with its default weight decay 0.01: 20 steps match PyTorch's rule."""
    problem = ref.optimizer_problem(3, SHAPES, 20)
    ref.check_trajectory(student, probes.run_optimizer, "AdamW", {"lr": 0.05}, problem,
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
