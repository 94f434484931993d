"""Forward-mode automatic differentiation: dual numbers, JVPs, Jacobians, Hessian-vector
products. Graded in part `forward`.

Your `Tensor.backward` is reverse mode: one backward sweep pulls a covector w back from the
output and gives a whole *row* of the Jacobian at once, wᵀJ (a VJP). Forward mode pushes a
tangent v forward from the input and gives a whole *column*, J v (a JVP). For f: ℝⁿ → ℝᵐ the
full Jacobian costs n forward passes or m backward sweeps: forward mode wins when the graph
fans out (n < m), reverse mode when it fans in (m < n; every loss has m = 1).

Forward mode needs no graph. A **dual number** a + b·ε with ε² = 0 carries a value a and a
tangent b; for every function f built from the rules below,

    f(x + v·ε) = f(x) + (J v)·ε

so evaluating f once on `Dual(x, v)` gives the value and the JVP together. Each rule is the
derivative you know: (a + ȧε)(b + ḃε) = ab + (ȧb + aḃ)ε, sin(a + ȧε) = sin a + (ȧ cos a)ε, ...

What this file holds:

- `Dual` — value and tangent, numpy float64 arrays of the same shape. Given complete: `+`,
  `*` (the pattern for the others), `-`, indexing and `sum`. You write `/`, `**` (a number
  exponent), `@`, `sin`, `cos`, `exp`, `log`, `tanh`.
- `sin cos exp log tanh` as functions (given): each calls the method of its argument (a
  `Dual`, a `Var` or your `Tensor`) and numpy's function otherwise, so one definition of f,
  e.g. `lambda x: exp(x[0]) * sin(x[1]) ** 2`, runs on numbers, duals and tapes alike.
- `Var`, `vjp` and `grad` (given complete): a small reverse-mode tape (a Wengert list: the
  nodes in the order they were made, so no graph walk: your `Tensor.backward` finds its order
  with `toposort` instead), written with generic arithmetic so that its values may be
  `Dual`s. That is what makes forward-over-reverse possible (`hvp`).
- `jvp`, `jacobian_forward`, `jacobian_reverse`, `jacobian` and `hvp`: you write them.

The book (chapter 1.6.1, appendix A, the cheat sheet's "forward-mode (JVP) view") derives all
of this; the handout lists where its text slips.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Function = Callable[[Any], Any]
Pullback = Callable[[Any], Any]


def _lift(x: Any) -> Dual:
    """`x` itself if it is a Dual, else a constant: the number or array with a zero tangent."""
    if isinstance(x, Dual):
        return x
    value = np.asarray(x, dtype=np.float64)
    return Dual(value, np.zeros_like(value))


class Dual:
    """A dual number `value + tangent·ε` (ε² = 0), elementwise over numpy arrays.

    Attributes:
        value: the primal value, a float64 array.
        tangent: its directional derivative, a float64 array of `value`'s shape.

    Arithmetic with numbers and arrays treats them as constants (tangent 0) and broadcasts
    like numpy; the result's tangent always has the result value's shape.
    """

    #: numpy hands `array + dual` (and the other operators) to Dual's reflected methods.
    __array_ufunc__ = None

    def __init__(self, value: Any, tangent: Any = None) -> None:
        """A dual number; `tangent=None` means 0 (a constant). ValueError if the tangent does
        not broadcast to the value's shape."""
        self.value = np.array(value, dtype=np.float64)
        tangent = np.zeros_like(self.value) if tangent is None else tangent
        tangent = np.asarray(tangent, dtype=np.float64)
        if tangent.shape != self.value.shape:
            tangent = np.broadcast_to(tangent, self.value.shape)
        self.tangent = np.array(tangent, dtype=np.float64)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value (and of the tangent)."""
        return self.value.shape

    def __repr__(self) -> str:
        """`Dual(value=..., tangent=...)`."""
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    # ----- given: the pattern ------------------------------------------------------------------

    def __add__(self, other: Any) -> Dual:
        """(a + ȧε) + (b + ḃε) = (a + b) + (ȧ + ḃ)ε."""
        b = _lift(other)
        return Dual(self.value + b.value, self.tangent + b.tangent)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Dual:
        """(a + ȧε)(b + ḃε) = ab + (ȧb + aḃ)ε (the ε² term is 0)."""
        b = _lift(other)
        return Dual(self.value * b.value, self.tangent * b.value + self.value * b.tangent)

    __rmul__ = __mul__

    def __neg__(self) -> Dual:
        """-(a + ȧε) = -a - ȧε."""
        return Dual(-self.value, -self.tangent)

    def __sub__(self, other: Any) -> Dual:
        """self - other, as self + (-other)."""
        return self + (-_lift(other))

    def __rsub__(self, other: Any) -> Dual:
        """other - self."""
        return _lift(other) + (-self)

    def __rtruediv__(self, other: Any) -> Dual:
        """other / self (see `__truediv__`)."""
        return _lift(other) / self

    def __rmatmul__(self, other: Any) -> Dual:
        """other @ self (see `__matmul__`)."""
        return _lift(other) @ self

    def __getitem__(self, index: Any) -> Dual:
        """Indexing picks the same entries of the value and of the tangent."""
        return Dual(self.value[index], self.tangent[index])

    def sum(self, axis: Any = None, keepdims: bool = False) -> Dual:
        """Sum (linear: the tangent is summed the same way)."""
        return Dual(self.value.sum(axis=axis, keepdims=keepdims),
                    self.tangent.sum(axis=axis, keepdims=keepdims))

    # ----- yours: one derivative rule each ------------------------------------------------------

    def __truediv__(self, other: Any) -> Dual:
        """(a + ȧε) / (b + ḃε) = a/b + ((ȧb − aḃ) / b²)ε."""
        raise NotImplementedError("Dual.__truediv__: not implemented yet — see the docstring")

    def __pow__(self, exponent: float) -> Dual:
        """(a + ȧε)**c = a**c + (c·a**(c−1)·ȧ)ε for a Python number c.

        c == 0 gives the constant 1 (tangent 0, even where a == 0). A Dual or array exponent
        raises TypeError (only number exponents are part of this contract).
        """
        raise NotImplementedError("Dual.__pow__: not implemented yet — see the docstring")

    def __matmul__(self, other: Any) -> Dual:
        """(A + Ȧε) @ (B + Ḃε) = A@B + (Ȧ@B + A@Ḃ)ε, with numpy's matmul shape rules."""
        raise NotImplementedError("Dual.__matmul__: not implemented yet — see the docstring")

    def sin(self) -> Dual:
        """sin(a + ȧε) = sin a + (ȧ cos a)ε."""
        raise NotImplementedError("Dual.sin: not implemented yet — see the docstring")

    def cos(self) -> Dual:
        """cos(a + ȧε) = cos a − (ȧ sin a)ε."""
        raise NotImplementedError("Dual.cos: not implemented yet — see the docstring")

    def exp(self) -> Dual:
        """exp(a + ȧε) = eᵃ + (ȧ eᵃ)ε."""
        raise NotImplementedError("Dual.exp: not implemented yet — see the docstring")

    def log(self) -> Dual:
        """log(a + ȧε) = log a + (ȧ / a)ε (natural log)."""
        raise NotImplementedError("Dual.log: not implemented yet — see the docstring")

    def tanh(self) -> Dual:
        """tanh(a + ȧε) = tanh a + (ȧ (1 − tanh² a))ε."""
        raise NotImplementedError("Dual.tanh: not implemented yet — see the docstring")


