"""Level 1 probes: run inside the worker, next to the student's teenygrad; plain data out.

Each probe builds tensors from numpy inputs sent by the judge, calls the student's code, runs
backward, and returns values and gradients as arrays (None where a tensor got no gradient).
No verdicts here: the judge compares. Student modules are imported inside each probe so that a
broken file only fails the tests that need it.

The graph probes use three tiny ops defined here through the student's `Tensor.from_op`, so
part `graph` does not depend on the student's `ops.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.cases.indexing import axis_arg, decode_index

# ----- probe-defined primitive ops (graph and gradcheck parts) --------------------------------


def _from_op(data: Any, parents: tuple[Any, ...], vjp: Any, name: str) -> Any:
    from teenygrad.tensor import Tensor

    return Tensor.from_op(data, parents, vjp, name)


def _scale(x: Any, c: float) -> Any:
    return _from_op(x.data * c, (x,), lambda g: (g * c,), "probe_scale")


def _add(x: Any, y: Any) -> Any:
    return _from_op(x.data + y.data, (x, y), lambda g: (g, g), "probe_add")


def _mul(x: Any, y: Any) -> Any:
    return _from_op(x.data * y.data, (x, y), lambda g: (g * y.data, g * x.data), "probe_mul")


def _sin(x: Any) -> Any:
    return _from_op(np.sin(x.data), (x,), lambda g: (g * np.cos(x.data),), "probe_sin")


def _total(x: Any) -> Any:
    return _from_op(np.sum(x.data), (x,), lambda g: (np.broadcast_to(g, x.data.shape),),
                    "probe_sum")


def _grad(t: Any) -> np.ndarray | None:
    return None if t.grad is None else np.asarray(t.grad)


def _build_dag(inputs: list[np.ndarray], requires: list[bool], program: list[list[Any]]
               ) -> list[Any]:
    from teenygrad.tensor import Tensor

    nodes = [Tensor(x, requires_grad=r) for x, r in zip(inputs, requires, strict=True)]
    for op, i, j, c in program:
        if op == "scale":
            nodes.append(_scale(nodes[i], c))
        elif op == "add":
            nodes.append(_add(nodes[i], nodes[j]))
        elif op == "mul":
            nodes.append(_mul(nodes[i], nodes[j]))
        else:
            nodes.append(_sin(nodes[i]))
    return nodes


# ----- part graph --------------------------------------------------------------------------------


def leaf_facts() -> dict[str, Any]:
    """How the constructor treats dtypes, copies and the leaf attributes."""
    from teenygrad.tensor import Tensor

    source = np.array([1.0, 2.0])
    t = Tensor(source, requires_grad=True)
    source[0] = 99.0
    return {
        "list_float": str(Tensor([1.0, 2.0]).data.dtype),
        "list_int": str(Tensor([1, 2]).data.dtype),
        "scalar": [str(Tensor(3.0).data.dtype), list(Tensor(3.0).data.shape)],
        "float32": str(Tensor(np.ones(2, np.float32)).data.dtype),
        "copied": float(t.data[0]),
        "is_ndarray": isinstance(t.data, np.ndarray),
        "grad": t.grad,
        "requires_grad": [t.requires_grad, Tensor([1.0]).requires_grad],
        "is_leaf": t.is_leaf,
        "parents": len(t.parents),
    }


def int_requires_grad() -> None:
    """Ask for gradients on an integer tensor (must raise TypeError)."""
    from teenygrad.tensor import Tensor

    Tensor(np.array([1, 2, 3]), requires_grad=True)


def run_dag(inputs: list[np.ndarray], requires: list[bool], program: list[list[Any]],
            seed: np.ndarray) -> dict[str, Any]:
    """Build a DAG of probe ops, backward from the last node with `seed`; value and grads."""
    nodes = _build_dag(inputs, requires, program)
    nodes[-1].backward(seed)
    return {"value": np.asarray(nodes[-1].data), "grads": [_grad(n) for n in nodes[:len(inputs)]],
            "requires_grad": [bool(n.requires_grad) for n in nodes]}


#: Python's own recursion limit, the one `chain` runs under (CPython's default).
RECURSION_LIMIT = 1000


def chain(n: int, x0: np.ndarray, c: float) -> dict[str, Any]:
    """x -> c*x, n times, then sum; backward; the gradient is c**n (no recursion allowed).

    It runs under Python's default recursion limit, and reports whether the student's code
    tried to change it (`sys.setrecursionlimit` is watched during the call, and the limit read
    after it): a recursive sort under a raised limit is not the iterative one asked for."""
    import sys

    from teenygrad.tensor import Tensor

    x = Tensor(x0, requires_grad=True)
    y = x
    for _ in range(n):
        y = _scale(y, c)
    raised: list[int] = []
    original = sys.setrecursionlimit
    sys.setrecursionlimit(RECURSION_LIMIT)
    sys.setrecursionlimit = raised.append  # type: ignore[assignment] - a watch, undone below
    try:
        _total(y).backward()
    finally:
        changed = raised or sys.getrecursionlimit() != RECURSION_LIMIT
        sys.setrecursionlimit = original  # type: ignore[assignment]
    return {"value": np.asarray(y.data), "grad": _grad(x),
            "limit_raised": max(raised, default=sys.getrecursionlimit()) if changed else None}


def backward_twice(x0: np.ndarray, y0: np.ndarray) -> dict[str, Any]:
    """Two backward calls: through one graph twice, then through a fresh graph."""
    from teenygrad.tensor import Tensor

    x, y = Tensor(x0, requires_grad=True), Tensor(y0, requires_grad=True)
    loss = _total(_mul(x, y))
    loss.backward()
    first = _grad(x)
    loss.backward()
    second = _grad(x)
    _total(_sin(x)).backward()
    return {"first": first, "second": second, "third": _grad(x), "y": _grad(y)}


def toposort_order(inputs: list[np.ndarray], requires: list[bool],
                   program: list[list[Any]]) -> list[int]:
    """Indices (into the DAG's node list) of what `toposort(last node)` returns; -1 for a
    tensor that is not one of the nodes."""
    from teenygrad.tensor import toposort

    nodes = _build_dag(inputs, requires, program)
    where = {id(n): k for k, n in enumerate(nodes)}
    return [where.get(id(t), -1) for t in toposort(nodes[-1])]


def detach_facts(x0: np.ndarray) -> dict[str, Any]:
    """detach(): shared data, no graph, and no gradient flowing through it."""
    from teenygrad.tensor import Tensor

    x = Tensor(x0, requires_grad=True)
    y = _scale(x, 3.0)
    d = y.detach()
    out = _add(_mul(d, x), x)  # d(out)/dx = d + 1, with d treated as a constant
    _total(out).backward()
    return {"shares_data": d.data is y.data, "requires_grad": bool(d.requires_grad),
            "is_leaf": d.is_leaf, "grad": _grad(x), "d_grad": _grad(d)}


def no_grad_facts(x0: np.ndarray) -> dict[str, Any]:
    """Inside no_grad nothing is recorded; the state is restored on exit, on errors, nested."""
    from teenygrad.tensor import Tensor, is_grad_enabled, no_grad

    x = Tensor(x0, requires_grad=True)
    with no_grad():
        inside = _scale(x, 2.0)
        with no_grad():
            pass
        after_nested = _scale(x, 2.0)
        state_inside = is_grad_enabled()
    outside = _scale(x, 2.0)
    raised = False
    try:
        with no_grad():
            raise KeyError("probe")
    except KeyError:
        raised = True
    after_error = _scale(x, 2.0)
    return {
        "inside": [bool(inside.requires_grad), len(inside.parents)],
        "after_nested": bool(after_nested.requires_grad),
        "state_inside": bool(state_inside),
        "outside": [bool(outside.requires_grad), len(outside.parents)],
        "after_error": [raised, bool(after_error.requires_grad), bool(is_grad_enabled())],
    }


def backward_misuse(kind: str) -> None:
    """Call backward wrongly: `no_seed` (non-scalar, no seed), `bad_seed` (wrong shape),
    `leaf_seed_3x2` and `leaf_seed_1x3` (a wrongly shaped seed on a (2, 3) leaf, where no VJP
    would notice it), `vjp_3x2` and `vjp_1x3` (an op named `probe_bad_vjp` whose VJP returns
    a gradient of that shape for its (2, 3) input), `no_grad` (a tensor that does not require
    grad)."""
    from teenygrad.tensor import Tensor

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = _scale(x, 2.0)
    if kind == "no_seed":
        y.backward()
    elif kind == "bad_seed":
        y.backward(np.ones((3, 2)))
    elif kind.startswith("leaf_seed_"):
        x.backward(np.ones((3, 2) if kind.endswith("3x2") else (1, 3)))
    elif kind.startswith("vjp_"):
        shape = (3, 2) if kind.endswith("3x2") else (1, 3)
        bad = _from_op(x.data * 2.0, (x,), lambda g: (np.ones(shape),), "probe_bad_vjp")
        _total(bad).backward()
    else:
        Tensor(np.ones(3)).backward()


def seed_forms(x0: np.ndarray, seed: np.ndarray) -> dict[str, Any]:
    """x.grad after backward of 3 * x with `seed` given as an array, a list and a Tensor."""
    from teenygrad.tensor import Tensor

    grads = {}
    for form, given in (("array", np.array(seed)), ("list", np.array(seed).tolist()),
                        ("Tensor", Tensor(np.array(seed)))):
        x = Tensor(x0, requires_grad=True)
        _scale(x, 3.0).backward(given)
        grads[form] = _grad(x)
    return grads


def vjp_none_facts(x0: np.ndarray, y0: np.ndarray) -> dict[str, Any]:
    """An op of (x, y), both requiring grad, whose VJP returns None for y (y gets no gradient):
    backward from sum(2x); the gradients of x and y, with y the op's second parent and then
    its first."""
    from teenygrad.tensor import Tensor

    got: dict[str, Any] = {}
    for order in ("xy", "yx"):
        x, y = Tensor(x0, requires_grad=True), Tensor(y0, requires_grad=True)
        if order == "xy":
            out = _from_op(x.data * 2.0, (x, y), lambda g: (g * 2.0, None), "probe_ignores_y")
        else:
            out = _from_op(x.data * 2.0, (y, x), lambda g: (None, g * 2.0), "probe_ignores_y")
        _total(out).backward()
        got[order] = {"x": _grad(x), "y": _grad(y)}
    return got


def requires_grad_on(dtype: str) -> None:
    """Ask for gradients on a tensor of a non-floating `dtype` (must raise TypeError)."""
    from teenygrad.tensor import Tensor

    Tensor(np.zeros(3, dtype=dtype), requires_grad=True)


# ----- part ops ----------------------------------------------------------------------------------


def _call_op(ops: Any, name: str, xs: list[Any], kw: dict[str, Any]) -> Any:
    """Apply the student's op `name` to tensors `xs` with the judge's keyword arguments."""
    if name in ("sum", "mean", "max"):
        return getattr(ops, name)(xs[0], axis=axis_arg(kw.get("axis")),
                                  keepdims=kw.get("keepdims", False))
    if name == "logsumexp":
        return ops.logsumexp(xs[0], axis=axis_arg(kw.get("axis", -1)),
                             keepdims=kw.get("keepdims", False))
    if name in ("softmax", "log_softmax"):
        return getattr(ops, name)(xs[0], axis=kw.get("axis", -1))
    if name in ("pow_scalar", "square"):
        return ops.pow(xs[0], kw.get("exponent", 2.0))
    if name in ("reshape", "broadcast_to"):
        return getattr(ops, name)(xs[0], tuple(kw["shape"]))
    if name == "transpose":
        axes = kw.get("axes")
        return ops.transpose(xs[0], None if axes is None else tuple(axes))
    if name == "getitem":
        return ops.getitem(xs[0], decode_index(kw["index"]))
    if name in ("concatenate", "stack"):
        return getattr(ops, name)(xs, axis=kw.get("axis", 0))
    if name == "where":  # the condition as a bool array, or as a bool Tensor when asked
        condition: Any = np.asarray(kw["condition"], bool)
        if kw.get("condition_tensor"):
            from teenygrad.tensor import Tensor

            condition = Tensor(condition)
        return ops.where(condition, xs[0], xs[1])
    return getattr(ops, name)(*xs)


def run_op(name: str, inputs: list[Any], kw: dict[str, Any], grad_out: np.ndarray | None,
           requires: list[bool | None] | None = None) -> dict[str, Any]:
    """Apply op `name` to fresh leaves, backward with `grad_out`; value, grads and dtypes."""
    from teenygrad import ops
    from teenygrad.tensor import Tensor

    requires = requires or [np.asarray(x).dtype.kind == "f" for x in inputs]
    # An input whose `requires` entry is None goes to the op as it is (a Python number);
    # every other input becomes a fresh leaf tensor.
    leaves = [x if r is None else Tensor(x, requires_grad=r)
              for x, r in zip(inputs, requires, strict=True)]
    out = _call_op(ops, name, leaves, kw)
    if grad_out is not None:
        out.backward(grad_out)
    tensors = [t if isinstance(t, Tensor) else None for t in leaves]
    return {"value": np.asarray(out.data),
            "grads": [None if t is None else _grad(t) for t in tensors],
            "dtype": str(out.data.dtype),
            "grad_dtypes": [None if t is None or t.grad is None else str(t.grad.dtype)
                            for t in tensors]}


def run_unbroadcast(grad: np.ndarray, shape: list[int]) -> np.ndarray:
    """The student's `unbroadcast(grad, shape)`."""
    from teenygrad.ops import unbroadcast

    return np.asarray(unbroadcast(np.array(grad), tuple(shape)))


def unbroadcast_returns_grad(grad: np.ndarray) -> bool:
    """Whether the student's `unbroadcast(grad, shape)` with shape == grad.shape (an equal
    tuple, not the same object) returns `grad` itself."""
    from teenygrad.ops import unbroadcast

    g = np.array(grad)
    return unbroadcast(g, tuple(list(g.shape))) is g


def run_program(inputs: list[np.ndarray], program: list[list[Any]], grad_out: np.ndarray
                ) -> dict[str, Any]:
    """Evaluate a straight-line program of the student's ops and backward through it."""
    from teenygrad import ops
    from teenygrad.tensor import Tensor

    nodes = [Tensor(x, requires_grad=True) for x in inputs]
    for name, args, kw in program:
        nodes.append(_call_op(ops, name, [nodes[i] for i in args], kw))
    nodes[-1].backward(grad_out)
    return {"value": np.asarray(nodes[-1].data), "grads": [_grad(t) for t in nodes[:len(inputs)]]}


def operators(x0: np.ndarray, y0: np.ndarray) -> dict[str, Any]:
    """The given operator methods (x + 2, 2 - x, x ** 2, x @ y, ...) reach the student's ops."""
    from teenygrad.tensor import Tensor

    x, y = Tensor(x0, requires_grad=True), Tensor(y0, requires_grad=True)
    out = ((2.0 - x) * 3.0 + x / 2.0 - (-x) ** 2.0 + 1.0 / (x * x + 1.0)) @ y
    out.sum().backward()
    return {"value": np.asarray(out.data), "grads": [_grad(x), _grad(y)]}


# ----- part losses -------------------------------------------------------------------------------


def run_loss(name: str, prediction: np.ndarray, target: np.ndarray, target_grad: bool,
             target_form: str = "array") -> dict[str, Any]:
    """A loss of the student's `losses` module on fresh leaves, then backward(); cross_entropy's
    targets given as an array, a `list` or an int `Tensor` (`target_form`)."""
    from teenygrad import losses
    from teenygrad.tensor import Tensor

    p = Tensor(prediction, requires_grad=True)
    if name == "cross_entropy":
        t: Any = np.asarray(target)
        t = t.tolist() if target_form == "list" else Tensor(t) if target_form == "Tensor" else t
    else:
        t = Tensor(target, requires_grad=target_grad)
    out = getattr(losses, name)(p, t)
    out.backward()
    return {"value": np.asarray(out.data), "shape": list(np.shape(out.data)),
            "grad": _grad(p), "target_grad": _grad(t) if isinstance(t, Tensor) else None}


# ----- part gradcheck ----------------------------------------------------------------------------


def _function(name: str) -> Any:
    """Functions of probe ops: `sin_mul` = sum(sin(x) * y); `sin_plus_sum` = sum(sin(x)) +
    sum(e) (e may be empty); `wrong` has a VJP off by 2."""
    if name == "sin_mul":
        return lambda x, y: _total(_mul(_sin(x), y))
    if name == "sin_plus_sum":
        return lambda x, e: _add(_total(_sin(x)), _total(e))
    if name == "square":
        return lambda x: _total(_mul(x, x))

    def doubled(x: Any) -> Any:  # forward x*x, VJP claims 4x instead of 2x
        return _total(_from_op(x.data * x.data, (x,), lambda g: (4 * g * x.data,), "wrong"))

    return doubled


def numerical_grad(function: str, inputs: list[np.ndarray], eps: float) -> list[np.ndarray]:
    """The student's `numerical_grad` on one of the probe functions."""
    from teenygrad.gradcheck import numerical_grad as student_numerical_grad

    return [np.asarray(g) for g in student_numerical_grad(_function(function), inputs, eps)]


def gradcheck(function: str, inputs: list[np.ndarray]) -> dict[str, Any]:
    """The student's `gradcheck` report on one of the probe functions, as plain data."""
    from teenygrad.gradcheck import gradcheck as student_gradcheck

    copies = [np.array(x) for x in inputs]
    report = student_gradcheck(_function(function), copies)
    return {"ok": bool(report.ok), "analytic": [np.asarray(a) for a in report.analytic],
            "numeric": [np.asarray(n) for n in report.numeric],
            "abs_errors": [float(e) for e in report.abs_errors],
            "rel_errors": [float(e) for e in report.rel_errors],
            "inputs_unchanged": all(np.array_equal(a, b) for a, b in zip(copies, inputs,
                                                                        strict=True))}


# ----- part optim --------------------------------------------------------------------------------


def run_optimizer(name: str, kw: dict[str, Any], params: list[np.ndarray],
                  scales: list[np.ndarray], targets: list[np.ndarray],
                  noise: list[list[np.ndarray | None]], steps: int,
                  module: str = "optim") -> list[np.ndarray]:
    """`steps` updates of the student's optimizer `teenygrad.<module>.<name>`; per parameter
    the (steps+1, ...) history.

    The gradient is set by hand each step: scale * (p - target) + noise[t] (None: no grad).
    """
    import importlib

    from teenygrad.tensor import Tensor

    ps = [Tensor(p, requires_grad=True) for p in params]
    optimizers = importlib.import_module(f"teenygrad.{module}")
    opt = getattr(optimizers, name)(ps, **{k: tuple(v) if isinstance(v, list) else v
                                      for k, v in kw.items()})
    history = [[np.array(p.data)] for p in ps]
    for t in range(steps):
        opt.zero_grad()
        for i, p in enumerate(ps):
            if noise[t][i] is not None:
                p.grad = scales[i] * (p.data - targets[i]) + noise[t][i]
        opt.step()
        for i, p in enumerate(ps):
            history[i].append(np.array(p.data))
    return [np.stack(h) for h in history]


def optimizer_graph(name: str, kw: dict[str, Any], p0: np.ndarray, steps: int
                    ) -> dict[str, Any]:
    """Train with real backward() for a few steps: parameters must stay leaves."""
    from teenygrad import optim
    from teenygrad.tensor import Tensor

    p = Tensor(p0, requires_grad=True)
    array = p.data
    opt = getattr(optim, name)([p], **kw)
    for _ in range(steps):
        opt.zero_grad()
        _total(_mul(_sin(p), p)).backward()
        opt.step()
    grad_after_step = p.grad is not None
    opt.zero_grad()
    return {"is_leaf": bool(p.is_leaf), "parents": len(p.parents),
            "requires_grad": bool(p.requires_grad), "ndarray": isinstance(p.data, np.ndarray),
            "same_shape": list(p.data.shape) == list(p0.shape),
            "moved": bool(not np.array_equal(p.data, p0)), "grad_kept": grad_after_step,
            "grad_after_zero": p.grad is None, "in_place": p.data is array}


def make_optimizer(name: str, kw: dict[str, Any], shapes: list[list[int]]) -> None:
    """Construct an optimizer (the judge expects a ValueError for invalid arguments)."""
    from teenygrad import optim
    from teenygrad.tensor import Tensor

    params = [Tensor(np.ones(s), requires_grad=True) for s in shapes]
    getattr(optim, name)(params, **kw)


def newton_schulz(g: np.ndarray) -> np.ndarray:
    """The student's `newton_schulz` with its default steps and coefficients."""
    from teenygrad.optim import newton_schulz as student_newton_schulz

    return np.asarray(student_newton_schulz(np.array(g)))


# ----- part nn -----------------------------------------------------------------------------------


def linear(n_in: int, n_out: int, weight: np.ndarray, bias: np.ndarray, x: np.ndarray,
           grad_out: np.ndarray) -> dict[str, Any]:
    """Linear with the judge's weights: output and gradients for x, weight and bias."""
    from teenygrad.nn import Linear
    from teenygrad.tensor import Tensor

    layer = Linear(n_in, n_out)
    shapes = [list(layer.weight.shape), list(layer.bias.shape)]
    layer.weight.data[...] = weight
    layer.bias.data[...] = bias
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    out.backward(grad_out)
    return {"shapes": shapes, "value": np.asarray(out.data),
            "grads": [_grad(xt), _grad(layer.weight), _grad(layer.bias)],
            "parameters": [list(p.shape) for p in layer.parameters()]}


def linear_init(n_in: int, n_out: int, seed: int) -> dict[str, Any]:
    """Fresh Linear layers: their initial weights and biases, twice with the same seed."""
    from teenygrad.nn import Linear

    a, b = Linear(n_in, n_out, rng=seed), Linear(n_in, n_out, rng=seed)
    no_bias = Linear(n_in, n_out, bias=False, rng=seed)
    return {"weight": np.array(a.weight.data), "bias": np.array(a.bias.data),
            "repeat_weight": np.array(b.weight.data), "dtype": str(a.weight.data.dtype),
            "requires_grad": [bool(a.weight.requires_grad), bool(a.bias.requires_grad)],
            "no_bias": [no_bias.bias is None, len(no_bias.parameters())]}


def parameters(kind: str) -> dict[str, Any]:
    """parameters() of a Sequential, or of a custom module with nesting, lists and sharing."""
    from teenygrad.nn import Linear, Module, ReLU, Sequential
    from teenygrad.tensor import Tensor

    if kind == "sequential":
        model: Any = Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 2, rng=1))
        expected = [model.layers[0].weight, model.layers[0].bias, model.layers[2].weight,
                    model.layers[2].bias]
    else:
        class Block(Module):
            def __init__(self) -> None:
                self.scale = Tensor(np.ones(5), requires_grad=True)
                self.frozen = Tensor(np.ones(7))
                self.inner = Linear(2, 3, rng=2)
                self.heads = [Linear(3, 1, rng=3), [Linear(1, 6, rng=4)]]
                self.tied = self.inner.weight
                self.name = "block"

        model = Block()
        expected = [model.scale, model.inner.weight, model.inner.bias, model.heads[0].weight,
                    model.heads[0].bias, model.heads[1][0].weight, model.heads[1][0].bias]
    got = model.parameters()
    index = {id(t): k for k, t in enumerate(expected)}
    return {"order": [index.get(id(t), -1) for t in got], "count": len(expected)}


