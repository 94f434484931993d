"""The judge's oracles for level 1: numpy forwards and closed-form VJPs, finite differences,
every optimizer's update rule, the capstone's data, and the hypothesis strategies.

Runs in the judge only; never imports student code (nor `solutions/`). The op table `OPS` is
the single declarative list of gradient rules the suites check students against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.cases.indexing import axis_arg, decode_index, encode_index
from autograder.cases.level1_hints import REDUCTION_HINTS  # noqa: F401 - the hidden tests' hints
from autograder.suites.checks import check_steps_alone_moved

Arrays = Sequence[np.ndarray]
Grads = list[np.ndarray | None]

# ----- helpers -----------------------------------------------------------------------------


def unbroadcast(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, giving `shape`."""
    shape = tuple(shape)
    lead = grad.ndim - len(shape)
    stretched = [lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1]
    return np.sum(grad, axis=tuple(range(lead)) + tuple(stretched)).reshape(shape)


def norm_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """`axis` (None, int, list) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = [axis] if isinstance(axis, int) else list(axis)
    return tuple(sorted(a % ndim for a in axes))


def keep(grad: np.ndarray, shape: Sequence[int], axis: Any) -> np.ndarray:
    """`grad` of a reduction over `axis` reshaped with the reduced axes as size 1."""
    axes = norm_axes(axis, len(shape))
    return grad.reshape([1 if i in axes else n for i, n in enumerate(shape)])


# ----- the op table: forward and VJP per op ----------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One differentiable op: numpy forward and closed-form VJP.

    `forward(xs, kw)` -> output; `vjp(g, out, xs, kw)` -> one gradient per input.
    `smooth` says finite differences apply at generic points (no kinks, no ties).
    """

    forward: Callable[[Arrays, dict[str, Any]], np.ndarray]
    vjp: Callable[[np.ndarray, np.ndarray, Arrays, dict[str, Any]], Grads]
    smooth: bool = True


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _lse(x: np.ndarray, axis: Any) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf row: log(0) = -inf, as scipy, not nan
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m


def _share(a: np.ndarray, b: np.ndarray, wins: np.ndarray) -> np.ndarray:
    """1 where a wins, 1/2 at ties, 0 where b wins."""
    return wins.astype(np.float64) + 0.5 * (a == b)


def _pow_vjp(g: np.ndarray, out: np.ndarray, xs: Arrays, kw: dict[str, Any]) -> Grads:
    a, b = xs
    ga = unbroadcast(g * b * np.power(a, b - 1.0), a.shape)
    safe = np.where(a > 0, a, 1.0)
    gb = unbroadcast(np.where(a > 0, g * out * np.log(safe), 0.0), b.shape)
    return [ga, gb]


def _matmul_vjp(g: np.ndarray, out: np.ndarray, xs: Arrays, kw: dict[str, Any]) -> Grads:
    a, b = xs
    if a.ndim == 1 and b.ndim == 1:
        return [g * b, g * a]
    am = a.reshape(1, -1) if a.ndim == 1 else a
    bm = b.reshape(-1, 1) if b.ndim == 1 else b
    gm = g.reshape(out.shape[:-1] + (1,) + out.shape[-1:]) if a.ndim == 1 else g
    gm = gm.reshape(gm.shape + (1,)) if b.ndim == 1 else gm
    ga = unbroadcast(np.matmul(gm, np.swapaxes(bm, -1, -2)), am.shape).reshape(a.shape)
    gb = unbroadcast(np.matmul(np.swapaxes(am, -1, -2), gm), bm.shape).reshape(b.shape)
    return [ga, gb]


def _max_vjp(g: np.ndarray, out: np.ndarray, xs: Arrays, kw: dict[str, Any]) -> Grads:
    (a,) = xs
    axis = axis_arg(kw.get("axis"))
    top = keep(out, a.shape, axis)
    hits = (a == top).astype(np.float64)
    return [hits / np.sum(hits, axis=axis, keepdims=True) * keep(g, a.shape, axis)]


def _getitem_vjp(g: np.ndarray, out: np.ndarray, xs: Arrays, kw: dict[str, Any]) -> Grads:
    grad = np.zeros_like(xs[0])
    np.add.at(grad, decode_index(kw["index"]), g)
    return [grad]


def _split(g: np.ndarray, xs: Arrays, axis: int) -> Grads:
    bounds = np.cumsum([x.shape[axis] for x in xs])
    return [np.take(g, range(lo, hi), axis=axis)
            for lo, hi in zip(np.r_[0, bounds[:-1]], bounds, strict=True)]


def _stack_vjp(g: np.ndarray, out: np.ndarray, xs: Arrays, kw: dict[str, Any]) -> Grads:
    axis = kw.get("axis", 0) % out.ndim
    return [np.take(g, i, axis=axis) for i in range(len(xs))]


def _transpose_axes(ndim: int, axes: Any) -> list[int]:
    return list(range(ndim))[::-1] if axes is None else [a % ndim for a in axes]