# ----- given: one definition of f for numbers, duals, tapes and Tensors ---------------------------


def sin(x: Any) -> Any:
    """sin of a Dual, Var or Tensor (its method), else numpy's."""
    return x.sin() if hasattr(x, "sin") else np.sin(x)


def cos(x: Any) -> Any:
    """cos of a Dual, Var or Tensor (its method), else numpy's."""
    return x.cos() if hasattr(x, "cos") else np.cos(x)


def exp(x: Any) -> Any:
    """exp of a Dual, Var or Tensor (its method), else numpy's."""
    return x.exp() if hasattr(x, "exp") else np.exp(x)


def log(x: Any) -> Any:
    """Natural log of a Dual, Var or Tensor (its method), else numpy's."""
    return x.log() if hasattr(x, "log") else np.log(x)


def tanh(x: Any) -> Any:
    """tanh of a Dual, Var or Tensor (its method), else numpy's."""
    return x.tanh() if hasattr(x, "tanh") else np.tanh(x)


# ----- given: a reverse-mode tape over generic values --------------------------------------------


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Dual) else np.shape(x)


def _reduce_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back to `shape` (leading axes, then size-1 axes)."""
    while len(_shape(grad)) > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and _shape(grad)[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _scatter(grad: Any, shape: tuple[int, ...], index: Any) -> Any:
    """A zero array of `shape` with `grad` added at `index` (for a Dual: value and tangent)."""
    if isinstance(grad, Dual):
        return Dual(_scatter(grad.value, shape, index), _scatter(grad.tangent, shape, index))
    out = np.zeros(shape)
    np.add.at(out, index, grad)
    return out


#: The tapes `vjp` is recording (one per call in progress): every `Var` made meanwhile is
#: appended to each, in the order it is made (a Wengert list).
_TAPES: list[list[Var]] = []


class Var:
    """A node of the tape `vjp` records: a value (array or Dual), its parents, and its VJP.

    Only what `vjp` needs: `+ - * /` with numbers, arrays and other Vars (broadcasting),
    `** number`, `@` with a constant matrix on either side, indexing, `sum()`, and the five
    functions above. Every VJP is written with the same generic arithmetic, so when the values
    are Duals the gradients come out as Duals: their tangents are Hessian-vector products.
    """

    __array_ufunc__ = None

    def __init__(self, value: Any, parents: tuple[Var, ...] = (),
                 vjp: Pullback | None = None) -> None:
        """A leaf (no parents) or the result of an op with its VJP, recorded on the tapes
        `vjp` is recording."""
        self.value = value if isinstance(value, Dual) else np.asarray(value, dtype=np.float64)
        self.parents = parents
        self.vjp = vjp
        for tape in _TAPES:
            tape.append(self)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value."""
        return _shape(self.value)

    def _binary(self, other: Any, value: Any, da: Function, db: Function) -> Var:
        """An op of self and other, d/dself = da(g), d/dother = db(g) (other may be constant)."""
        if not isinstance(other, Var):
            return Var(value, (self,), lambda g: (_reduce_to(da(g), self.shape),))
        return Var(value, (self, other),
                   lambda g: (_reduce_to(da(g), self.shape), _reduce_to(db(g), other.shape)))

    def __add__(self, other: Any) -> Var:
        """self + other."""
        b = other.value if isinstance(other, Var) else other
        return self._binary(other, self.value + b, lambda g: g, lambda g: g)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Var:
        """self * other."""
        b = other.value if isinstance(other, Var) else other
        return self._binary(other, self.value * b, lambda g: g * b, lambda g: g * self.value)

    __rmul__ = __mul__

    def __neg__(self) -> Var:
        """-self."""
        return self * -1.0

    def __sub__(self, other: Any) -> Var:
        """self - other."""
        return self + (-other)

    def __rsub__(self, other: Any) -> Var:
        """other - self."""
        return (-self) + other

    def __truediv__(self, other: Any) -> Var:
        """self / other."""
        b = other.value if isinstance(other, Var) else other
        out = self.value / b
        return self._binary(other, out, lambda g: g / b, lambda g: -g * out / b)

    def __rtruediv__(self, other: Any) -> Var:
        """other / self (other a constant)."""
        return self ** -1.0 * other

    def __pow__(self, exponent: float) -> Var:
        """self ** c for a number c."""
        c = float(exponent)
        return Var(self.value ** c, (self,), lambda g: (g * c * self.value ** (c - 1.0),))

    def __matmul__(self, other: Any) -> Var:
        """self @ W for a constant W."""
        w = np.asarray(other, dtype=np.float64)
        return Var(self.value @ w, (self,), lambda g: (g @ w.T,))

    def __rmatmul__(self, other: Any) -> Var:
        """W @ self for a constant W."""
        w = np.asarray(other, dtype=np.float64)
        return Var(w @ self.value, (self,), lambda g: (w.T @ g,))

    def __getitem__(self, index: Any) -> Var:
        """self[index]; the VJP scatters the gradient back."""
        shape = self.shape
        return Var(self.value[index], (self,), lambda g: (_scatter(g, shape, index),))

    def sum(self) -> Var:
        """The sum of every element (0-d)."""
        ones = np.ones(self.shape)
        return Var(self.value.sum(), (self,), lambda g: (g * ones,))

    def sin(self) -> Var:
        """sin(self)."""
        return Var(sin(self.value), (self,), lambda g: (g * cos(self.value),))

    def cos(self) -> Var:
        """cos(self)."""
        return Var(cos(self.value), (self,), lambda g: (-g * sin(self.value),))

    def exp(self) -> Var:
        """exp(self)."""
        out = exp(self.value)
        return Var(out, (self,), lambda g: (g * out,))

    def log(self) -> Var:
        """log(self)."""
        return Var(log(self.value), (self,), lambda g: (g / self.value,))

    def tanh(self) -> Var:
        """tanh(self)."""
        out = tanh(self.value)
        return Var(out, (self,), lambda g: (g * (1.0 - out * out),))