def activations(x: np.ndarray, grad_out: np.ndarray) -> dict[str, Any]:
    """ReLU and Tanh modules, and Sequential(ReLU(), Tanh()), forward and backward."""
    from teenygrad.nn import ReLU, Sequential, Tanh
    from teenygrad.tensor import Tensor

    result: dict[str, Any] = {}
    for key, module in (("relu", ReLU()), ("tanh", Tanh()),
                        ("sequential", Sequential(ReLU(), Tanh()))):
        xt = Tensor(x, requires_grad=True)
        out = module(xt)
        out.backward(grad_out)
        result[key] = [np.asarray(out.data), _grad(xt)]
    return result


def dataloader(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: int,
               drop_last: bool, epochs: int) -> dict[str, Any]:
    """len() and every batch of a few epochs."""
    from teenygrad.nn import DataLoader

    loader = DataLoader(x, y, batch_size, shuffle=shuffle, rng=seed, drop_last=drop_last)
    batches = [[[np.asarray(xb), np.asarray(yb)] for xb, yb in loader] for _ in range(epochs)]
    return {"len": len(loader), "epochs": batches}


def dataloader_mismatch(x_rows: int = 5, y_rows: int = 4) -> None:
    """x and y with different lengths (the judge expects ValueError)."""
    from teenygrad.nn import DataLoader

    DataLoader(np.zeros((x_rows, 2)), np.zeros(y_rows), 2)


