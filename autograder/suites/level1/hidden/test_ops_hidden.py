"""Part ops (hidden): every op on hypothesis-drawn shapes, broadcasting pairs and size-1 dims,
against closed-form VJPs and float64 finite differences; random programs of ops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.judge.api import check_close, check_equal, describe_example, explicit_examples
from autograder.judge.shown import shown
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("ops")

BROADCAST_HINT = ("when an input was broadcast, sum its gradient back to the input's shape "
                  "(unbroadcast)")
TIE_HINT = ("where a == b, maximum and minimum give half of grad_out to each input (not all of "
            "it to one side); then sum each gradient back to its input's shape (unbroadcast)")


def _run(student, name, xs, kw, hint="", fd=None):
    out = ref.forward(name, xs, kw)
    seed = ref.seed_like(out.shape, salt=len(xs))
    got = student.call(probes.run_op, name, xs, kw, seed)
    ref.check_op(got, name, xs, kw, seed, hint=hint, fd=fd)


@st.composite
def unbroadcast_cases(draw):
    """(grad, shape): a gradient of a random broadcast result and an operand's shape."""
    result = draw(ref.shapes(max_dims=4), label="result shape")
    shape = draw(hnp.broadcastable_shapes(result, min_dims=0, max_side=4), label="shape")
    grad = draw(ref.arrays(np.broadcast_shapes(shape, result)), label="grad")
    return grad, tuple(shape)


#: Gradients with a zero-size axis: a size-1 axis of `shape` that was stretched to 0 sums to 0.
EMPTY_UNBROADCAST = [(np.zeros((0, 3)), (1, 3)), (np.zeros((0, 3)), (3,)),
                     (np.zeros((2, 0)), (0,)), (np.zeros((2, 0)), (2, 1))]


@pytest.mark.points(2)
@settings(max_examples=40)
@explicit_examples("case", ref.unbroadcast_cases() + EMPTY_UNBROADCAST)
@given(case=unbroadcast_cases())
def test_unbroadcast_random(student, case):
    """unbroadcast(grad, shape) for every broadcasting pattern and random broadcast shapes,
    zero-size axes too; with grad.shape == shape it returns grad itself."""
    grad, shape = case
    got = student.call(probes.run_unbroadcast, grad, list(shape))
    check_close(got, ref.unbroadcast(grad, shape), f"unbroadcast(shape {grad.shape} -> {shape})",
                rtol=ref.RTOL, atol=ref.ATOL, hint=BROADCAST_HINT)
    if grad.shape == tuple(shape):
        check_equal(student.call(probes.unbroadcast_returns_grad, grad), True,
                    f"unbroadcast(grad, {tuple(shape)}) is grad, for grad of shape {grad.shape}",
                    hint="the contract: when grad.shape == shape, return grad itself (compare "
                         "the shapes with ==)")


@st.composite
def binary_cases(draw):
    """(op, [a, b], kwargs): a binary op on a random broadcasting pair of shapes."""
    name = draw(st.sampled_from(ref.BINARY_OPS), label="op")
    (sa, sb), result = draw(ref.broadcast_pairs(), label="shapes")
    a = draw(ref.arrays(sa, 0.2, 3.0) if name == "pow" else ref.arrays(sa), label="a")
    b = draw(ref.away_from_zero(sb) if name == "div" else ref.arrays(sb), label="b")
    kw = {}
    if name == "where":
        cond_shape = draw(hnp.broadcastable_shapes(result, min_dims=0, max_side=4),
                          label="condition shape")
        kw = {"condition": draw(hnp.arrays(np.bool_, cond_shape), label="condition")}
    return name, [a, b], kw


#: A tensor exponent on bases <= 0 (integer exponents, so a**b is real): d/db is 0 there.
POW_NONPOSITIVE_BASES = [("pow", [np.array([[-2.0, 0.0, 1.5], [-0.5, 0.0, 3.0]]),
                                  np.array([2.0, 3.0, 1.0])], {}),
                         ("pow", [np.array([0.0, -1.5, 2.0]), np.array([1.0, 2.0, 3.0])], {})]
