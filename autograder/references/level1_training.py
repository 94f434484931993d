"""The judge's oracles for part `training`: numpy versions of the cheat sheet's activations,
losses, initialisations, clipping, schedules, dropout masks and AMSGrad, each written from
PyTorch's definition. Runs in the judge only; never imports student code."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

RTOL, ATOL = 1e-9, 1e-12
FD_STEP = 1e-6
GELU_C, GELU_A = math.sqrt(2.0 / math.pi), 0.044715


def gelu(z: np.ndarray) -> np.ndarray:
    """0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z³)))."""
    return 0.5 * z * (1 + np.tanh(GELU_C * (z + GELU_A * z ** 3)))


def silu(z: np.ndarray) -> np.ndarray:
    """z sigmoid(z), computed without overflow."""
    return z * 0.5 * (1 + np.tanh(0.5 * z))


def activation(name: str, x: np.ndarray, grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """Value and gradient, from the closed-form derivatives."""
    if name == "gelu":
        t = np.tanh(GELU_C * (x + GELU_A * x ** 3))
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x * x)
        return {"value": gelu(x), "grad": grad_out * slope}
    s = 0.5 * (1 + np.tanh(0.5 * x))
    return {"value": silu(x), "grad": grad_out * (s + x * s * (1 - s))}


def finite_diff_activation(name: str, x: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """grad_out times central differences of the activation (step 1e-6)."""
    f = gelu if name == "gelu" else silu
    return grad_out * (f(x + FD_STEP) - f(x - FD_STEP)) / (2 * FD_STEP)


def robust_loss(name: str, prediction: np.ndarray, target: np.ndarray, delta: float | None
                ) -> dict[str, Any]:
    """mae or huber: the 0-d value and the gradients for prediction and target."""
    r = prediction - target
    n = max(r.size, 1)
    if name == "mae":
        value, g = np.mean(np.abs(r)), np.sign(r) / n
    else:
        a = np.abs(r)
        value = np.mean(np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)))
        g = np.clip(r, -delta, delta) / n
    return {"value": np.asarray(value), "grad": g, "target_grad": -g}


def init(name: str, fan_in: int, fan_out: int, seed: int) -> np.ndarray:
    """The exact draws of xavier_uniform / kaiming_normal."""
    rng = np.random.default_rng(seed)
    if name == "xavier_uniform":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-a, a, (fan_out, fan_in))
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), (fan_out, fan_in))


def clip(grads: list[np.ndarray | None], max_norm: float) -> dict[str, Any]:
    """The norm before clipping and the gradients after (None stays None)."""
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads if g is not None))
    scale = max_norm / (total + 1e-6) if total > max_norm else 1.0
    return {"total": total, "grads": [None if g is None else g * scale for g in grads]}


def schedule(name: str, kw: dict[str, Any], steps: int) -> list[float]:
    """The learning rates at steps 0 .. steps-1, as torch's StepLR, CosineAnnealingLR and a
    linear warm-up followed by the cosine give them."""

    def cosine(step: int, lr: float, total: int, min_lr: float) -> float:
        if step >= total:
            return min_lr
        return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * step / total)) / 2

    out = []
    for step in range(steps):
        if name == "step_lr":
            out.append(kw["lr"] * kw.get("gamma", 0.1) ** (step // kw["step_size"]))
        elif name == "cosine_lr":
            out.append(cosine(step, kw["lr"], kw["total_steps"], kw.get("min_lr", 0.0)))
        elif step < kw["warmup_steps"]:
            out.append(kw["lr"] * (step + 1) / kw["warmup_steps"])
        else:
            out.append(cosine(step - kw["warmup_steps"], kw["lr"],
                              kw["total_steps"] - kw["warmup_steps"], kw.get("min_lr", 0.0)))
    return out


def dropout_masks(p: float, seed: int, shape: tuple[int, ...], calls: int) -> list[np.ndarray]:
    """The scale (0 or 1/(1-p)) each training call multiplies by, in order."""
    rng = np.random.default_rng(seed)
    masks = []
    for _ in range(calls):
        keep = rng.random(shape) >= p
        masks.append(np.where(keep, 0.0 if p == 1.0 else 1.0 / (1.0 - p), 0.0))
    return masks


def amsgrad(kw: dict[str, Any], params: list[np.ndarray], scales: list[np.ndarray],
            targets: list[np.ndarray], noise: list[list[np.ndarray | None]], steps: int
            ) -> list[np.ndarray]:
    """torch.optim.Adam(amsgrad=True) on the same hand-set gradients as probes.amsgrad."""
    lr, (beta1, beta2), eps = kw.get("lr", 1e-3), kw.get("betas", (0.9, 0.999)), \
        kw.get("eps", 1e-8)
    ps = [np.array(p, dtype=np.float64) for p in params]
    m = [np.zeros_like(p) for p in ps]
    v = [np.zeros_like(p) for p in ps]
    v_max = [np.zeros_like(p) for p in ps]
    t = [0] * len(ps)
    history = [[p.copy()] for p in ps]
    for step in range(steps):
        for i, p in enumerate(ps):
            if noise[step][i] is not None:
                g = scales[i] * (p - targets[i]) + noise[step][i]
                t[i] += 1
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                v_max[i] = np.maximum(v_max[i], v[i])
                denom = np.sqrt(v_max[i] / (1 - beta2 ** t[i])) + eps
                p -= lr * (m[i] / (1 - beta1 ** t[i])) / denom
            history[i].append(p.copy())
    return [np.stack(h) for h in history]
