"""Checks the public suites run on what the student's code gave back: comparisons and rules.

Shipped to students with the public suites, so nothing here is an answer: expected values come
from `autograder.suites.oracle`; these functions only compare, explain and enforce the rules a
handout states (no itertools, no explicit inverse).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from autograder.judge.api import check_close, check_equal

#: Names that form an explicit inverse (the estimation handout asks for np.linalg.solve).
INVERSES = ("inv", "pinv", "tensorinv")


# -- numbers and arrays sent back by the level -2 probes -----------------------------------------
def number(value: Any) -> Fraction | float:
    """A probe's number ({"fraction": [n, d]} or a float); AssertionError for anything else."""
    if isinstance(value, float):
        return value
    if isinstance(value, dict) and "fraction" in value:
        try:
            return Fraction(*value["fraction"])
        except (TypeError, ValueError, ZeroDivisionError):  # only a forged reply gets here
            raise AssertionError("your code's number came back malformed") from None
    kind = value.get("type") if isinstance(value, dict) else type(value).__name__
    raise AssertionError(f"expected a number (int, float or Fraction), your code returned a {kind}")


def float_of(value: Any, what: str) -> float:
    """A probe's number (see `number`) as a float; AssertionError, naming `what`, when it is
    beyond any float (a student's int of a thousand digits)."""
    exact = number(value)
    try:
        return float(exact)
    except OverflowError:
        raise AssertionError(f"{what} returned {number_text(exact)}, far beyond any float") \
            from None


def number_text(value: Fraction | float) -> str:
    """A number for a message: a Fraction exactly (cut short past 60 characters) and, unless
    whole, also as a float; a float to 12 significant digits."""
    if not isinstance(value, Fraction):
        return f"{value:.12g}"
    text = str(value) if len(str(value)) <= 60 else f"{str(value)[:57]}..."
    if value.denominator == 1:
        return text
    try:
        return f"{text} = {float(value):.10g}"
    except OverflowError:  # a student's answer may be far beyond any float
        return f"{text} (beyond any float)"


def check_number(got: Any, want: Fraction | float, what: str, hint: str = "", *,
                 tol: float) -> None:
    """`got` (probe data) is `want`: exactly when both are Fractions, else within `tol`."""
    value = number(got)
    exact = isinstance(value, Fraction) and isinstance(want, Fraction)
    try:
        if value == want if exact else abs(float(value) - float(want)) <= tol:
            return
    except OverflowError:  # a student's int of a thousand digits is beyond any float: wrong
        pass
    raise AssertionError(f"{what}: got {number_text(value)}, expected {number_text(want)}"
                         + (f" ({hint})" if hint else ""))


def check_array(got: Any, want: Any, what: str, hint: str = "", rtol: float = 1e-9,
                atol: float = 1e-12) -> None:
    """`got` (probe data) matches `want` in shape and values, NaN only where `want` has NaN."""
    if isinstance(got, dict):
        raise AssertionError(f"{what}: expected an array, your code returned a {got.get('type')}")
    check_close(got, want, what=what, hint=hint, rtol=rtol, atol=atol)


def outcome(value: Any) -> Any:
    """An outcome sent back by a probe, with its lists made tuples again."""
    if isinstance(value, list):
        return tuple(outcome(v) for v in value)
    return value


# -- rules on the student's source (read by the judge) and on what it called ----------------------
def _student_tree(source: str | None) -> ast.AST:
    """A student file as read by the judge, parsed; AssertionError when missing or broken."""
    assert source is not None, "the file is missing from your submission"
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        raise AssertionError(f"the file does not parse: line {exc.lineno}: {exc.msg}") from None


def _imported(node: ast.AST) -> str | None:
    """The module a `from` import (or an import by name, as a string) brings in, if any."""
    if isinstance(node, ast.ImportFrom):
        return node.module
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if node.value.split(".")[0] == "itertools" else None
    return None


def _module_keys(module: str) -> list[str]:
    """The file keys a student module name may live in (`pkg.mod`: pkg/mod.py, its package)."""
    path = module.replace(".", "/")
    return [f"{path}.py", f"{path}/__init__.py"]


def _enclosing_inits(module: str) -> list[str]:
    """The `__init__.py` keys of the packages that hold `module` (`a.b.c`: a/, a/b/), which
    Python runs before it."""
    pieces = module.split(".")
    return ["/".join(pieces[:i]) + "/__init__.py" for i in range(1, len(pieces))]