POW_HINT = "d/db = a**b * log(a) where a > 0, and 0 where a <= 0 (no log of a non-positive base)"
#: maximum and minimum with ties (a == b), on equal and on broadcast shapes, whatever the draw.
TIES = [(name, [np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]), b], {})
        for name in ("maximum", "minimum")
        for b in (np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 4.0]]), np.array([1.0, 0.0, -1.0]))]
#: where's condition given as a bool Tensor (the contract: "a bool array or a bool Tensor").
WHERE_TENSOR = [("where", [np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]),
                           np.array([7.0, 8.0, 9.0])],
                 {"condition": np.array([[True, False, True], [False, False, True]]),
                  "condition_tensor": True})]


@pytest.mark.points(3)
@settings(max_examples=60)
@explicit_examples("case",
                   ref.binary_op_cases() + POW_NONPOSITIVE_BASES + TIES + WHERE_TENSOR)
@given(case=binary_cases())
def test_binary_ops_broadcasting(student, case):
    """add, sub, mul, div, pow, maximum, minimum and where on every broadcasting pattern
    (equal shapes, leading axes added, size-1 axes stretched, on either or both sides); pow
    with a tensor exponent on zero and negative bases; maximum and minimum at ties; where with
    a bool Tensor condition."""
    name, xs, kw = case
    broadcast = len({np.shape(x) for x in xs} | {np.shape(ref.forward(name, xs, kw))}) > 1
    hint = TIE_HINT if name in ("maximum", "minimum") else BROADCAST_HINT if broadcast else ""
    # finite differences in b need a**(b +- eps) real: only for positive bases
    nonpositive = name == "pow" and bool(np.any(np.asarray(xs[0]) <= 0))
    _run(student, name, xs, kw, hint=POW_HINT if nonpositive else hint,
         fd=name in ref.FD_BINARY_OPS and not nonpositive)


@pytest.mark.points(1)
@settings(max_examples=30)
@given(data=st.data())
def test_pow_scalar_exponents(student, data):
    """x ** c for integer and fractional numbers c, and the operator methods."""
    shape = data.draw(ref.shapes(), label="shape")
    exponent = data.draw(st.sampled_from([2, 3, -1, 0.5, 1.5, -2.5, 0]), label="exponent")
    integer = float(exponent).is_integer()
    x = data.draw(ref.away_from_zero(shape) if integer else ref.arrays(shape, 0.2, 3.0),
                  label="x")
    _run(student, "pow_scalar", [x], {"exponent": exponent})
    x0, y0 = np.array([0.5, -1.5, 2.0]), np.array([1.0, -0.5, 0.25])
    got = student.call(probes.operators, x0, y0)

    def expr(x, y):
        return ((2.0 - x) * 3.0 + x / 2.0 - (-x) ** 2.0 + 1.0 / (x * x + 1.0)) @ y

    check_close(got["value"], expr(x0, y0), "((2-x)*3 + x/2 - (-x)**2 + 1/(x*x+1)) @ y",
                rtol=ref.RTOL)
    fd = ref.finite_diff(lambda xs: expr(*xs), [x0, y0], np.ones(()))
    ref.check_grads(got["grads"], fd, "operators", rtol=ref.FD_RTOL, atol=ref.FD_ATOL)


UNARY_DOMAIN = {"exp": (-3.0, 3.0), "log": (0.1, 4.0), "sqrt": (0.1, 4.0)}


@pytest.mark.points(2)
@settings(max_examples=60)
@given(data=st.data())
def test_unary_ops(student, data):
    """neg, exp, log, sin, cos, tanh, sigmoid, relu, sqrt and abs on random shapes."""
    name = data.draw(st.sampled_from(["neg", "exp", "log", "sin", "cos", "tanh", "sigmoid",
                                      "relu", "sqrt", "abs"]), label="op")
    shape = data.draw(ref.shapes(), label="shape")
    lo, hi = UNARY_DOMAIN.get(name, (-3.0, 3.0))
    x = data.draw(ref.arrays(shape, lo, hi), label="x")
    _run(student, name, [x], {}, hint="relu'(0) = 0 and |x|'(0) = 0 by convention")


@st.composite
def matmul_shapes(draw):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    (ba, bb), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                         max_side=3))
    a_vec, b_vec = draw(st.booleans()), draw(st.booleans())
    sa = (k,) if a_vec else tuple(ba) + (m, k)
    sb = (k,) if b_vec else tuple(bb) + (k, n)
    return sa, sb