# ----- part capstone -----------------------------------------------------------------------------


class _Training:
    """Watches the student's training from the inside, for the duration of one call.

    It wraps, on the student's own classes, `nn.Linear.__init__` (each layer's parameters as
    built), `nn.Sequential.forward` (the last input seen with gradients on), `Tensor.backward`
    (the loss values backpropagated, and a copy of the gradients each backward left on the
    optimizers' parameters) and `optim.Optimizer.__init__`, which gives each new optimizer an
    observed `step` (parameters before, the gradients it read and whether they are still the
    ones backward left, parameters after). Every step is also compared with the one before:
    a parameter must start a step where the previous step left it (its first step: where its
    Linear was built), and each step's optimizer class is noted. All of it is undone on exit.
    Facts only: the judge decides what they prove.
    """

    def __init__(self, history: bool = False) -> None:
        self.history: list[np.ndarray] | None = [] if history else None
        self.built: dict[int, tuple[Any, list[np.ndarray | None]]] = {}
        self.optimizers: list[Any] = []
        self.left: dict[int, np.ndarray | None] = {}
        self.stepped: set[int] = set()
        self.losses: list[float] = []
        self.steps = 0
        self.backwards = 0
        self.model_input: np.ndarray | None = None
        self.first: dict[str, Any] | None = None
        self.last: dict[str, Any] | None = None
        #: Where each parameter should be at the start of its next step (by id): where the
        #: last step left it, or, before its first, where its Linear was built.
        self.expected: dict[int, np.ndarray | None] = {}
        self.jumps = 0  # parameter-steps that started elsewhere
        self.first_jump: tuple[int, int] | None = None  # (step number, parameter id)
        self.not_from_backward = 0  # steps that read a gradient backward() did not leave
        self.optimizer_classes: set[str] = set()
        self._originals: dict[str, Any] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> _Training:
        from teenygrad import nn, optim, tensor

        def linear_init(layer: Any, *args: Any, **kwargs: Any) -> None:
            self._originals["linear"](layer, *args, **kwargs)
            params = [getattr(layer, "weight", None), getattr(layer, "bias", None)]
            initial = [_copy(p) for p in params]
            self.built[id(layer)] = (layer, initial)
            for param, value in zip(params, initial, strict=True):
                if value is not None:  # read only: built and expected may share the copy
                    self.expected[id(param)] = value

        def forward(model: Any, x: Any) -> Any:
            if tensor.is_grad_enabled():
                self.model_input = np.array(getattr(x, "data", x), dtype=np.float64)
            return self._originals["forward"](model, x)

        def backward(t: Any, *args: Any, **kwargs: Any) -> None:
            self.backwards += 1
            if np.ndim(t.data) == 0:
                self.losses.append(float(t.data))
            params = [p for opt in self.optimizers for p in opt.params]
            before = {id(p): None if p.grad is None else np.array(p.grad) for p in params}
            self._originals["backward"](t, *args, **kwargs)
            # Only a gradient a backward() wrote counts as left by one: a gradient set by hand
            # before a backward() that never reached the parameter does not.
            for p in params:
                if p.grad is None:
                    self.left[id(p)] = None
                elif before[id(p)] is None or not np.array_equal(p.grad, before[id(p)]):
                    self.left[id(p)] = np.array(p.grad)

        def optimizer_init(opt: Any, *args: Any, **kwargs: Any) -> None:
            self._originals["optimizer"](opt, *args, **kwargs)
            self.optimizers.append(opt)
            real_step = opt.step
            opt.step = lambda: self._step(opt, real_step)

        self._originals |= {"linear": nn.Linear.__init__, "forward": nn.Sequential.forward,
                            "backward": tensor.Tensor.backward,
                            "optimizer": optim.Optimizer.__init__}
        for owner, name, wrapper in ((nn.Linear, "__init__", linear_init),
                                     (nn.Sequential, "forward", forward),
                                     (tensor.Tensor, "backward", backward),
                                     (optim.Optimizer, "__init__", optimizer_init)):
            self._undo.append((owner, name, vars(owner).get(name)))
            setattr(owner, name, wrapper)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for owner, name, original in reversed(self._undo):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    def _step(self, opt: Any, real_step: Any) -> None:
        params = list(opt.params)
        record = {"ids": [id(p) for p in params], "before": [_copy(p) for p in params],
                  "grads": [None if p.grad is None else np.array(p.grad, dtype=np.float64)
                            for p in params],
                  "input": self.model_input, "loss": self.losses[-1] if self.losses else None,
                  "backwards": self.backwards,
                  "from_backward": [p.grad is not None and self.left.get(id(p)) is not None
                                    and np.array_equal(p.grad, self.left[id(p)])
                                    for p in params]}
        for param, before in zip(params, record["before"], strict=True):
            expected = self.expected.get(id(param))
            if expected is not None and (before is None or before.shape != expected.shape
                                         or not np.array_equal(before, expected)):
                self.jumps += 1
                self.first_jump = self.first_jump or (self.steps + 1, id(param))
        if not all(record["from_backward"]):
            self.not_from_backward += 1
        kind = type(opt)
        self.optimizer_classes.add(f"{kind.__module__}.{kind.__qualname__}")
        real_step()
        record["after"] = [_copy(p) for p in params]
        for param, after in zip(params, record["after"], strict=True):
            self.expected[id(param)] = after
        self.steps += 1
        self.backwards = 0
        self.stepped.update(record["ids"])
        self.first = self.first or record
        self.last = record
        if self.history is not None and record["ids"] == self.first["ids"]:
            self.history.append(np.concatenate([np.ravel(a) for a in record["after"]]))

    def report(self, tensors: list[Any]) -> dict[str, Any]:
        """What was seen, with tensors named by their index in `tensors` (-1: not there)."""
        where = {id(t): k for k, t in enumerate(tensors)}

        def step(record: dict[str, Any] | None) -> dict[str, Any] | None:
            if record is None:
                return None
            out = {k: v for k, v in record.items() if k != "ids"}
            return out | {"index": [where.get(i, -1) for i in record["ids"]]}

        jump = None if self.first_jump is None else {
            "step": self.first_jump[0], "index": where.get(self.first_jump[1], -1)}
        return {"steps": self.steps, "losses": np.array(self.losses, dtype=np.float64),
                "stepped": [id(t) in self.stepped for t in tensors],
                "first": step(self.first), "last": step(self.last),
                "history": None if self.history is None else np.array(self.history),
                "jumps": self.jumps, "first_jump": jump,
                "not_from_backward": self.not_from_backward,
                "optimizers": sorted(self.optimizer_classes)}


