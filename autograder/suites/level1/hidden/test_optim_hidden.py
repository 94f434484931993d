"""Part optim (hidden): every option combination of SGD, Adam, AdamW and Muon, 20 steps
each against the judge's own update rules (1e-10), plus graph hygiene and bad arguments."""

import itertools

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal, expect_raises
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("optim")

SHAPES = [[4], [3, 2], [1, 5]]


@pytest.mark.points(4)
def test_sgd_all_options(student):
    """SGD: every combination of momentum, dampening, nesterov and weight decay."""
    for k, (momentum, dampening, nesterov, wd) in enumerate(
            itertools.product([0.0, 0.9], [0.0, 0.3], [False, True], [0.0, 0.05])):
        if nesterov and (momentum == 0 or dampening != 0):
            continue
        kw = {"lr": 0.05, "momentum": momentum, "dampening": dampening, "nesterov": nesterov,
              "weight_decay": wd}
        problem = ref.optimizer_problem(100 + k, SHAPES, 20, skip=0.15)
        ref.check_trajectory(student, probes.run_optimizer, "SGD", kw, problem,
                             hint="torch.optim.SGD: weight decay first, then momentum; "
                                  "skip parameters whose grad is None")


@pytest.mark.points(3)
def test_adam_all_options(student):
    """Adam: combinations of betas, eps, weight decay (L2 in the gradient) and lr; betas of 0
    and eps = 0."""
    for k, (betas, eps, wd, lr) in enumerate(
            itertools.product([[0.9, 0.999], [0.5, 0.8]], [1e-8, 1e-2], [0.0, 0.1],
                              [0.01, 0.3])):
        kw = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": wd}
        problem = ref.optimizer_problem(200 + k, SHAPES, 20, skip=0.15)
        ref.check_trajectory(student, probes.run_optimizer, "Adam", kw, problem,
                             hint="m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t); "
                                  "Adam adds wd * p to the gradient")
    # the edges of the valid ranges: betas of 0 and eps = 0 are allowed
    kw = {"lr": 0.05, "betas": [0.0, 0.0], "eps": 0.0}
    ref.check_trajectory(student, probes.run_optimizer, "Adam", kw,
                         ref.optimizer_problem(250, SHAPES, 20, skip=0.15),
                         hint="betas in [0, 1) and eps >= 0 are valid: 0 is allowed")


@pytest.mark.points(2)
def test_adamw_all_options(student):
    """AdamW: decoupled weight decay for several decays, betas and learning rates."""
    for k, (wd, betas, lr) in enumerate(
            itertools.product([0.01, 0.2, 1.0], [[0.9, 0.999], [0.6, 0.7]], [0.02, 0.2])):
        kw = {"lr": lr, "betas": betas, "weight_decay": wd}
        problem = ref.optimizer_problem(300 + k, SHAPES, 20, skip=0.15)
        ref.check_trajectory(student, probes.run_optimizer, "AdamW", kw, problem,
                             hint="AdamW: p <- p * (1 - lr * wd) first, and no wd * p in g")


@pytest.mark.points(3)
def test_muon(student):
    """Muon: Newton-Schulz on tall, wide and square matrices; momentum (0 too), nesterov,
    decay; ns_steps other than the default 5."""
    rng = np.random.default_rng(7)
    for shape in [(5, 3), (3, 5), (4, 4)]:
        g = rng.normal(size=shape)
        got = student.call(probes.newton_schulz, g)
        check_close(got, ref.orthogonalise(g, 5), f"newton_schulz of a {shape} matrix",
                    rtol=1e-10, atol=1e-12,
                    hint="normalise by the Frobenius norm; iterate on the wide orientation")
    shapes = [[5, 3], [3, 5], [4, 4]]
    for k, (momentum, nesterov, wd) in enumerate(
            itertools.product([0.95, 0.5, 0.0], [True, False], [0.1, 0.0])):
        kw = {"lr": 0.02, "momentum": momentum, "nesterov": nesterov, "weight_decay": wd}
        problem = ref.optimizer_problem(400 + k, shapes, 20, skip=0.15)
        ref.check_trajectory(student, probes.run_optimizer, "Muon", kw, problem,
                             hint="buf starts at 0; scale the update by sqrt(max(1, rows/cols))")
    for k, ns_steps in enumerate([1, 2]):
        kw = {"lr": 0.02, "ns_steps": ns_steps}
        problem = ref.optimizer_problem(420 + k, shapes, 20, skip=0.15)
        ref.check_trajectory(student, probes.run_optimizer, "Muon", kw, problem,
                             hint="ns_steps is the number of Newton-Schulz steps: pass it on, "
                                  "newton_schulz(u, self.ns_steps)")


@pytest.mark.points(1)
def test_every_optimizer_keeps_leaves(student):
    """After real backward() and step(), parameters of every optimizer stay leaves."""
    p0 = np.array([[0.5, -1.0, 0.3], [2.0, 0.1, -0.4]])
    for name, kw in [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
                     ("Adam", {"lr": 0.1, "weight_decay": 0.1}), ("AdamW", {"lr": 0.1}),
                     ("Muon", {"lr": 0.1})]:
        got = student.call(probes.optimizer_graph, name, kw, p0, 3)
        check_equal([got["is_leaf"], got["parents"], got["requires_grad"], got["moved"]],
                    [True, 0, True, True],
                    f"{name}: [is_leaf, len(parents), requires_grad, moved] after 3 steps")
        check_equal(got["grad_after_zero"], True, f"{name}: grad is None after zero_grad")


@pytest.mark.points(1)
def test_invalid_arguments(student):
    """Bad hyperparameters raise ValueError when the optimizer is made."""
    cases = [("SGD", {"lr": -0.1}), ("SGD", {"lr": 0.1, "nesterov": True}),
             ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "nesterov": True}),
             ("SGD", {"lr": 0.1, "weight_decay": -0.5}), ("SGD", {"lr": 0.1, "momentum": -0.5}),
             ("SGD", {"lr": 0.1, "dampening": -0.5}),
             ("Adam", {"betas": [1.0, 0.999]}), ("AdamW", {"weight_decay": -1.0}),
             ("Muon", {"momentum": 1.5})]
    # every bound of every range, from both sides
    cases += [("Adam", {"betas": betas}) for betas in
              ([-0.1, 0.999], [0.9, -0.1], [0.9, 1.0], [1.5, 0.999], [0.9, 1.5])]
    cases += [("Adam", {"eps": -1e-3}), ("Adam", {"weight_decay": -0.5}),
              ("AdamW", {"weight_decay": -0.5}), ("AdamW", {"betas": [0.9, -0.1]}),
              ("Muon", {"momentum": -0.5}), ("Muon", {"momentum": 1.0}),
              ("Muon", {"weight_decay": -0.5})]
    for name, kw in cases:
        expect_raises(student, probes.make_optimizer, name, kw, [[2, 2]], error="ValueError",
                      what=f"{name}({kw})")
    for shape in ([3], [2, 2, 2]):
        expect_raises(student, probes.make_optimizer, "Muon", {}, [[2, 2], shape],
                      error="ValueError", what=f"Muon on a {len(shape)}-d parameter")