OPS: dict[str, Op] = {
    "add": Op(lambda xs, kw: xs[0] + xs[1],
              lambda g, o, xs, kw: [unbroadcast(g, xs[0].shape), unbroadcast(g, xs[1].shape)]),
    "sub": Op(lambda xs, kw: xs[0] - xs[1],
              lambda g, o, xs, kw: [unbroadcast(g, xs[0].shape), unbroadcast(-g, xs[1].shape)]),
    "mul": Op(lambda xs, kw: xs[0] * xs[1],
              lambda g, o, xs, kw: [unbroadcast(g * xs[1], xs[0].shape),
                                    unbroadcast(g * xs[0], xs[1].shape)]),
    "div": Op(lambda xs, kw: xs[0] / xs[1],
              lambda g, o, xs, kw: [unbroadcast(g / xs[1], xs[0].shape),
                                    unbroadcast(-g * o / xs[1], xs[1].shape)]),
    "neg": Op(lambda xs, kw: -xs[0], lambda g, o, xs, kw: [-g]),
    "pow": Op(lambda xs, kw: np.power(xs[0], xs[1]), _pow_vjp),
    "pow_scalar": Op(lambda xs, kw: np.power(xs[0], kw["exponent"]),
                     lambda g, o, xs, kw: [g * kw["exponent"]
                                           * np.power(xs[0], kw["exponent"] - 1.0)]),
    "matmul": Op(lambda xs, kw: np.matmul(xs[0], xs[1]), _matmul_vjp),
    "exp": Op(lambda xs, kw: np.exp(xs[0]), lambda g, o, xs, kw: [g * o]),
    "log": Op(lambda xs, kw: np.log(xs[0]), lambda g, o, xs, kw: [g / xs[0]]),
    "sin": Op(lambda xs, kw: np.sin(xs[0]), lambda g, o, xs, kw: [g * np.cos(xs[0])]),
    "cos": Op(lambda xs, kw: np.cos(xs[0]), lambda g, o, xs, kw: [-g * np.sin(xs[0])]),
    "tanh": Op(lambda xs, kw: np.tanh(xs[0]), lambda g, o, xs, kw: [g / np.cosh(xs[0]) ** 2]),
    "sigmoid": Op(lambda xs, kw: _sigmoid(xs[0]), lambda g, o, xs, kw: [g * o * (1.0 - o)]),
    "relu": Op(lambda xs, kw: np.maximum(xs[0], 0.0),
               lambda g, o, xs, kw: [np.where(xs[0] > 0, g, 0.0)], smooth=False),
    "sqrt": Op(lambda xs, kw: np.sqrt(xs[0]), lambda g, o, xs, kw: [0.5 * g / o]),
    "abs": Op(lambda xs, kw: np.abs(xs[0]), lambda g, o, xs, kw: [g * np.sign(xs[0])],
              smooth=False),
    "maximum": Op(lambda xs, kw: np.maximum(xs[0], xs[1]),
                  lambda g, o, xs, kw: [
                      unbroadcast(g * _share(xs[0], xs[1], xs[0] > xs[1]), xs[0].shape),
                      unbroadcast(g * _share(xs[1], xs[0], xs[1] > xs[0]), xs[1].shape)],
                  smooth=False),
    "minimum": Op(lambda xs, kw: np.minimum(xs[0], xs[1]),
                  lambda g, o, xs, kw: [
                      unbroadcast(g * _share(xs[0], xs[1], xs[0] < xs[1]), xs[0].shape),
                      unbroadcast(g * _share(xs[1], xs[0], xs[1] < xs[0]), xs[1].shape)],
                  smooth=False),
    "where": Op(lambda xs, kw: np.where(np.asarray(kw["condition"], bool), xs[0], xs[1]),
                lambda g, o, xs, kw: [
                    unbroadcast(np.where(np.asarray(kw["condition"], bool), g, 0.0), xs[0].shape),
                    unbroadcast(np.where(np.asarray(kw["condition"], bool), 0.0, g), xs[1].shape)],
                smooth=False),
    "sum": Op(lambda xs, kw: np.sum(xs[0], axis=axis_arg(kw.get("axis")),
                                    keepdims=kw.get("keepdims", False)),
              lambda g, o, xs, kw: [np.broadcast_to(
                  keep(g, xs[0].shape, axis_arg(kw.get("axis"))), xs[0].shape).copy()]),
    "mean": Op(lambda xs, kw: np.mean(xs[0], axis=axis_arg(kw.get("axis")),
                                      keepdims=kw.get("keepdims", False)),
               lambda g, o, xs, kw: [np.broadcast_to(
                   keep(g, xs[0].shape, axis_arg(kw.get("axis"))), xs[0].shape)
                   * (o.size / max(xs[0].size, 1))]),
    "max": Op(lambda xs, kw: np.max(xs[0], axis=axis_arg(kw.get("axis")),
                                    keepdims=kw.get("keepdims", False)),
              _max_vjp, smooth=False),
    "logsumexp": Op(lambda xs, kw: _lse(xs[0], axis_arg(kw.get("axis", -1))).reshape(
                        np.sum(xs[0], axis=axis_arg(kw.get("axis", -1)),
                               keepdims=kw.get("keepdims", False)).shape),
                    lambda g, o, xs, kw: [keep(g, xs[0].shape, axis_arg(kw.get("axis", -1)))
                                          * np.exp(xs[0] - _lse(xs[0],
                                                                axis_arg(kw.get("axis", -1))))]),
    "softmax": Op(lambda xs, kw: np.exp(xs[0] - _lse(xs[0], kw.get("axis", -1))),
                  lambda g, o, xs, kw: [o * g - o * np.sum(o * g, axis=kw.get("axis", -1),
                                                           keepdims=True)]),
    "log_softmax": Op(lambda xs, kw: xs[0] - _lse(xs[0], kw.get("axis", -1)),
                      lambda g, o, xs, kw: [g - np.exp(o) * np.sum(g, axis=kw.get("axis", -1),
                                                                   keepdims=True)]),
    "reshape": Op(lambda xs, kw: np.reshape(xs[0], kw["shape"]),
                  lambda g, o, xs, kw: [np.reshape(g, xs[0].shape)]),
    "transpose": Op(lambda xs, kw: np.transpose(xs[0], _transpose_axes(xs[0].ndim,
                                                                       kw.get("axes"))),
                    lambda g, o, xs, kw: [np.transpose(g, np.argsort(
                        _transpose_axes(xs[0].ndim, kw.get("axes"))))]),
    "broadcast_to": Op(lambda xs, kw: np.broadcast_to(xs[0], kw["shape"]).copy(),
                       lambda g, o, xs, kw: [unbroadcast(g, xs[0].shape)]),
    "getitem": Op(lambda xs, kw: xs[0][decode_index(kw["index"])], _getitem_vjp,
                  smooth=False),
    "concatenate": Op(lambda xs, kw: np.concatenate(xs, axis=kw.get("axis", 0)),
                      lambda g, o, xs, kw: _split(g, xs, kw.get("axis", 0))),
    "stack": Op(lambda xs, kw: np.stack(xs, axis=kw.get("axis", 0)), _stack_vjp),
}