def vjp(f: Function, x: Any) -> tuple[Any, Pullback]:
    """Reverse mode on a tape: `(f(x), pullback)` with `pullback(w) = wᵀ J` (x's shape).

    f runs once, on a `Var` holding x (an array, or a Dual for forward-over-reverse); every
    call of `pullback` is one backward sweep through the recorded tape, with seed w of f(x)'s
    shape. The value returned is f(x) as an array (a Dual if x was one).
    """
    tape: list[Var] = []
    _TAPES.append(tape)
    try:
        leaf = Var(x)
        out = f(leaf)
        if not isinstance(out, Var):  # f ignored its input: a constant, zero gradient
            out = Var(out)
    finally:
        _TAPES.remove(tape)

    def pullback(w: Any) -> Any:
        grads: dict[int, Any] = {id(out): w if isinstance(w, Dual) else np.asarray(w, float)}
        # A node is made after its parents, so the tape read backwards meets every node before
        # its parents: the order a backward sweep needs.
        for node in reversed(tape):
            g = grads.get(id(node))
            if g is None or node.vjp is None:
                continue
            for parent, gp in zip(node.parents, node.vjp(g), strict=True):
                grads[id(parent)] = gp if id(parent) not in grads else grads[id(parent)] + gp
        if id(leaf) in grads:
            return grads[id(leaf)]
        return Dual(np.zeros(leaf.shape)) if isinstance(leaf.value, Dual) else np.zeros(leaf.shape)

    return out.value, pullback


