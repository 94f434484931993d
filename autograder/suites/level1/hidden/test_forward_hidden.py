"""Part forward (hidden): every rule on random inputs, JVPs against finite differences,
Jacobians column by column and row by row, the cheaper mode, and forward-over-reverse."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close, check_equal, expect_raises, explicit_examples
from autograder.probes import level1_forward as probes
from autograder.references import level1_forward as ref

pytestmark = pytest.mark.part("forward")

FUNCTIONS = ["book", "fan_out", "fan_in", "elementwise", "loss"]
UNARY = ["sin", "cos", "exp", "log", "tanh", "fcos", "fexp", "flog", "ftanh"]


@st.composite
def rule_cases(draw):
    """(name, a, b, exponent): a Dual rule on random shapes, constants on either side."""
    name = draw(st.sampled_from(["div", "div_const", "rdiv", "pow", "matmul", "rmatmul",
                                 *UNARY]), label="rule")
    n, k = draw(st.integers(1, 4), label="n"), draw(st.integers(1, 4), label="k")
    positive = name in ("log", "flog", "pow")
    x = draw(ref.arrays((n, k), 0.2 if positive else -2.0, 2.0), label="x")
    dx = draw(ref.arrays((n, k)), label="dx")
    b, exponent = None, None
    if name in ("div", "div_const", "rdiv"):
        y = draw(ref.arrays((n, k), 0.5, 2.0), label="y") * draw(st.sampled_from([1, -1]))
        b = [y, draw(ref.arrays((n, k)), label="dy") if name == "div" else None]
        name = "div" if name == "div_const" else name
    elif name == "pow":
        exponent = draw(st.sampled_from([2, 3, -1, 0.5, 1.5, -2.5, 0]), label="exponent")
    elif name in ("matmul", "rmatmul"):
        m = draw(st.integers(1, 4), label="m")
        shape = (k, m) if name == "matmul" else (m, n)
        y = draw(ref.arrays(shape), label="y")
        b = [y, draw(ref.arrays(shape), label="dy") if name == "matmul" else None]
    return name, [x, dx], b, exponent


def every_rule():
    """One explicit case per rule (and per kind of exponent), whatever hypothesis draws."""
    x = np.array([[0.6, -1.1, 1.7], [-0.4, 0.9, 1.3]])
    dx = np.array([[1.0, -0.5, 0.25], [2.0, 0.5, -1.5]])
    y = np.array([[1.4, -0.8, 2.0], [0.7, -1.9, 1.1]])
    dy = np.array([[0.3, 1.2, -0.6], [-1.0, 0.4, 0.9]])
    pos = np.abs(x) + 0.3
    cases = [("div", [x, dx], [y, dy], None), ("div", [x, dx], [y, None], None),
             ("rdiv", [x, dx], [y, None], None),
             ("matmul", [x, dx], [y.T.copy(), dy.T.copy()], None),
             ("matmul", [x, dx], [y.T.copy(), None], None),
             ("rmatmul", [x, dx], [y.T.copy(), None], None)]
    cases += [("pow", [pos, dx], None, c) for c in (2, 3, -1, 0.5, -2.5, 0, 1)]
    with_zeros = np.array([[0.0, 1.5, 0.0], [-0.7, 0.0, 2.0]])
    cases += [("pow", [with_zeros, dx], None, 0)]  # ** 0 is the constant 1, even at 0
    cases += [(name, [pos if "log" in name else x, dx], None, None)
              for name in [*UNARY, "fsin"]]
    return cases


@pytest.mark.points(1)
@settings(max_examples=40)
@explicit_examples("case", every_rule())
@given(case=rule_cases())
def test_dual_rules_random(student, case):
    """Every Dual rule on random shapes and values, Duals and constants on either side."""
    name, a, b, exponent = case
    got = student.call(probes.dual_op, name, a, b, exponent)
    want = ref.dual_op(name, a, b, exponent)
    check_close(got[0], want[0], f"Dual {name}: value", rtol=ref.RTOL, atol=ref.ATOL)
    check_close(got[1], want[1], f"Dual {name}: tangent", rtol=ref.RTOL, atol=ref.ATOL,
                hint="constants have tangent 0; the rule is the derivative times the tangents")


@pytest.mark.points(1)
def test_jvp_against_finite_differences(student):
    """jvp(f, x, v) of composite functions: the value, and J v against central differences
    (and the exact complex step); f is called once, on a Dual."""
    for name in FUNCTIONS:
        for seed in (1, 2):
            consts = ref.constants(name, seed)
            x, v = ref.inputs(name, seed)
            got = student.call(probes.run_jvp, name, consts, x, v)
            check_equal(got["calls"], ["Dual"], f"what jvp called {name} on",
                        hint="one call of f on Dual(x, v)")
            check_close(got["value"], ref.value(name, consts, x), f"jvp({name}): value",
                        rtol=ref.RTOL)
            check_close(got["tangent"], ref.finite_diff_jvp(name, consts, x, v),
                        f"jvp({name}): tangent vs central differences", rtol=ref.FD_RTOL,
                        atol=ref.FD_ATOL)
            check_close(got["tangent"], ref.jvp(name, consts, x, v), f"jvp({name}): tangent",
                        rtol=ref.RTOL, atol=ref.ATOL)
    # v of another shape, even one that broadcasts to x's, is refused
    for x_shape, v_shape in (((3,), (2,)), ((2, 3), (3,)), ((3, 2), (2,)), ((2, 3), (3, 2))):
        expect_raises(student, probes.run_jvp, "elementwise", {}, np.ones(x_shape),
                      np.ones(v_shape), error="ValueError",
                      what=f"jvp with x of shape {x_shape} and v of shape {v_shape}")


def _jacobian_case(student, mode, name, seed):
    consts = ref.constants(name, seed)
    x, _ = ref.inputs(name, seed)
    got = student.call(probes.run_jacobian, mode, name, consts, x)
    want = ref.jacobian(name, consts, x)
    check_close(got["jacobian"], want, f"jacobian_{mode}({name}) at x = {x.tolist()}",
                rtol=ref.RTOL, atol=ref.ATOL,
                hint="shape f(x).shape + x.shape; entry [i, j] = d f_i / d x_j")
    return got, x.size, want.size // x.size


@pytest.mark.points(1)
def test_jacobian_columns_and_rows(student):
    """jacobian_forward calls f once per input on Duals (columns); jacobian_reverse records
    f once and runs one pullback per output (rows); both give the exact Jacobian; jacobian
    picks forward mode when n <= m (fan-out) and reverse mode when m < n (fan-in)."""
    for name in FUNCTIONS:
        got, n, m = _jacobian_case(student, "forward", name, 3)
        check_equal(got["calls"], ["Dual"] * n, f"jacobian_forward({name}): calls of f",
                    hint="one jvp per column e_j: n calls of f, each on a Dual")
        got, n, m = _jacobian_case(student, "reverse", name, 4)
        check_equal([got["calls"], got["pullbacks"]], [["Var"], m],
                    f"jacobian_reverse({name}): [calls of f, pullbacks]",
                    hint="one vjp (f recorded once on the tape), then one pullback per row e_i")
    for shape in ((0, 3), (2, 0)):
        for mode in ("forward", "reverse"):
            got = student.call(probes.run_jacobian, mode, "elementwise", {}, np.zeros(shape))
            check_equal(list(np.shape(got["jacobian"])), [*shape, *shape],
                        f"shape of jacobian_{mode}(elementwise) at an x of shape {shape}",
                        hint="f(x).shape + x.shape, also when x or f(x) has no elements")
    for name, mode in [("fan_out", "forward"), ("elementwise", "forward"), ("book", "reverse"),
                       ("fan_in", "reverse"), ("loss", "reverse")]:
        got, n, m = _jacobian_case(student, "auto", name, 5)
        calls = ["array"] + (["Dual"] * n if mode == "forward" else ["Var"])
        pullbacks = 0 if mode == "forward" else m
        check_equal([got["calls"], got["pullbacks"]], [calls, pullbacks],
                    f"jacobian({name}) with n = {n} inputs, m = {m} outputs: [calls of f, "
                    "pullbacks]", hint=f"expected {mode} mode: f once on x to learn m, then "
                    + ("n passes on Duals" if mode == "forward" else "one vjp and m pullbacks"))


@pytest.mark.points(1)
def test_hvp_forward_over_reverse(student):
    """hvp(f, x, v) = H v by the JVP of the reverse-mode gradient: the tape sees a Dual."""
    for name, seed in [("loss", 6), ("loss", 7), ("book", 8)]:
        consts = ref.constants(name, seed)
        x, v = ref.inputs(name, seed)
        got = student.call(probes.run_hvp, name, consts, x, v)
        check_close(got["hvp"], ref.hvp(name, consts, x, v),
                    f"hvp({name}) at x = {x.tolist()}", rtol=ref.FD_RTOL, atol=ref.FD_ATOL,
                    hint="jvp of lambda y: grad(f, y)")
        check_equal(got["vjp_inputs"], ["Dual"], f"hvp({name}): what vjp was given",
                    hint="forward-over-reverse: grad (so vjp) runs once, on Dual(x, v)")