def forward(name: str, xs: Arrays, kw: dict[str, Any]) -> np.ndarray:
    """The reference value of op `name` (always an ndarray, float64 for float64 inputs)."""
    return np.asarray(OPS[name].forward([np.asarray(x) for x in xs], kw))


def vjp(name: str, xs: Arrays, kw: dict[str, Any], grad_out: np.ndarray) -> Grads:
    """The reference gradients of sum(op(xs) * grad_out) with respect to each input."""
    xs = [np.asarray(x) for x in xs]
    out = forward(name, xs, kw)
    return [None if g is None else np.asarray(g, dtype=np.float64)
            for g in OPS[name].vjp(np.asarray(grad_out, np.float64), out, xs, kw)]


def finite_diff(fn: Callable[[list[np.ndarray]], np.ndarray], xs: Arrays,
                grad_out: np.ndarray, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences in float64 of sum(fn(xs) * grad_out), one gradient per input."""
    point = [np.array(x, dtype=np.float64) for x in xs]

    def objective() -> float:
        return float(np.sum(fn(point) * grad_out))

    gradients = []
    for x in point:
        gradient = np.empty_like(x)
        for index in np.ndindex(x.shape):
            centre = x[index]
            x[index] = centre + eps
            forward = objective()
            x[index] = centre - eps
            backward = objective()
            x[index] = centre
            gradient[index] = (forward - backward) / (2 * eps)
        gradients.append(gradient)
    return gradients


def op_finite_diff(name: str, xs: Arrays, kw: dict[str, Any], grad_out: np.ndarray
                   ) -> list[np.ndarray]:
    """Finite-difference gradients of op `name` (float64)."""
    return finite_diff(lambda arrays: forward(name, arrays, kw), xs, grad_out)


def run_program(inputs: Arrays, program: Sequence[Sequence[Any]], grad_out: np.ndarray,
                overwrite: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
    """Evaluate a program [(op, [input indices], kwargs), ...] and reverse-mode it.

    Node i < len(inputs) is input i; each step appends one node; the last node is the output.
    Returns (output, gradient of sum(output * grad_out) per input). `overwrite`: the gradients
    a backward that overwrites instead of accumulating would give (a diagnosis).
    """
    nodes = [np.asarray(x, dtype=np.float64) for x in inputs]
    for name, args, kw in program:
        nodes.append(forward(name, [nodes[i] for i in args], kw))
    grads: list[np.ndarray] = [np.zeros_like(n) for n in nodes]
    grads[-1] = np.asarray(grad_out, dtype=np.float64)
    for step in range(len(program) - 1, -1, -1):
        name, args, kw = program[step]
        node = len(inputs) + step
        local = OPS[name].vjp(grads[node], nodes[node], [nodes[i] for i in args], kw)
        for i, g in zip(args, local, strict=True):
            grads[i] = g if overwrite else grads[i] + g
    return nodes[-1], grads[: len(inputs)]


def run_dag(inputs: Arrays, program: Sequence[Sequence[Any]], seed: np.ndarray
            ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Reference for the graph tests' probe ops: steps (op, i, j, c) on same-shape arrays.

    scale: c * x_i; add: x_i + x_j; mul: x_i * x_j; sin: sin(x_i).
    """
    nodes = [np.asarray(x, dtype=np.float64) for x in inputs]
    for op, i, j, c in program:
        if op == "scale":
            nodes.append(c * nodes[i])
        elif op == "add":
            nodes.append(nodes[i] + nodes[j])
        elif op == "mul":
            nodes.append(nodes[i] * nodes[j])
        else:
            nodes.append(np.sin(nodes[i]))
    grads = [np.zeros_like(n) for n in nodes]
    grads[-1] = np.asarray(seed, dtype=np.float64)
    for k in range(len(program) - 1, -1, -1):
        op, i, j, c = program[k]
        g = grads[len(inputs) + k]
        if op == "scale":
            grads[i] = grads[i] + c * g
        elif op == "add":
            grads[i] = grads[i] + g
            grads[j] = grads[j] + g
        elif op == "mul":
            grads[i] = grads[i] + g * nodes[j]
            grads[j] = grads[j] + g * nodes[i]
        else:
            grads[i] = grads[i] + g * np.cos(nodes[i])
    return nodes[-1], grads[: len(inputs)]


# ----- losses ----------------------------------------------------------------------------------


def mse(p: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(value, d/dp, d/dt) of mean((p - t)**2)."""
    d = p - t
    return float(np.mean(d**2)), 2 * d / d.size, -2 * d / d.size


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(value, d/dz, d/dy) of mean(softplus(z) - y z), evaluated stably."""
    softplus = np.logaddexp(0.0, z)
    return float(np.mean(softplus - y * z)), (_sigmoid(z) - y) / z.size, -z / z.size


def cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(value, d/dz) of mean_i(logsumexp(z_i) - z_i[y_i])."""
    rows = np.arange(len(y))
    lse = _lse(z, 1)
    grad = np.exp(z - lse)
    grad[rows, y] -= 1.0
    return float(np.mean(lse[:, 0] - z[rows, y])), grad / len(y)


# ----- optimizers: the judge's own update rules ------------------------------------------------

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def quadratic_grad(p: np.ndarray, scale: np.ndarray, target: np.ndarray,
                   noise: np.ndarray) -> np.ndarray:
    """The optimizer tests' gradient: scale * (p - target) + noise (same formula as the probe)."""
    return scale * (p - target) + noise


def orthogonalise(u: np.ndarray, steps: int) -> np.ndarray:
    """Newton-Schulz quintic, on the wide orientation of u."""
    a, b, c = NS_COEFFICIENTS
    flip = u.shape[0] > u.shape[1]
    x = u.T.copy() if flip else u.copy()
    x /= max(np.sqrt(np.sum(x * x)), 1e-7)
    for _ in range(steps):
        s = x @ x.T
        x = a * x + b * (s @ x) + c * (s @ (s @ x))
    return x.T if flip else x


def optimizer_trajectory(name: str, kw: dict[str, Any], params: Arrays, scales: Arrays,
                         targets: Arrays, noise: Sequence[Arrays], steps: int
                         ) -> list[np.ndarray]:
    """Parameters after 0..steps updates, per parameter an array (steps+1, *shape).

    The gradient at step t is `quadratic_grad(p, scale, target, noise[t])`; a parameter whose
    noise entry is None at step t gets no gradient (the optimizer must skip it).
    """
    ps = [np.array(p, dtype=np.float64) for p in params]
    history = [[p.copy()] for p in ps]
    state: list[dict[str, Any]] = [{} for _ in ps]
    lr = kw.get("lr", 1e-3)
    for t in range(steps):
        for i, p in enumerate(ps):
            if noise[t][i] is None:
                history[i].append(p.copy())
                continue
            g = quadratic_grad(p, scales[i], targets[i], noise[t][i])
            ps[i] = _update(name, kw, lr, p, g, state[i])
            history[i].append(ps[i].copy())
    return [np.stack(h) for h in history]


def _update(name: str, kw: dict[str, Any], lr: float, p: np.ndarray, g: np.ndarray,
            s: dict[str, Any]) -> np.ndarray:
    """One step of optimizer `name` for one parameter, `s` its state."""
    if name == "SGD":
        mom, damp = kw.get("momentum", 0.0), kw.get("dampening", 0.0)
        wd = kw.get("weight_decay", 0.0)
        d = g + wd * p
        if mom != 0:
            s["buf"] = d.copy() if "buf" not in s else mom * s["buf"] + (1.0 - damp) * d
            d = d + mom * s["buf"] if kw.get("nesterov", False) else s["buf"]
        return p - lr * d
    if name in ("Adam", "AdamW"):
        b1, b2 = kw.get("betas", (0.9, 0.999))
        eps = kw.get("eps", 1e-8)
        wd = kw.get("weight_decay", 0.0 if name == "Adam" else 1e-2)
        if name == "AdamW":
            p = p * (1.0 - lr * wd)
        else:
            g = g + wd * p
        s["t"] = s.get("t", 0) + 1
        s["m"] = b1 * s.get("m", 0.0) + (1.0 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1.0 - b2) * g * g
        step_size = lr / (1.0 - b1 ** s["t"])
        denom = np.sqrt(s["v"]) / np.sqrt(1.0 - b2 ** s["t"]) + eps
        return p - step_size * s["m"] / denom
    if name == "Muon":
        mom = kw.get("momentum", 0.95)
        wd = kw.get("weight_decay", 0.1)
        s["buf"] = s.get("buf", np.zeros_like(p)) + (1.0 - mom) * (g - s.get("buf", 0.0))
        u = g + mom * (s["buf"] - g) if kw.get("nesterov", True) else s["buf"]
        o = orthogonalise(u, kw.get("ns_steps", 5))
        rows, cols = p.shape
        p = p * (1.0 - lr * wd)
        return p - lr * np.sqrt(max(1.0, rows / cols)) * o
    raise KeyError(name)


# ----- capstone --------------------------------------------------------------------------------


def digits_split(random_state: int, test_size: float = 0.25
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) of sklearn's bundled digits, stratified."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size,
                                              random_state=random_state, stratify=y)
    return (x_tr.astype(np.float64), y_tr.astype(np.int64), x_te.astype(np.float64),
            y_te.astype(np.int64))


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's bundled diabetes regression data (442 x 10, targets)."""
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    return x.astype(np.float64), y.astype(np.float64)


def least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[w..., b] of least squares with an intercept, by a QR-based solver (not the normal
    equations, so the check is independent)."""
    a = np.hstack([x, np.ones((len(x), 1))])
    return np.linalg.lstsq(a, y, rcond=None)[0]


def relative_gap(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max(1, max |want|): the capstone's agreement measure."""
    return float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))))


