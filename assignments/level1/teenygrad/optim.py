"""Optimizers with PyTorch's update rules: SGD, Adam, AdamW, Muon. Graded in part `optim`.

Every optimizer keeps a list of parameters (tensors with `requires_grad=True`). `step()` reads
each parameter's `.grad` (skipping parameters whose grad is None) and updates `p.data` **in
place** with numpy: no op is recorded, so a parameter stays a leaf and training never grows
the graph. `zero_grad()` sets every `.grad` back to None. State (momentum buffers, moment
estimates, the step count t) lives in the optimizer, one entry per parameter.

Notation for one parameter p with gradient g at step t = 1, 2, ...: lr is the learning rate,
wd the weight decay.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from teenygrad.tensor import Tensor

#: Muon's Newton-Schulz iteration: X <- a X + (b A + c A^2) X with A = X X^T, 5 times
#: (Keller Jordan's quintic coefficients, as in torch.optim.Muon).
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5
NS_EPS = 1e-7


class Optimizer:
    """Base class: holds `params` (a list) and `lr`; subclasses define `step()`."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        """Keep the parameters as a list. `lr < 0` or an empty list raises `ValueError`."""
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty parameter list")
        if lr < 0:
            raise ValueError(f"invalid learning rate {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Set `.grad` of every parameter to None (PyTorch's default, set_to_none=True)."""
        raise NotImplementedError("Optimizer.zero_grad: not implemented yet — see the docstring")

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        raise NotImplementedError(f"{type(self).__name__}.step")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.

    Exactly torch.optim.SGD; for each parameter with a gradient:

        g <- g + wd * p                              (if wd != 0)
        if momentum != 0:
            buf <- g                                 (first step: no dampening)
            buf <- momentum * buf + (1 - dampening) * g      (later steps)
            g <- g + momentum * buf   if nesterov   else   g <- buf
        p <- p - lr * g

    `nesterov=True` needs momentum > 0 and dampening = 0; momentum, dampening or weight decay
    below 0 are invalid. Invalid arguments raise `ValueError` in the constructor.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        """Check the arguments and set up one (empty) momentum buffer per parameter."""
        super().__init__(params, lr)
        raise NotImplementedError("SGD.__init__: not implemented yet — see the docstring")

    def step(self) -> None:
        """One SGD update of every parameter that has a gradient (rule in the class doc)."""
        raise NotImplementedError("SGD.step: not implemented yet — see the docstring")


class Adam(Optimizer):
    """Adam with L2 weight decay added to the gradient (torch.optim.Adam, amsgrad=False).

    For each parameter with a gradient, with m and v starting at 0 and t counting this
    parameter's steps from 1:

        g <- g + wd * p                              (if wd != 0; AdamW does not do this)
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat <- m / (1 - beta1**t);  v_hat <- v / (1 - beta2**t)        (bias correction)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    Invalid arguments (lr, eps or wd < 0, a beta outside [0, 1)) raise `ValueError`.
    """

    #: True in AdamW: decay the weights directly instead of adding wd * p to the gradient.
    decoupled = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        """Check the arguments and set up m = v = 0 and t = 0 for every parameter."""
        super().__init__(params, lr)
        raise NotImplementedError("Adam.__init__: not implemented yet — see the docstring")

    def step(self) -> None:
        """One Adam (or, when `decoupled`, AdamW) update of every parameter with a gradient."""
        raise NotImplementedError("Adam.step: not implemented yet — see the docstring")


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): the same rule as `Adam`, except
    that no wd * p is added to g; instead, first, p <- p * (1 - lr * wd). Default wd = 0.01.
    """

    decoupled = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        """Same arguments as `Adam`, with PyTorch's AdamW default weight decay of 0.01."""
        super().__init__(params, lr, betas, eps, weight_decay)


def newton_schulz(g: np.ndarray, steps: int = NS_STEPS,
                  coefficients: tuple[float, float, float] = NS_COEFFICIENTS,
                  eps: float = NS_EPS) -> np.ndarray:
    """Approximately orthogonalise a matrix (push its singular values towards 1).

    Contract, for g of shape (rows, cols), in float64:
        X <- g^T if rows > cols else g          (so X is wide: X X^T is the small Gram matrix)
        X <- X / max(||X||_F, eps)
        repeat `steps` times:  A <- X X^T;  X <- a X + (b A + c A A) X    with (a, b, c)
        return X^T if rows > cols else X        (shape of g)
    """
    raise NotImplementedError("newton_schulz: not implemented yet — see the docstring")


class Muon(Optimizer):
    """Muon: SGD-momentum whose update is orthogonalised by Newton-Schulz (2-d params only).

    As torch.optim.Muon (adjust_lr_fn=None); for each (rows, cols) parameter with a gradient,
    the buffer starting at 0:

        buf <- momentum * buf + (1 - momentum) * g
        u <- (1 - momentum) * g + momentum * buf   if nesterov   else   u <- buf
        o <- newton_schulz(u)                       (NS_STEPS = 5, NS_COEFFICIENTS)
        p <- p * (1 - lr * wd)
        p <- p - lr * sqrt(max(1, rows / cols)) * o

    A parameter that is not 2-d, or momentum outside [0, 1), or wd < 0, raises `ValueError`.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, momentum: float = 0.95,
                 nesterov: bool = True, weight_decay: float = 0.1,
                 ns_steps: int = NS_STEPS) -> None:
        """Check the arguments and set up a zero momentum buffer per parameter."""
        super().__init__(params, lr)
        raise NotImplementedError("Muon.__init__: not implemented yet — see the docstring")

    def step(self) -> None:
        """One Muon update of every parameter that has a gradient (rule in the class doc)."""
        raise NotImplementedError("Muon.step: not implemented yet — see the docstring")