def _local_imports(tree: ast.AST, key: str) -> list[str]:
    """Every module name the file `key` imports (relative ones resolved), including each
    `from M import name` as M.name too (it may be a submodule), and string constants given
    to `import_module`/`__import__`."""
    package = key.rsplit("/", 1)[0].replace("/", ".") if "/" in key else ""
    if key.endswith("/__init__.py"):
        package = key[: -len("/__init__.py")].replace("/", ".")
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", None)) in ("import_module", "__import__"):
            names += [a.value for a in node.args[:1]
                      if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return [name for name in names if name]


def import_closure(read: Callable[[str], str | None], key: str) -> dict[str, str | None]:
    """The student file `key` and every student file it reaches by importing (the packages
    on its path, whose `__init__.py` Python runs first, included), by key, as the judge reads
    them: a rule about one file's code also holds for the helpers it imports."""
    top = key.split("/", 1)[0]
    pending = [key, *_enclosing_inits(key.removesuffix(".py").replace("/", "."))]
    sources: dict[str, str | None] = {}
    while pending:
        current = pending.pop(0)
        if current in sources:
            continue
        source = read(current)
        if source is None and current != key:
            continue  # not a student file (a module of the library, a namespace package)
        sources[current] = source
        try:
            tree = ast.parse(source or "")
        except SyntaxError:
            continue  # reported by the check on this file
        for name in _local_imports(tree, current):
            if name.split(".")[0] == top:
                pending += [*_module_keys(name), *_enclosing_inits(name)]
    return sources


def _files(sources: Mapping[str, str | None] | str | None, label: str) -> dict[str, str | None]:
    return dict(sources) if isinstance(sources, Mapping) else {label: sources}


def check_no_itertools(sources: Mapping[str, str | None] | str | None, watched: list[str],
                       label: str = "counting.py") -> None:
    """The counting functions are written by backtracking: no itertools in their file or any
    student file it imports (`import_closure`; imports, or the name in a string), and no
    itertools function called while running. `sources`: one file's source (named `label`),
    or several by key."""
    found = []
    for name, source in _files(sources, label).items():
        for node in ast.walk(_student_tree(source)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [_imported(node)])
            hits = [n for n in names if n and n.split(".")[0] in ("itertools", "more_itertools")]
            if hits:
                found.append(f"{name}:{node.lineno}: uses {hits[0]}")
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    assert not found, f"write this by backtracking, without itertools: {found[0]}{more}"
    ran = [name for name in watched if name.startswith("itertools")]
    assert not ran, f"write this by backtracking: your code called {ran[0]} while running"


def check_no_inverse(source: str | None, watched: list[str], function: str,
                     label: str = "estimation.py") -> None:
    """`function` solves its linear system without forming an inverse (in its source or at run
    time)."""
    for node in ast.walk(_student_tree(source)):
        if not (isinstance(node, ast.FunctionDef) and node.name == function):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and {a.name for a in inner.names} & set(INVERSES):
                raise AssertionError(f"solve the linear system with np.linalg.solve, no inverse: "
                                     f"{label}:{inner.lineno}: {function} imports an inverse")
            name = getattr(inner, "attr", None) or getattr(inner, "id", None)
            if isinstance(inner, ast.Attribute | ast.Name) and name in INVERSES:
                raise AssertionError(f"solve the linear system with np.linalg.solve, no inverse: "
                                     f"{label}:{inner.lineno}: {function} uses {name}")
    ran = [name for name in watched if name.startswith("numpy.linalg")]
    assert not ran, f"{function} called {ran[0]} while running: use np.linalg.solve instead"


# -- level 1: gradients, losses, optimizer trajectories -------------------------------------------
def check_grads(got: Sequence[Any], want: Sequence[np.ndarray], what: str, *, rtol: float,
                atol: float, hint: str = "", none_is_zero: bool = False) -> None:
    """One gradient per input, each close to the expected one; None (no gradient) fails,
    unless `none_is_zero` and the expected gradient is all zeros."""
    assert len(got) == len(want), f"{what}: {len(got)} gradients, expected {len(want)}"
    for k, (mine, expected) in enumerate(zip(got, want, strict=True)):
        if mine is None:
            if none_is_zero and not np.any(expected):
                continue
            raise AssertionError(f"{what}: input {k} got no gradient (.grad is None)"
                                 + (f" — {hint}" if hint else ""))
        check_close(mine, expected, what=f"{what}, gradient of input {k}", hint=hint, rtol=rtol,
                    atol=atol)


def check_loss(got: dict[str, Any], want: Sequence[Any], what: str, *, rtol: float, atol: float,
               hint: str = "") -> None:
    """A `run_loss` result against (value, gradient[, gradient w.r.t. the target])."""
    check_equal(got["shape"], [], f"{what}: shape of the loss", hint="return a 0-d tensor")
    names = ("value", "gradient", "gradient w.r.t. the target")
    for key, name, expected in zip(("value", "grad", "target_grad"), names, want, strict=False):
        check_close(got[key], expected, f"{what}: {name}", hint=hint, rtol=rtol, atol=atol)


def check_history(got: Sequence[Any], want: Sequence[np.ndarray], label: str, hint: str = "",
                  tol: float = 1e-10) -> None:
    """Every parameter after every optimizer step (row t of each history) within `tol`."""
    assert len(got) == len(want), f"{label}: {len(got)} parameter histories, expected {len(want)}"
    for k, (mine, expected) in enumerate(zip(got, want, strict=True)):
        mine = np.asarray(mine)
        if mine.shape != expected.shape:
            raise AssertionError(f"{label}: parameter {k} history has shape {mine.shape}, "
                                 f"expected {expected.shape}")
        for t in range(1, len(expected)):
            check_close(mine[t], expected[t], f"{label}: parameter {k} after step {t}",
                        hint=hint, rtol=tol, atol=tol)


# -- level 1 capstone: the digits network the student trained ------------------------------------
#: The capstone's contract: the network's input is the raw pixels divided by this ([0, 1]).
DIGITS_PIXEL_MAX = 16.0
#: Activation layers the grader runs itself, by the class name of the student's layer.
ACTIVATIONS = {"ReLU": lambda z: np.maximum(z, 0.0), "Tanh": np.tanh}
DIGITS_INPUTS, DIGITS_CLASSES = 64, 10

Layers = list[tuple[str, list[np.ndarray]]]


def digits_layers(network: dict[str, Any]) -> Layers:
    """The network the probe sent back as [(kind, parameters)], e.g. [("Linear", [w, b]),
    ("ReLU", []), ...]; one-line AssertionError unless it is a Sequential of Linear layers
    (Tensor parameters, shapes chaining from 64 inputs to 10 logits) and ReLU/Tanh layers."""
    assert network["sequential"], (
        f"train_digits returned a {network['type']}, not a teenygrad.nn.Sequential: the digits "
        "grade is earned by the network you trained, which the grader runs itself")
    assert network["layers"], "the Sequential has no layers (keep them in the list self.layers)"
    layers: Layers = []
    width = DIGITS_INPUTS
    for k, layer in enumerate(network["layers"]):
        kind = layer["kind"]
        if kind in ACTIVATIONS:
            layers.append((kind, []))
            continue
        assert kind == "Linear", (f"layer {k} of the Sequential is a {kind}: the grader runs only "
                                  "Linear, ReLU and Tanh layers")
        assert layer["tensors"], f"layer {k} (Linear): weight and bias must be teenygrad Tensors"
        w, b = layer["params"]
        assert w.ndim == 2 and w.shape[1] == width and (b is None or b.shape == w.shape[:1]), (
            f"layer {k} (Linear): weight {w.shape} and bias {None if b is None else b.shape} do "
            f"not fit: the layer before gives {width} features")
        width = w.shape[0]
        layers.append((kind, [w] if b is None else [w, b]))
    assert layers[-1][0] == "Linear" and width == DIGITS_CLASSES, (
        f"the network must end with a Linear layer giving {DIGITS_CLASSES} logits (one per digit)")
    return layers


def digits_parameters(layers: Layers) -> list[np.ndarray]:
    """The network's parameters in the order the probe names them: weight, bias per Linear."""
    return [p for _, params in layers for p in params]


def digits_logits(layers: Layers, inputs: np.ndarray) -> np.ndarray:
    """The grader's forward pass: `inputs` (already divided by 16) through every layer."""
    h = inputs
    for kind, params in layers:
        if kind == "Linear":
            h = h @ params[0].T + (params[1] if len(params) > 1 else 0.0)
        else:
            h = ACTIVATIONS[kind](h)
    return h


def check_predictions_agree(predicted: np.ndarray, logits: np.ndarray, label: str) -> None:
    """The student's `predict_digits` gives the argmax of the network's logits (rows whose two
    largest logits tie to 1e-9 may go either way)."""
    check_equal(list(predicted.shape), [len(logits)], f"{label}: shape of predict_digits")
    top2 = np.sort(logits, axis=1)[:, -2:]
    wrong = np.flatnonzero((predicted != np.argmax(logits, axis=1))
                           & (top2[:, 1] - top2[:, 0] > 1e-9))
    assert not len(wrong), (
        f"{label}: predict_digits disagrees with your network on {len(wrong)} of "
        f"{len(logits)} digits (first: row {wrong[0]}, it says {predicted[wrong[0]]}, the "
        f"network's largest logit is {np.argmax(logits[wrong[0]])}): return the argmax of "
        "model(Tensor(x / 16))")


#: The optimizers a training must use: the student's own, from teenygrad.optim.
OPTIMIZERS = tuple(f"teenygrad.optim.{name}" for name in ("SGD", "Adam", "AdamW", "Muon"))


def check_steps_alone_moved(training: dict[str, Any], what: str) -> None:
    """Only optimizer steps of teenygrad.optim's own classes moved the parameters: each step
    started where the previous one left them (the first: where they were built)."""
    other = [name for name in training["optimizers"] if name not in OPTIMIZERS]
    assert not other, (f"{what} stepped with {other[0]}: train with one of teenygrad.optim's "
                       "SGD, Adam, AdamW or Muon, not a class of your own")
    jump = training.get("first_jump")
    assert not training["jumps"], (
        f"{what}: optimizer step {jump['step'] if jump else '?'} started from values of "
        f"parameter {jump['index'] if jump else '?'} that no step left there (the first step: "
        "not the values its layer was built with): change the parameters only through "
        "optimizer.step()")


def check_trained(layers: Layers, network: dict[str, Any], training: dict[str, Any]) -> None:
    """The network was built and trained inside train_digits by the student's own optimizer:
    every Linear was created during the call and moved from its initial values; optimizer steps
    of teenygrad.optim's classes updated every parameter, and nothing else moved them
    (`check_steps_alone_moved`); the first and the last step each came after a backward() and
    read the gradients it left, unchanged; the model returned is what the last step left."""
    for k, layer in enumerate(network["layers"]):
        if layer["kind"] != "Linear":
            continue
        assert layer["initial"] is not None, (
            f"layer {k} (Linear) was not created while train_digits ran: build the model there")
        for name, now, initial in zip(("weight", "bias"), layer["params"], layer["initial"],
                                      strict=True):
            assert now is None or not np.array_equal(now, initial), (
                f"layer {k} (Linear): the {name} still has its initial values: it was not trained")
    assert training["steps"], (
        "no optimizer step of teenygrad.optim ran while train_digits trained: train with your "
        "own optimizer (optimizer.step() after loss.backward())")
    untouched = [k for k, seen in enumerate(training["stepped"]) if not seen]
    assert not untouched, (f"parameter {untouched[0]} of the model was never updated by an "
                           "optimizer step: give the optimizer model.parameters()")
    check_steps_alone_moved(training, "train_digits")
    params = digits_parameters(layers)
    for when in ("first", "last"):
        step = training[when]
        assert step["backwards"], (f"the {when} optimizer step ran without a backward() "
                                   "before it: its gradients are not your autodiff's")
        changed = [k for pos, k in enumerate(step["index"])
                   if k >= 0 and not step["from_backward"][pos]]
        assert not changed, (f"the {when} optimizer step read a gradient of parameter "
                             f"{changed[0]} that loss.backward() did not leave there: let "
                             "backward() compute every gradient")
    last = training["last"]
    for pos, k in enumerate(last["index"]):
        if k >= 0 and not np.array_equal(last["after"][pos], params[k]):
            raise AssertionError(f"parameter {k} of the returned model is not what the last "
                                 "optimizer step left: return the model you trained, unchanged")


def check_digits(student: Any, probe: Any, split: Sequence[np.ndarray], level: Any,
                 record_benchmark: Any, label: str) -> dict[str, Any]:
    """Train in the worker on a digits split (x_train, y_train, x_test, y_test) within the
    manifest's time limit and grade the network it returns: the grader's own forward pass
    reaches the accuracy goal on x_test, predict_digits agrees with it, and the training
    was done by the student's optimizer (`check_trained`). Returns the probe's facts."""
    _, _, x_test, y_test = split
    timed = student.call_timed(probe, *split[:3], 0,
                               timeout=float(level.thresholds["digits_train_seconds"]))
    facts = timed.value
    layers = digits_layers(facts["network"])
    logits = digits_logits(layers, x_test / DIGITS_PIXEL_MAX)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
    losses = facts["training"]["losses"]
    record_benchmark(f"digits ({label})", accuracy=round(accuracy, 4),
                     steps=facts["training"]["steps"],
                     first_loss=round(float(losses[0]), 4) if len(losses) else None,
                     last_loss=round(float(losses[-1]), 4) if len(losses) else None,
                     wall_s=round(timed.wall_s, 2), cpu_s=round(timed.cpu_s, 2))
    goal = float(level.thresholds["digits_accuracy"])
    assert accuracy >= goal, (
        f"{label}: your network's held-out accuracy is {accuracy:.1%}, needs at least "
        f"{goal:.0%} (train longer, scale the pixels to [0, 1], check the learning rate)")
    check_predictions_agree(np.asarray(facts["predicted"]), logits, label)
    check_trained(layers, facts["network"], facts["training"])
    return facts