#: The settings the judge passes to fit_gradient_descent (its contract's defaults).
GD_SETTINGS = {"steps": 2000, "lr": 0.2, "momentum": 0.9}
#: Tolerance of the replayed gradient-descent trajectory (relative_gap per step, and per loss).
GD_TRAJECTORY_RTOL = 1e-8
#: Tolerance of the digits loss and gradients redone at the first and last training step.
DIGITS_STEP_RTOL = 1e-7


def gradient_descent(x: np.ndarray, y: np.ndarray, steps: int, lr: float, momentum: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The capstone's gradient descent, replayed: (rows of [w_std..., b] after each of `steps`
    SGD steps, the mse before each step) on the standardised columns of x, from zeros."""
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    theta = np.zeros(x.shape[1] + 1)
    buf = np.zeros_like(theta)
    history, losses = np.empty((steps, len(theta))), np.empty(steps)
    for t in range(steps):
        residual = xs @ theta[:-1] + theta[-1] - y
        losses[t] = np.mean(residual**2)
        g = 2.0 * residual / len(y)
        grad = np.append(g @ xs, np.sum(g))
        buf = grad if t == 0 else momentum * buf + grad
        theta = theta - lr * buf
        history[t] = theta
    return history, losses


def check_gradient_descent(got: dict[str, Any], x: np.ndarray, y: np.ndarray,
                           agreement: float) -> None:
    """`fit_gradient_descent` went, step by step, the way its contract says (teenygrad's SGD on
    `mse` of the standardised data, from zeros), and its answer agrees with the exact fit."""
    steps = GD_SETTINGS["steps"]
    assert got["steps"], (
        "fit_gradient_descent ran no step of a teenygrad.optim optimizer: fit by gradient "
        "descent with Tensor, mse and optim.SGD (np.linalg.solve is for fit_normal_equations)")
    assert got["steps"] == steps, (f"fit_gradient_descent ran {got['steps']} optimizer steps, "
                                   f"expected steps={steps} (one per iteration)")
    check_steps_alone_moved(got, "fit_gradient_descent")
    assert not got["not_from_backward"], (
        f"{got['not_from_backward']} of fit_gradient_descent's optimizer steps read a gradient "
        "that loss.backward() did not leave there: let backward() compute every gradient")
    history, losses = gradient_descent(x, y, **GD_SETTINGS)
    mine = got["history"]
    assert mine is not None and mine.shape == history.shape, (
        f"the optimizer should update [w, b] ({x.shape[1]} + 1 numbers) at every step: "
        "SGD([w, b], lr=lr, momentum=momentum)")
    for t in range(steps):
        gap = relative_gap(mine[t], history[t])
        assert gap <= GD_TRAJECTORY_RTOL, (
            f"after optimizer step {t + 1} the standardised [w, b] are {gap:.1e} (relative) "
            "from the contract's gradient descent: start from zeros, standardise x with its "
            "mean and std, loss = mse(xs @ w + b, y), one zero_grad/backward/step per iteration")
    assert len(got["losses"]) == steps and relative_gap(got["losses"], losses) <= \
        GD_TRAJECTORY_RTOL, "the losses backpropagated are not mse(xs @ w + b, y), one per step"
    gap = relative_gap(got["fit"], least_squares(x, y))
    assert gap <= agreement, (
        f"gradient descent is {gap:.2e} (max |diff| / max(1, max |w|)) from the exact fit, "
        f"needs <= {agreement:g}: map the weights back to the units of x")


# ----- hypothesis strategies -------------------------------------------------------------------


def floats(lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[float]:
    """Finite float64 values in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4
           ) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes with sides 1..max_side (size-1 dims included)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def arrays(shape: Sequence[int], lo: float = -3.0, hi: float = 3.0
           ) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` with values in [lo, hi]."""
    return hnp.arrays(np.float64, tuple(shape), elements=floats(lo, hi))


def away_from_zero(shape: Sequence[int], lo: float = 0.5, hi: float = 3.0
                   ) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays whose entries have |x| in [lo, hi], either sign (safe denominators)."""
    return hnp.arrays(np.float64, tuple(shape),
                      elements=st.one_of(floats(lo, hi), floats(-hi, -lo)))


def broadcast_pairs(max_dims: int = 3) -> st.SearchStrategy[Any]:
    """Two mutually broadcastable shapes (size-1 dims and missing leading dims included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             min_side=1, max_side=4)


# ----- explicit cases: every binary op on every broadcasting pattern ---------------------------

#: The binary ops whose VJPs unbroadcast, in the order the hidden suites check them.
BINARY_OPS = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "where")
#: Smooth binary ops, also checked against finite differences.
FD_BINARY_OPS = ("add", "sub", "mul", "div", "pow")

#: Every broadcasting pattern of two operands, (shape of a, shape of b): checked for every
#: binary op as explicit examples, whatever hypothesis draws.
BROADCAST_PATTERNS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((2, 3), (2, 3)),        # equal shapes
    ((2, 3), (3,)),          # a leading axis added to b
    ((3,), (2, 3)),          # a leading axis added to a
    ((2, 3), ()),            # b 0-d: every axis added
    ((), (2, 3)),            # a 0-d
    ((2, 3), (2, 1)),        # a size-1 axis of b stretched
    ((1, 3), (2, 3)),        # a size-1 axis of a stretched
    ((2, 1), (1, 3)),        # both sides stretched
    ((4, 1, 3), (2, 1)),     # both sides: a stretched, b given a leading axis and stretched
)

#: Batch broadcasting of matmul, (shape of a, shape of b): the same patterns on batch dims,
#: and the 1-d promotions.
MATMUL_PATTERNS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((3, 4), (4, 2)),              # plain matrices
    ((2, 3, 4), (2, 4, 5)),        # equal batch dims
    ((2, 3, 4), (4, 5)),           # a batch axis added to b
    ((3, 4), (2, 4, 5)),           # a batch axis added to a
    ((1, 3, 4), (2, 4, 5)),        # a's size-1 batch axis stretched
    ((2, 3, 4), (1, 4, 5)),        # b's size-1 batch axis stretched
    ((2, 1, 3, 4), (3, 4, 2)),     # both sides: batch (2, 1) with (3,)
    ((4,), (2, 4, 3)),             # a vector times a stack
    ((2, 3, 4), (4,)),             # a stack times a vector
)


def _fixed_array(shape: Sequence[int], rng: np.random.Generator, lo: float = -3.0,
                 hi: float = 3.0, away_from_zero: bool = False) -> np.ndarray:
    """Distinct float64 values in [lo, hi] (|x| >= 0.5 with either sign when away_from_zero)."""
    values = rng.uniform(lo, hi, size=tuple(shape))
    if away_from_zero:
        values = np.where(rng.random(size=tuple(shape)) < 0.5, -1.0, 1.0) \
            * rng.uniform(0.5, hi, size=tuple(shape))
    return np.asarray(values, dtype=np.float64)


def binary_case(name: str, sa: Sequence[int], sb: Sequence[int], seed: int = 0
                ) -> tuple[str, list[np.ndarray], dict[str, Any]]:
    """(op, [a, b], kwargs): op `name` on operands of shapes sa and sb with fixed values in
    each op's domain (pow: a > 0; div: b away from 0; where: a condition of the result's
    shape holding both True and False)."""
    rng = np.random.default_rng([seed, len(sa), len(sb), *sa, *sb])
    a = _fixed_array(sa, rng, 0.2, 3.0) if name == "pow" else _fixed_array(sa, rng)
    b = _fixed_array(sb, rng, away_from_zero=name == "div")
    kw: dict[str, Any] = {}
    if name == "where":
        result = np.broadcast_shapes(tuple(sa), tuple(sb))
        kw = {"condition": np.arange(int(np.prod(result))).reshape(result) % 2 == 0}
    return name, [a, b], kw


def binary_op_cases() -> list[tuple[str, list[np.ndarray], dict[str, Any]]]:
    """Every binary op on every broadcasting pattern (`BINARY_OPS` x `BROADCAST_PATTERNS`)."""
    return [binary_case(name, sa, sb) for name in BINARY_OPS for sa, sb in BROADCAST_PATTERNS]


def matmul_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """(a, b) for every pattern of `MATMUL_PATTERNS`, with fixed values."""
    cases = []
    for sa, sb in MATMUL_PATTERNS:
        _, (a, b), _ = binary_case("matmul", sa, sb)
        cases.append((a, b))
    return cases


def unbroadcast_cases() -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """(grad, shape) for each operand of every broadcasting pattern: grad has the result's
    shape, and `shape` is the operand's."""
    cases = []
    for sa, sb in BROADCAST_PATTERNS:
        result = np.broadcast_shapes(sa, sb)
        grad = seed_like(result)
        cases += [(grad, sa), (grad, sb)]
    return cases


@st.composite
def axis_args(draw: st.DrawFn, ndim: int) -> Any:
    """An `axis` argument for a reduction over an ndim-d array: None, an int or a list."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return [a - ndim if draw(st.booleans()) else a for a in axes]


@st.composite
def index_descriptions(draw: st.DrawFn, shape: Sequence[int], advanced: bool
                       ) -> dict[str, Any]:
    """A numpy index for `shape` as an index key (`autograder.cases.indexing`): ints, slices,
    None, and with `advanced` one integer array (repeats allowed)."""
    items: list[Any] = []
    array_dim = draw(st.integers(0, len(shape) - 1)) if advanced and shape else -1
    for d, n in enumerate(shape):
        if d == array_dim:
            idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5))
            items.append(np.array(idx, dtype=np.int64))
            continue
        kind = draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-n, n)))
            stop = draw(st.one_of(st.none(), st.integers(-n, n)))
            step = draw(st.one_of(st.none(), st.sampled_from([1, 2, -1, -2])))
            items.append([start, stop, step])
        else:
            items.append([None, None, None])
        if not advanced and draw(st.integers(0, 5)) == 0:
            items.append(None)
    return encode_index(items)


#: Ops a random program may use, with how many operands they take.
PROGRAM_OPS = {"add": 2, "sub": 2, "mul": 2, "maximum": 2, "minimum": 2, "tanh": 1, "sin": 1,
               "sigmoid": 1, "neg": 1, "relu": 1, "square": 1, "sum": 1, "mean": 1,
               "softmax": 1}


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[np.ndarray], list[list[Any]], np.ndarray]:
    """(inputs, program, grad_out): a random straight-line program over broadcastable inputs.

    Steps may reuse any earlier node (diamonds); reductions keep dims so that every node stays
    broadcastable to the same result shape.
    """
    n_inputs = draw(st.integers(1, 3))
    shapes_ = draw(hnp.mutually_broadcastable_shapes(num_shapes=n_inputs, min_dims=0,
                                                      max_dims=3, min_side=1, max_side=3))
    inputs = [draw(arrays(s, -2.0, 2.0)) for s in shapes_.input_shapes]
    node_shapes = [tuple(s) for s in shapes_.input_shapes]
    program: list[list[Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(sorted(PROGRAM_OPS)))
        args = [draw(st.integers(0, len(node_shapes) - 1)) for _ in range(PROGRAM_OPS[name])]
        shape = node_shapes[args[0]]
        kw: dict[str, Any] = {}
        if name in ("sum", "mean", "softmax") and not shape:
            name = "tanh"
        if name in ("sum", "mean"):
            kw = {"axis": draw(st.integers(0, len(shape) - 1)), "keepdims": True}
            shape = tuple(1 if i == kw["axis"] else n for i, n in enumerate(shape))
        elif name == "softmax":
            kw = {"axis": -1}
        elif name == "square":
            kw = {"exponent": 2.0}
        elif len(args) == 2:
            shape = np.broadcast_shapes(shape, node_shapes[args[1]])
        program.append([name, args, kw])
        node_shapes.append(tuple(shape))
    grad_out = draw(arrays(node_shapes[-1], -1.0, 1.0))
    return inputs, program, grad_out


def program_op(name: str) -> str:
    """The op-table name of a program step (`square` is `pow_scalar` with exponent 2)."""
    return "pow_scalar" if name == "square" else name


def run_program_ref(inputs: Arrays, program: Sequence[Sequence[Any]], grad_out: np.ndarray,
                    overwrite: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
    """`run_program` for programs drawn by `programs` (maps `square`)."""
    return run_program(inputs, [[program_op(n), a, kw] for n, a, kw in program], grad_out,
                       overwrite)


def program_text(n_inputs: int, program: Sequence[Sequence[Any]]) -> str:
    """A drawn program as the code a student would write: `x2 = x0 * x1; x3 = sin(x2)`."""
    infix = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
    lines = []
    for step, (name, args, kw) in enumerate(program):
        xs = [f"x{i}" for i in args]
        if name in infix and len(xs) == 2:
            text = f" {infix[name]} ".join(xs)
        elif name == "square":
            text = f"{xs[0]} ** 2"
        else:
            extra = [f"{k}={v!r}" for k, v in kw.items()]
            text = f"{name}({', '.join(xs + extra)})"
        lines.append(f"x{n_inputs + step} = {text}")
    return "; ".join(lines)


def dag_text(n_inputs: int, program: Sequence[Sequence[Any]]) -> str:
    """A graph test's DAG [(op, i, j, c)] as code: `x2 = x0 * x1; x3 = 0.5 * x2`."""
    lines = []
    for step, (op, i, j, c) in enumerate(program):
        text = {"scale": f"{c!r} * x{i}", "add": f"x{i} + x{j}", "mul": f"x{i} * x{j}"}.get(
            op, f"sin(x{i})")
        lines.append(f"x{n_inputs + step} = {text}")
    return "; ".join(lines)


def reuses_a_node(program: Sequence[Sequence[Any]]) -> bool:
    """Whether some node is an argument more than once (a diamond: its gradients add up)."""
    used = [i for _, args, _ in program for i in args]
    return len(used) != len(set(used))


def grads_match(got: Sequence[Any], want: Sequence[np.ndarray]) -> bool:
    """Whether gradients sent back (None for none) are all close to `want`."""
    return len(got) == len(want) and all(
        np.shape(w) == np.shape(np.zeros_like(w) if g is None else g)
        and np.allclose(np.zeros_like(w) if g is None else g, w, rtol=RTOL, atol=ATOL)
        for g, w in zip(got, want, strict=True))


def program_hint(inputs: Arrays, program: Sequence[Sequence[Any]], grad_out: np.ndarray,
                 got_grads: Sequence[Any], broadcast_hint: str) -> str:
    """The likely cause of wrong gradients of a drawn program: overwriting when a node is
    reused (and the overwritten gradients are what came back), unbroadcasting when an input
    was broadcast; neither when the program does neither."""
    value, _ = run_program_ref(inputs, program, grad_out)
    reuse = reuses_a_node(program)
    broadcast = len({np.shape(x) for x in inputs} | {np.shape(value)}) > 1
    if reuse and grads_match(got_grads, run_program_ref(inputs, program, grad_out, True)[1]):
        return ACCUMULATE_HINT
    causes = [ACCUMULATE_HINT] * reuse + [broadcast_hint] * broadcast
    return "; or ".join(causes)


#: Why gradients are wrong when a node is used twice (a diamond).
ACCUMULATE_HINT = ("a node used more than once gets the sum of the gradients of its uses: "
                   "accumulate (grad = grad + g), never overwrite")


# ----- comparison helpers for the suites --------------------------------------------------------

#: Tolerances: closed-form comparisons in float64, and against finite differences.
RTOL, ATOL = 1e-7, 1e-9
FD_RTOL, FD_ATOL = 1e-5, 1e-6


def check_grads(got: Sequence[Any], want: Sequence[np.ndarray], what: str, hint: str = "",
                rtol: float = RTOL, atol: float = ATOL, none_is_zero: bool = False) -> None:
    """Compare gradients input by input; a None (no gradient) only matches when allowed."""
    from autograder.suites.checks import check_grads as check_each

    check_each(got, want, what, rtol=rtol, atol=atol, hint=hint, none_is_zero=none_is_zero)


def check_op(got: dict[str, Any], name: str, xs: Arrays, kw: dict[str, Any],
             grad_out: np.ndarray, hint: str = "", fd: bool | None = None) -> None:
    """Compare a `run_op` result with the closed-form reference, and with finite differences
    of the reference forward when the op is smooth (or `fd` says so)."""
    from autograder.judge.api import check_close
    from autograder.judge.shown import shown

    args = [f"shape {tuple(np.shape(x))}" for x in xs]
    args += [f"{k}={shown(v, limit=40)}" for k, v in kw.items()]
    label = f"{name}({', '.join(args)})"
    want = forward(name, xs, kw)
    check_close(got["value"], want, f"{label} value", hint=hint, rtol=RTOL, atol=ATOL)
    grads = vjp(name, xs, kw, grad_out)
    check_grads(got["grads"], grads, label, hint=hint)
    if fd if fd is not None else OPS[name].smooth:
        check_grads(got["grads"], op_finite_diff(name, xs, kw, grad_out),
                    f"{label} vs finite differences", hint=hint, rtol=FD_RTOL, atol=FD_ATOL)


def seed_like(shape: Sequence[int], salt: int = 0) -> np.ndarray:
    """A fixed, non-trivial grad_out of `shape` (different entries, both signs)."""
    n = int(np.prod(shape)) if len(shape) else 1
    values = np.cos(np.arange(n) * 1.7 + salt) + 0.1
    return values.reshape(tuple(shape))


def check_loss(got: dict[str, Any], value: float, grad: np.ndarray, what: str, hint: str = "",
               target_grad: np.ndarray | None = None) -> None:
    """Compare a `run_loss` result (a 0-d loss and its gradients) with the reference."""
    from autograder.suites.checks import check_loss as check_run_loss

    want = [value, grad] if target_grad is None else [value, grad, target_grad]
    check_run_loss(got, want, what, rtol=RTOL, atol=ATOL, hint=hint)


def optimizer_problem(seed: int, shapes: Sequence[Sequence[int]], steps: int,
                      skip: float = 0.0) -> dict[str, Any]:
    """Random parameters, quadratic-bowl scales and targets, and per-step gradient noise.

    With `skip` > 0, each (step, parameter) has that probability of getting no gradient.
    """
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=tuple(s)) for s in shapes]
    noise = [[None if rng.random() < skip else 0.1 * rng.normal(size=tuple(s)) for s in shapes]
             for _ in range(steps)]
    return {"params": params, "scales": [rng.uniform(0.5, 2.0, tuple(s)) for s in shapes],
            "targets": [rng.normal(size=tuple(s)) for s in shapes], "noise": noise,
            "steps": steps}


def check_trajectory(student: Any, probe: Any, name: str, kw: dict[str, Any],
                     problem: dict[str, Any], hint: str = "") -> None:
    """Run `name` in the worker and compare every parameter after every step (1e-10)."""
    from autograder.suites.checks import check_history

    args = [problem[k] for k in ("params", "scales", "targets", "noise", "steps")]
    got = student.call(probe, name, kw, *args)
    check_history(got, optimizer_trajectory(name, kw, *args), f"{name}({kw})", hint=hint)


def check_training_steps(layers: Sequence[tuple[str, list[np.ndarray]]],
                         training: dict[str, Any], x_train: np.ndarray, y_train: np.ndarray
                         ) -> None:
    """The first and the last optimizer step of the digits training, redone here: the batch
    the model saw must be training images divided by 16; on it, with the parameters the step
    started from, the judge's cross-entropy and backprop must give the loss the student
    backpropagated and every gradient the optimizer read (`DIGITS_STEP_RTOL`)."""
    from autograder.judge.api import check_close

    labels = {row.tobytes(): label for row, label in zip(x_train / 16.0, y_train, strict=True)}
    count = sum(len(params) for _, params in layers)
    for when in ("first", "last"):
        step = training[when]
        what = f"the {when} training step"
        assert sorted(k for k in step["index"] if k >= 0) == list(range(count)), (
            f"{what}: the optimizer's parameters are not exactly the model's parameters")
        batch = step["input"]
        assert batch is not None and batch.ndim == 2 and batch.shape[1] == 64, (
            f"{what}: no batch of shape (n, 64) went through model(...) before it")
        rows = [labels.get(np.ascontiguousarray(row).tobytes()) for row in batch]
        assert None not in rows, (f"{what}: row {rows.index(None)} of the batch is not a "
                                  "training image divided by 16")
        before = [np.empty(0)] * count
        grads: list[np.ndarray | None] = [None] * count
        for pos, k in enumerate(step["index"]):
            if k >= 0:
                before[k], grads[k] = step["before"][pos], step["grads"][pos]
        loss, want = mlp_cross_entropy(layers, before, batch, np.array(rows))
        assert step["loss"] is not None, f"{what}: no loss was backpropagated before it"
        check_close(step["loss"], loss, f"{what}: the loss you backpropagated",
                    hint="cross_entropy(model(Tensor(x / 16)), y) on the batch, nothing added",
                    rtol=DIGITS_STEP_RTOL, atol=DIGITS_STEP_RTOL)
        for k, (got, expected) in enumerate(zip(grads, want, strict=True)):
            assert got is not None, f"{what}: parameter {k} of the model had no gradient"
            check_close(got, expected, f"{what}: gradient of parameter {k} of the model",
                        hint="one loss.backward() after optimizer.zero_grad()",
                        rtol=DIGITS_STEP_RTOL, atol=DIGITS_STEP_RTOL)


def mlp_cross_entropy(layers: Sequence[tuple[str, list[np.ndarray]]], params: Arrays,
                      x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy of the network `layers` (kinds; parameters taken from `params` in
    order) on (x, y), and its gradient for every parameter, by hand-written backprop."""
    todo = iter(params)
    tape: list[tuple[str, list[np.ndarray], np.ndarray, np.ndarray]] = []
    h = x
    for kind, final in layers:
        mine = [next(todo) for _ in final]
        out = (h @ mine[0].T + (mine[1] if len(mine) > 1 else 0.0) if kind == "Linear"
               else np.maximum(h, 0.0) if kind == "ReLU" else np.tanh(h))
        tape.append((kind, mine, h, out))
        h = out
    loss, g = cross_entropy(h, y)
    grads: list[np.ndarray] = []
    for kind, mine, inp, out in reversed(tape):
        if kind == "Linear":
            grads[:0] = [g.T @ inp] + ([g.sum(axis=0)] if len(mine) > 1 else [])
            g = g @ mine[0]
        else:
            g = g * (inp > 0) if kind == "ReLU" else g * (1.0 - out * out)
    return loss, grads