def grad(f: Function, x: Any) -> Any:
    """∇f(x) by reverse mode for f with a one-element output (ValueError otherwise)."""
    value, pullback = vjp(f, x)
    if int(np.prod(_shape(value))) != 1:
        raise ValueError(f"grad needs a one-element output, f gave shape {_shape(value)}")
    return pullback(np.ones(_shape(value)))


# ----- yours: JVPs, Jacobians both ways, and a Hessian-vector product -----------------------


def jvp(f: Function, x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`(f(x), J v)`: f's value and its directional derivative along v, in one pass.

    Contract: x and v are float arrays of the same shape (ValueError otherwise). f is called
    exactly once, on `Dual(x, v)`. Both results are float64 arrays; the tangent has the value's
    shape, and is zero when f's result is not a Dual (f did not use its input).
    """
    raise NotImplementedError("jvp: not implemented yet — see the docstring")


def jacobian_forward(f: Function, x: np.ndarray) -> np.ndarray:
    """The Jacobian of f at x **column by column**: one `jvp` per element of x.

    Contract: for x of shape S (n = x.size elements) and f(x) of shape T, the result has shape
    T + S and entry [i..., j...] = ∂f(x)[i...] / ∂x[j...]. Column j is `jvp(f, x, e_j)`'s
    tangent, where e_j is the one-hot array of x's shape: f is called exactly n times, each
    time on a Dual, and never on a `Var` (an x with no elements: f is called once, on x
    itself, to learn the output's shape, and the result is all zeros of shape T + S).
    """
    raise NotImplementedError("jacobian_forward: not implemented yet — see the docstring")


def jacobian_reverse(f: Function, x: np.ndarray) -> np.ndarray:
    """The Jacobian of f at x **row by row**: one `vjp` (one forward pass), then one pullback
    per element of f(x).

    Contract: the same result as `jacobian_forward` (shape T + S). Row i is `pullback(e_i)`
    with e_i one-hot of f(x)'s shape: f is called exactly once (by `vjp`) and the pullback
    exactly m = f(x).size times.
    """
    raise NotImplementedError("jacobian_reverse: not implemented yet — see the docstring")


def jacobian(f: Function, x: np.ndarray) -> np.ndarray:
    """The Jacobian of f at x by the cheaper mode.

    Contract: call f once on x itself (plain numbers) to learn m = f(x).size; then, with
    n = x.size, use `jacobian_forward` (n passes) when n <= m and `jacobian_reverse` (one
    pass and m sweeps) when m < n. Fan-out graphs go forward, fan-in graphs (losses) go in
    reverse.
    """
    raise NotImplementedError("jacobian: not implemented yet — see the docstring")


def hvp(f: Function, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The Hessian-vector product H v of a scalar f at x, by **forward-over-reverse**.

    Contract: H v = d/dt ∇f(x + t v) at t = 0, the JVP of the gradient function. Compute it as
    `jvp` of `lambda y: grad(f, y)`: the outer forward pass feeds `grad` a Dual, the tape
    carries Duals, and the gradient comes back as a Dual whose tangent is H v. One forward
    and one backward sweep, never the n×n Hessian, and no finite differences. Returns a
    float64 array of x's shape.
    """
    raise NotImplementedError("hvp: not implemented yet — see the docstring")
