"""Level 1 probes of part `forward`: run inside the worker, next to the student's
`teenygrad.forward`; plain data out.

The functions differentiated come from `autograder.cases.level1_forward`, called with the
student's module as the namespace of `sin cos exp log tanh`. Probes also note what each call
of f received (a Dual, a Var, or plain numbers) and how many pullbacks ran: facts the judge
uses to check that a Jacobian was built column by column or row by row. No verdicts here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.cases.level1_forward import FUNCTIONS


def _module() -> Any:
    from teenygrad import forward

    return forward


def _kind(fw: Any, x: Any) -> str:
    """What f was called on: "Dual", "Var" or "array"."""
    if isinstance(x, fw.Dual):
        return "Dual"
    if isinstance(x, fw.Var):
        return "Var"
    return "array"


def _watched(fw: Any, name: str, consts: dict[str, np.ndarray], calls: list[str]) -> Any:
    """Function `name` on the student's namespace, noting the kind of each argument."""
    function = FUNCTIONS[name]

    def f(x: Any) -> Any:
        calls.append(_kind(fw, x))
        return function(fw, x, consts)

    return f


def _plain(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def dual_op(name: str, a: list[np.ndarray], b: list[Any] | None, exponent: float | None
            ) -> list[np.ndarray]:
    """One rule of the student's Dual: [value, tangent] of the result.

    `a` = [value, tangent] of a Dual; `b` = [value, tangent] of a second Dual, or [value, None]
    for a constant array. Names: div, rdiv (constant / Dual), pow, matmul, rmatmul (constant @
    Dual), sin cos exp log tanh (methods) and fsin ... ftanh (the module's functions).
    """
    fw = _module()
    x = fw.Dual(np.array(a[0]), np.array(a[1]))
    other: Any = None
    if b is not None:
        other = np.array(b[0]) if b[1] is None else fw.Dual(np.array(b[0]), np.array(b[1]))
    if name == "div":
        out = x / other
    elif name == "rdiv":
        out = other / x
    elif name == "pow":
        out = x ** exponent
    elif name == "matmul":
        out = x @ other
    elif name == "rmatmul":
        out = other @ x
    elif name.startswith("f"):
        out = getattr(fw, name[1:])(x)
    else:
        out = getattr(x, name)()
    return [_plain(out.value), _plain(out.tangent)]


def dual_pow_misuse(kind: str) -> None:
    """A Dual raised to something that is not a Python number (the judge expects TypeError):
    a 0-d array, a bool or a Dual."""
    fw = _module()
    x = fw.Dual(np.array([1.5, 2.0]), np.array([1.0, 0.5]))
    exponent = {"array": np.array(2.0), "bool": True}.get(kind) if kind != "dual" \
        else fw.Dual(np.array(2.0))
    x ** exponent  # noqa: B018 - the error is the point


def run_jvp(name: str, consts: dict[str, np.ndarray], x: np.ndarray, v: np.ndarray
            ) -> dict[str, Any]:
    """The student's `jvp` of function `name`: value, tangent, and what f was called on."""
    fw = _module()
    calls: list[str] = []
    value, tangent = fw.jvp(_watched(fw, name, consts, calls), np.array(x), np.array(v))
    return {"value": _plain(value), "tangent": _plain(tangent), "calls": calls}


def run_jacobian(mode: str, name: str, consts: dict[str, np.ndarray], x: np.ndarray
                 ) -> dict[str, Any]:
    """The student's `jacobian_<mode>` (or `jacobian` for mode "auto") of function `name`,
    with the kinds f was called on and the number of pullbacks run."""
    fw = _module()
    calls: list[str] = []
    pullbacks = [0]
    real_vjp = fw.vjp

    def counted_vjp(f: Any, x0: Any) -> Any:
        value, pullback = real_vjp(f, x0)

        def counted(w: Any) -> Any:
            pullbacks[0] += 1
            return pullback(w)

        return value, counted

    fw.vjp = counted_vjp
    try:
        function = fw.jacobian if mode == "auto" else getattr(fw, f"jacobian_{mode}")
        jac = function(_watched(fw, name, consts, calls), np.array(x))
    finally:
        fw.vjp = real_vjp
    return {"jacobian": _plain(jac), "calls": calls, "pullbacks": pullbacks[0]}


def run_hvp(name: str, consts: dict[str, np.ndarray], x: np.ndarray, v: np.ndarray
            ) -> dict[str, Any]:
    """The student's `hvp` of function `name`, and the kinds of input `vjp` was given."""
    fw = _module()
    seen: list[str] = []
    real_vjp = fw.vjp

    def watched_vjp(f: Any, x0: Any) -> Any:
        seen.append(_kind(fw, x0))
        return real_vjp(f, x0)

    fw.vjp = watched_vjp
    try:
        out = fw.hvp(_watched(fw, name, consts, []), np.array(x), np.array(v))
    finally:
        fw.vjp = real_vjp
    return {"hvp": _plain(out), "vjp_inputs": seen}