@st.composite
def matmul_operands(draw):
    """(a, b) of random matmul-compatible shapes."""
    sa, sb = draw(matmul_shapes(), label="shapes")
    return draw(ref.arrays(sa), label="a"), draw(ref.arrays(sb), label="b")


@pytest.mark.points(3)
@settings(max_examples=50)
@explicit_examples("operands", ref.matmul_cases())
@given(operands=matmul_operands())
def test_matmul(student, operands):
    """a @ b: vectors, matrices and stacks of matrices whose batch dims broadcast."""
    a, b = operands
    _run(student, "matmul", [a, b], {},
         hint="sum the gradient over broadcast batch dims; undo the 1-d promotions")


@pytest.mark.points(1)
@settings(max_examples=60)
@given(data=st.data())
def test_reductions(student, data):
    """sum, mean and max with axis None, an int (negative too) or a tuple, keepdims or not."""
    name = data.draw(st.sampled_from(["sum", "mean", "max"]), label="op")
    shape = data.draw(ref.shapes(), label="shape")
    x = data.draw(ref.arrays(shape), label="x")
    if name == "max" and data.draw(st.booleans(), label="ties"):
        x = np.asarray(np.round(x))  # many ties
    kw = {"axis": data.draw(ref.axis_args(len(shape)), label="axis"),
          "keepdims": data.draw(st.booleans(), label="keepdims")}
    _run(student, name, [x], kw, hint=ref.REDUCTION_HINTS[name])


@st.composite
def reshape_targets(draw, shape):
    size = int(np.prod(shape)) if shape else 1
    dims = []
    rest = size
    for p in (2, 3, 5, 7):
        while rest % p == 0:
            dims.append(p)
            rest //= p
    dims = draw(st.permutations(dims))
    target = []
    for d in dims:
        if target and draw(st.booleans()):
            target[-1] *= d
        else:
            target.append(d)
    target += [1] * draw(st.integers(0, 2))
    target = draw(st.permutations(target))
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return list(target)


TRANSPOSE_X = np.arange(24.0).reshape(2, 3, 4) / 7.0


@pytest.mark.points(1)
@settings(max_examples=60)
@given(data=st.data())
def test_shape_ops(student, data):
    """reshape (with -1), transpose/permute (negative axes too), and broadcast_to (expand)."""
    name = data.draw(st.sampled_from(["reshape", "transpose", "broadcast_to"]), label="op")
    shape = data.draw(ref.shapes(max_dims=4), label="shape")
    x = data.draw(ref.arrays(shape), label="x")
    if name == "reshape":
        kw = {"shape": data.draw(reshape_targets(tuple(shape)), label="target")}
    elif name == "transpose":
        axes = None if data.draw(st.booleans()) else list(
            data.draw(st.permutations(range(len(shape)))))
        if axes is not None:  # np.transpose takes negative axes too
            axes = [a - len(shape) if data.draw(st.booleans(), label="negative") else a
                    for a in axes]
        kw = {"axes": axes}
    else:
        extra = data.draw(ref.shapes(max_dims=2, max_side=3), label="leading dims")
        target = [n if n != 1 else data.draw(st.integers(1, 3)) for n in shape]
        kw = {"shape": list(extra) + target}
    _run(student, name, [x], kw, hint=BROADCAST_HINT if name == "broadcast_to" else "")
    if name == "transpose":  # whatever the draw: negative axes, all of them and a mix
        for axes in ([-1, -3, -2], [2, -3, 1]):
            _run(student, "transpose", [TRANSPOSE_X], {"axes": axes})


@pytest.mark.points(1)
@settings(max_examples=60)
@given(data=st.data())
def test_getitem(student, data):
    """x[index] with ints, slices (negative steps too), None, and integer arrays with repeats."""
    shape = data.draw(ref.shapes(min_dims=1), label="shape")
    advanced = data.draw(st.booleans(), label="advanced")
    index = data.draw(ref.index_descriptions(shape, advanced), label="index")
    x = data.draw(ref.arrays(shape), label="x")
    _run(student, "getitem", [x], {"index": index},
         hint="scatter-add grad_out into zeros (np.add.at): repeated indices accumulate")


