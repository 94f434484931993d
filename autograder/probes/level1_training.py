"""Level 1 probes of part `training`: run inside the worker, next to the student's
`teenygrad.training`; plain data out, no verdicts."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.level1 import run_optimizer


def _grad(t: Any) -> np.ndarray | None:
    return None if t.grad is None else np.array(t.grad)


def activation(name: str, x: np.ndarray, grad_out: np.ndarray) -> dict[str, Any]:
    """gelu or silu of a fresh leaf, backward with grad_out: value and gradient."""
    from teenygrad import training
    from teenygrad.tensor import Tensor

    xt = Tensor(x, requires_grad=True)
    out = getattr(training, name)(xt)
    out.backward(grad_out)
    return {"value": np.array(out.data), "grad": _grad(xt)}


def robust_loss(name: str, prediction: np.ndarray, target: np.ndarray, delta: float | None
                ) -> dict[str, Any]:
    """mae or huber on fresh leaves (both requiring grad), then backward()."""
    from teenygrad import training
    from teenygrad.tensor import Tensor

    p, t = Tensor(prediction, requires_grad=True), Tensor(target, requires_grad=True)
    out = training.mae(p, t) if name == "mae" else training.huber(p, t, delta)
    out.backward()
    return {"value": np.array(out.data), "shape": list(np.shape(out.data)), "grad": _grad(p),
            "target_grad": _grad(t)}


def init(name: str, fan_in: int, fan_out: int, seed: int) -> np.ndarray:
    """xavier_uniform or kaiming_normal with an int seed."""
    from teenygrad import training

    return np.array(getattr(training, name)(fan_in, fan_out, seed), dtype=np.float64)


def clip(grads: list[np.ndarray | None], max_norm: float) -> dict[str, Any]:
    """clip_grad_norm on parameters holding `grads` (None: no gradient): the returned norm,
    the gradients after, and whether each grad is still the same array (clipped in place)."""
    from teenygrad import training
    from teenygrad.tensor import Tensor

    params = []
    for g in grads:
        p = Tensor(np.zeros(np.shape(g) if g is not None else 3), requires_grad=True)
        p.grad = None if g is None else np.array(g)
        params.append(p)
    arrays = [p.grad for p in params]
    total = training.clip_grad_norm(params, max_norm)
    return {"total": float(total), "grads": [_grad(p) for p in params],
            "in_place": [p.grad is a for p, a in zip(params, arrays, strict=True)]}


def schedule(name: str, kw: dict[str, Any], steps: int) -> list[float]:
    """The learning rate of schedule `name` at steps 0 .. steps-1."""
    from teenygrad import training

    function = getattr(training, name)
    return [float(function(step, **kw)) for step in range(steps)]


def dropout(p: float, seed: int, x: np.ndarray, grad_out: np.ndarray) -> dict[str, Any]:
    """Two training calls (outputs, gradient of the first), then eval: output, whether it is
    x itself, and whether eval drew random numbers; then train() again."""
    from teenygrad import training
    from teenygrad.tensor import Tensor

    layer = training.Dropout(p, rng=seed)
    start = layer.training
    xt = Tensor(x, requires_grad=True)
    first = layer(xt)
    first.backward(grad_out)
    second = layer(Tensor(x))
    state = layer.rng.bit_generator.state
    back = layer.eval()
    evaluated = layer(xt)
    drew = layer.rng.bit_generator.state != state
    again = layer.train()(Tensor(x))
    return {"start_training": bool(start), "first": np.array(first.data), "grad": _grad(xt),
            "second": np.array(second.data), "eval": np.array(evaluated.data),
            "eval_is_x": evaluated is xt, "eval_drew": bool(drew),
            "eval_returns_self": back is layer, "training_after": bool(layer.training),
            "again": np.array(again.data)}


def amsgrad(kw: dict[str, Any], params: list[np.ndarray], scales: list[np.ndarray],
            targets: list[np.ndarray], noise: list[list[np.ndarray | None]], steps: int
            ) -> list[np.ndarray]:
    """`steps` AMSGrad updates with gradients set by hand (scale * (p - target) + noise[t],
    None: no gradient that step); per parameter the (steps + 1, ...) history."""
    return run_optimizer("AMSGrad", kw, params, scales, targets, noise, steps,
                         module="training")


def misuse(kind: str) -> None:
    """Invalid arguments (the judge expects ValueError): mae/huber shapes (also shapes that
    broadcast: `*_broadcast` (3,) and (2, 3), `*_row` (1, 3) and (2, 3)), huber delta, Dropout
    p, AMSGrad betas (each in [0, 1)) and eps (>= 0)."""
    from teenygrad import training
    from teenygrad.tensor import Tensor

    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(4))
    # shapes that numpy would broadcast together: only the loss's own check can refuse them
    broadcast = {"broadcast": (Tensor(np.ones(3), requires_grad=True), Tensor(np.ones((2, 3)))),
                 "row": (Tensor(np.ones((1, 3)), requires_grad=True), Tensor(np.ones((2, 3))))}
    if kind == "mae_shapes":
        training.mae(a, b)
    elif kind == "huber_shapes":
        training.huber(a, b)
    elif kind.startswith(("mae_", "huber_")) and kind.split("_", 1)[1] in broadcast:
        loss, pair = kind.split("_", 1)
        getattr(training, loss)(*broadcast[pair])
    elif kind == "dropout_negative_p":
        training.Dropout(-0.5)
    elif kind == "amsgrad_beta2_above_1":
        training.AMSGrad([a], betas=(0.9, 1.5))
    elif kind == "huber_delta":
        training.huber(a, Tensor(np.ones(3)), 0.0)
    elif kind == "huber_negative_delta":
        training.huber(a, Tensor(np.ones(3)), -1.0)
    elif kind == "dropout_p":
        training.Dropout(1.5)
    elif kind == "amsgrad_beta1":
        training.AMSGrad([a], betas=(1.0, 0.9))
    elif kind == "amsgrad_beta1_above_1":
        training.AMSGrad([a], betas=(1.5, 0.9))
    elif kind == "amsgrad_negative_betas":
        training.AMSGrad([a], betas=(-0.5, 0.9))
    elif kind == "amsgrad_negative_beta2":
        training.AMSGrad([a], betas=(0.9, -0.5))
    elif kind == "amsgrad_eps":
        training.AMSGrad([a], eps=-0.5)
    else:
        training.AMSGrad([a], betas=(0.9, 1.0))
