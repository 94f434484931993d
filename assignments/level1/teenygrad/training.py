"""The cheat sheet's training kit: smooth activations, robust losses, initialisations,
gradient clipping, learning-rate schedules, dropout and AMSGrad. Graded in part `training`.

Each piece follows PyTorch's definition (written out in its docstring) so that what you learn
here transfers. The ops are written like those of `ops.py`: compute with numpy on `.data`,
define the VJP next to it, return `Tensor.from_op(...)`; they only take tensors of one shape
(no broadcasting), so no `unbroadcast` is needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from teenygrad.nn import Module
from teenygrad.optim import Optimizer
from teenygrad.tensor import Tensor

Seed = np.random.Generator | int | None
#: GELU's tanh approximation: 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).
GELU_C = math.sqrt(2.0 / math.pi)
GELU_A = 0.044715


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# ----- activations -----------------------------------------------------------------------------


def gelu(x: Tensor) -> Tensor:
    """GELU with the tanh approximation (torch.nn.GELU(approximate="tanh")), elementwise:

        gelu(z) = 0.5 z (1 + tanh(u)),   u = sqrt(2/pi) (z + 0.044715 z^3)

    VJP: grad_out * gelu'(z), with gelu'(z) = 0.5 (1 + tanh u) + 0.5 z (1 - tanh² u) u'(z)
    and u'(z) = sqrt(2/pi) (1 + 3 * 0.044715 z²).
    """
    raise NotImplementedError("gelu: not implemented yet — see the docstring")


def silu(x: Tensor) -> Tensor:
    """SiLU, also called Swish: silu(z) = z · sigmoid(z), elementwise (torch.nn.SiLU).

    VJP: grad_out * (s + z s (1 - s)) with s = sigmoid(z). Compute sigmoid stably (no
    overflow warning for z = ±1000).
    """
    raise NotImplementedError("silu: not implemented yet — see the docstring")


# ----- losses ----------------------------------------------------------------------------------


def mae(prediction: Tensor, target: Any) -> Tensor:
    """Mean absolute error mean(|prediction - target|), a 0-d tensor (torch's L1Loss).

    Shapes must be equal (ValueError otherwise). VJP for the prediction:
    grad_out * sign(prediction - target) / N, with sign(0) = 0; the target gets minus that
    when it requires grad.
    """
    raise NotImplementedError("mae: not implemented yet — see the docstring")


def huber(prediction: Tensor, target: Any, delta: float = 1.0) -> Tensor:
    """Huber loss (torch.nn.HuberLoss), the mean over elements of

        0.5 r²                    where |r| <= delta       (r = prediction - target)
        delta (|r| - 0.5 delta)   where |r| >  delta

    quadratic near 0 (like MSE), linear in the tails (like MAE, so outliers pull less). The
    two pieces meet with equal value and slope at |r| = delta. VJP for the prediction:
    grad_out * clip(r, -delta, delta) / N; the target gets minus that. Shapes must be equal
    and delta > 0 (ValueError otherwise).
    """
    raise NotImplementedError("huber: not implemented yet — see the docstring")


# ----- initialisation ----------------------------------------------------------------------------


def xavier_uniform(fan_in: int, fan_out: int, rng: Seed = None) -> np.ndarray:
    """Xavier/Glorot uniform init for a (fan_out, fan_in) weight (tanh and sigmoid layers).

    Contract: `np.random.default_rng(rng).uniform(-a, a, (fan_out, fan_in))` with
    a = sqrt(6 / (fan_in + fan_out)), so Var = 2 / (fan_in + fan_out): the variance of the
    activations and of the gradients is kept on the way forward and on the way back.
    """
    raise NotImplementedError("xavier_uniform: not implemented yet — see the docstring")


def kaiming_normal(fan_in: int, fan_out: int, rng: Seed = None) -> np.ndarray:
    """Kaiming/He normal init for a (fan_out, fan_in) weight (ReLU and GELU layers).

    Contract: `np.random.default_rng(rng).normal(0, std, (fan_out, fan_in))` with
    std = sqrt(2 / fan_in): ReLU zeroes half of its inputs, so the variance is doubled to keep
    the activations' scale through the layers.
    """
    raise NotImplementedError("kaiming_normal: not implemented yet — see the docstring")


# ----- gradient clipping and learning-rate schedules ---------------------------------------


def clip_grad_norm(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale all gradients together so that their global norm is at most `max_norm`
    (torch.nn.utils.clip_grad_norm_). Returns the norm *before* clipping.

    Contract: total = sqrt(sum over parameters with a grad of sum(grad²)) (parameters whose
    grad is None are skipped). If total > max_norm, every grad is multiplied in place by
    max_norm / (total + 1e-6); otherwise nothing changes. The direction of the update is
    kept, only its length is capped.
    """
    raise NotImplementedError("clip_grad_norm: not implemented yet — see the docstring")


def step_lr(step: int, lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Step decay (torch's StepLR): lr · gamma ** (step // step_size), for step = 0, 1, ..."""
    raise NotImplementedError("step_lr: not implemented yet — see the docstring")


def cosine_lr(step: int, lr: float, total_steps: int, min_lr: float = 0.0) -> float:
    """Cosine decay from lr at step 0 to min_lr at step `total_steps` (torch's
    CosineAnnealingLR with T_max = total_steps, eta_min = min_lr):

        min_lr + (lr - min_lr) (1 + cos(pi · step / total_steps)) / 2   for 0 <= step <= total
        min_lr                                                          for step > total
    """
    raise NotImplementedError("cosine_lr: not implemented yet — see the docstring")


def warmup_cosine_lr(step: int, lr: float, warmup_steps: int, total_steps: int,
                     min_lr: float = 0.0) -> float:
    """Linear warm-up, then cosine decay: the schedule of most transformer training runs.

        lr · (step + 1) / warmup_steps                                   for step < warmup
        cosine_lr(step - warmup_steps, lr, total_steps - warmup_steps, min_lr)   afterwards

    The first step already moves (lr / warmup_steps, not 0); the peak lr is reached at step
    warmup_steps - 1 and the cosine starts from it at step warmup_steps. Use `cosine_lr`.
    """
    raise NotImplementedError("warmup_cosine_lr: not implemented yet — see the docstring")


# ----- dropout ---------------------------------------------------------------------------------


class Dropout(Module):
    """Inverted dropout (torch.nn.Dropout): in training, zero each entry with probability p
    and scale the survivors by 1 / (1 - p), so the expected output equals the input; in
    evaluation, the identity.

    Contract: `Dropout(p, rng)` with 0 <= p <= 1 (ValueError otherwise) keeps
    `self.rng = np.random.default_rng(rng)` and starts with `training = True`; `train()` and
    `eval()` set `training` and return the module. In training, forward draws
    `keep = self.rng.random(x.shape) >= p` (one draw per call) and returns
    x * keep / (1 - p) (all zeros when p == 1), differentiable in x (the gradient is masked
    and scaled the same way). In evaluation, forward returns x itself and draws nothing.
    """

    def __init__(self, p: float = 0.5, rng: Seed = None) -> None:
        """Check p, make the generator, start in training mode."""
        raise NotImplementedError("Dropout.__init__: not implemented yet — see the docstring")

    def train(self) -> Dropout:
        """Training mode (dropout active)."""
        self.training = True
        return self

    def eval(self) -> Dropout:
        """Evaluation mode (the identity)."""
        self.training = False
        return self

    def forward(self, x: Tensor) -> Tensor:
        """Dropout of x in training, x itself in evaluation."""
        raise NotImplementedError("Dropout.forward: not implemented yet — see the docstring")


# ----- AMSGrad -----------------------------------------------------------------------------------


class AMSGrad(Optimizer):
    """Adam with AMSGrad's running maximum of v (torch.optim.Adam(amsgrad=True), no weight
    decay). For each parameter with a gradient, m = v = v_max = 0 and t = 0 at the start:

        t <- t + 1
        m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g²
        v_max <- max(v_max, v)                                   (elementwise)
        p <- p - lr (m / (1 - beta1**t)) / (sqrt(v_max / (1 - beta2**t)) + eps)

    The step size can then only shrink where a large gradient was once seen. Note the cheat
    sheet's version takes the maximum of the bias-corrected v̂; PyTorch (and this kit) keep
    the maximum of v and bias-correct it afterwards. Invalid arguments (lr or eps < 0, a beta
    outside [0, 1)) raise ValueError.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        """Check the arguments; m, v, v_max start at 0 and t at 0 for every parameter."""
        super().__init__(params, lr)
        raise NotImplementedError("AMSGrad.__init__: not implemented yet — see the docstring")

    def step(self) -> None:
        """One AMSGrad update of every parameter with a gradient, in place."""
        raise NotImplementedError("AMSGrad.step: not implemented yet — see the docstring")