def _copy(t: Any) -> np.ndarray | None:
    """A float64 copy of a tensor's data (None for anything that is not a tensor)."""
    data = getattr(t, "data", None)
    return None if not isinstance(data, np.ndarray) else np.array(data, dtype=np.float64)


def _network(model: Any, built: dict[int, tuple[Any, list[np.ndarray | None]]]
             ) -> tuple[dict[str, Any], list[Any]]:
    """The model as plain data (its type, each layer's kind and parameters, each Linear's
    parameters as built during training or None), and its parameter tensors in layer order."""
    from teenygrad.nn import Linear, Sequential
    from teenygrad.tensor import Tensor

    facts: dict[str, Any] = {"type": type(model).__name__, "sequential": type(model) is Sequential,
                             "layers": []}
    tensors: list[Any] = []
    layers = getattr(model, "layers", None) if facts["sequential"] else None
    for layer in layers if isinstance(layers, list) else []:
        entry: dict[str, Any] = {"kind": type(layer).__name__}
        if type(layer) is Linear:
            params = [getattr(layer, "weight", None), getattr(layer, "bias", None)]
            entry["tensors"] = all(p is None or isinstance(p, Tensor) for p in params[1:]) \
                and isinstance(params[0], Tensor)
            entry["params"] = [_copy(p) for p in params]
            entry["initial"] = built[id(layer)][1] if id(layer) in built else None
            tensors.extend(p for p in params if p is not None)
        facts["layers"].append(entry)
    return facts, tensors