@pytest.mark.points(1)
@settings(max_examples=30)
@given(data=st.data())
def test_concatenate_stack(student, data):
    """concatenate and stack along any axis (negative too)."""
    name = data.draw(st.sampled_from(["concatenate", "stack"]), label="op")
    shape = list(data.draw(ref.shapes(min_dims=1), label="shape"))
    count = data.draw(st.integers(1, 3), label="count")
    if name == "concatenate":
        axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
        xs = []
        for _ in range(count):
            piece = list(shape)
            piece[axis] = data.draw(st.integers(1, 3))
            xs.append(data.draw(ref.arrays(piece)))
    else:
        axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
        xs = [data.draw(ref.arrays(shape)) for _ in range(count)]
    _run(student, name, xs, {"axis": axis})


@st.composite
def softmax_cases(draw):
    """(op, x, kwargs): logsumexp, softmax or log_softmax on a random array and axis."""
    name = draw(st.sampled_from(["logsumexp", "softmax", "log_softmax"]), label="op")
    shape = draw(ref.shapes(min_dims=1), label="shape")
    x = draw(ref.arrays(shape), label="x")
    if draw(st.booleans(), label="huge"):
        x = x * 400.0  # entries up to +-1200: exp overflows unless shifted by the max
    kw = {"axis": draw(st.integers(-len(shape), len(shape) - 1), label="axis")}
    if name == "logsumexp":
        kw["keepdims"] = draw(st.booleans(), label="keepdims")
    return name, x, kw


INF = np.inf
#: logsumexp over a row that is all -inf: -inf (log 0), as numpy, scipy and torch give, not
#: nan. Its value only: the contract says nothing of the gradient there.
LSE_ALL_NEG_INF = [
    ("logsumexp", np.array([[0.5, -1.0, 2.0], [-INF, -INF, -INF], [-INF, 3.0, -INF]]),
     {"axis": -1, "keepdims": False}),
]


@pytest.mark.points(1)
@settings(max_examples=50)
@explicit_examples("case", LSE_ALL_NEG_INF)
@given(case=softmax_cases())
def test_softmax_family(student, case):
    """logsumexp, softmax and log_softmax along an axis, stable for values of +-1000;
    logsumexp of an all -inf row is -inf."""
    name, x, kw = case
    if not np.all(np.isfinite(x)):
        call = f"{name}({shown(x)}, {', '.join(f'{k}={v}' for k, v in kw.items())})"
        got = student.call(probes.run_op, name, [x], kw, None)
        check_close(got["value"], ref.forward(name, [x], kw), call, rtol=ref.RTOL,
                    atol=ref.ATOL,
                    hint="where the max along the axis is -inf (every entry -inf), the sum of "
                         "exps is 0 and the result -inf: shift by 0 there, not by the max "
                         "(-inf - -inf is nan)")
        return
    big = float(np.max(np.abs(x))) if x.size else 0.0
    hint = "subtract the max along the axis before exp"
    if big > 700:  # exp overflows float64 beyond ~709: say the input is huge
        hint = f"x holds values up to ±{big:.4g}, and exp({big:.4g}) overflows: {hint}"
    _run(student, name, [x], kw, hint=hint, fd=big < 10)


@pytest.mark.points(2)
@settings(max_examples=60)
@given(case=ref.programs())
def test_random_programs(student, case):
    """Random programs of ops over broadcasting inputs, with reuse: value and every gradient."""
    inputs, program, grad_out = case
    code = ref.program_text(len(inputs), program)
    describe_example("case", f"inputs {shown(inputs)}, upstream gradient {shown(grad_out)}; "
                     f"{code}")
    got = student.call(probes.run_program, inputs, program, grad_out)
    value, grads = ref.run_program_ref(inputs, program, grad_out)
    check_close(got["value"], value, f"value of `{code}`", rtol=ref.RTOL, atol=ref.ATOL)
    hint = ref.program_hint(inputs, program, grad_out, got["grads"], BROADCAST_HINT)
    ref.check_grads(got["grads"], grads, f"`{code}`", hint=hint, none_is_zero=True)