def digits(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, seed: int
           ) -> dict[str, Any]:
    """Train the student's digits model, watching the training; the model as plain data, what
    was seen while it trained, and the student's `predict_digits` on the judge's inputs."""
    from teenygrad import capstone

    with _Training() as seen:
        model = capstone.train_digits(np.array(x_train), np.array(y_train), seed=seed)
    network, tensors = _network(model, seen.built)
    predicted = np.asarray(capstone.predict_digits(model, np.array(x_test))).astype(np.int64)
    return {"network": network, "training": seen.report(tensors), "predicted": predicted}


def regression(method: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[w..., b] from `fit_normal_equations` or `fit_gradient_descent`."""
    from teenygrad import capstone

    fit = capstone.fit_normal_equations if method == "normal" else capstone.fit_gradient_descent
    w, b = fit(np.array(x), np.array(y))
    return np.append(np.asarray(w, dtype=np.float64).reshape(-1), float(b))


def gradient_descent(x: np.ndarray, y: np.ndarray, steps: int, lr: float, momentum: float
                     ) -> dict[str, Any]:
    """`fit_gradient_descent` with the judge's settings, watching it: [w..., b], and every
    optimizer step's parameters (one row per step, the optimizer's tensors flattened and
    concatenated in its order) and every loss backpropagated."""
    from teenygrad import capstone

    with _Training(history=True) as seen:
        w, b = capstone.fit_gradient_descent(np.array(x), np.array(y), steps=steps, lr=lr,
                                             momentum=momentum)
    report = seen.report([])
    return {"fit": np.append(np.asarray(w, dtype=np.float64).reshape(-1), float(b)),
            **{key: report[key] for key in ("steps", "history", "losses", "jumps",
                                            "not_from_backward", "optimizers")}}
