"""Part graph (hidden): deep chains, random DAGs, toposort, detach, no_grad, misuse."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close, check_equal, describe_example, expect_raises
from autograder.judge.shown import shown
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("graph")

BINARY = {"add", "mul"}


@st.composite
def dags(draw):
    """Inputs of one shape, requires_grad flags (input 0 always True) and a random DAG."""
    shape = draw(ref.shapes(max_dims=2, max_side=3))
    n_inputs = draw(st.integers(1, 3))
    inputs = [draw(ref.arrays(shape, -2.0, 2.0)) for _ in range(n_inputs)]
    requires = [True] + [draw(st.booleans()) for _ in range(n_inputs - 1)]
    program = []
    for _ in range(draw(st.integers(1, 12))):
        n = n_inputs + len(program)
        op = draw(st.sampled_from(["scale", "add", "mul", "sin"]))
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        program.append([op, i, j if op in BINARY else 0, draw(ref.floats(-2.0, 2.0))])
    program.append(["add", n_inputs + len(program) - 1, 0, 0.0])  # the output needs input 0
    seed = draw(ref.arrays(shape, -1.0, 1.0))
    return inputs, requires, program, seed


def _parents(program, n_inputs, node):
    if node < n_inputs:
        return []
    op, i, j, _ = program[node - n_inputs]
    return [i, j] if op in BINARY else [i]


@pytest.mark.points(3)
def test_chain_of_10000_ops(student):
    """backward through a chain of 10,000 ops works (an iterative topological sort)."""
    x = np.array([1.0, -2.0])
    got = student.call(probes.chain, 10_000, x, 1.0001)
    assert got["limit_raised"] is None, (
        f"your code set Python's recursion limit to {got['limit_raised']} during backward(): "
        "sort with an explicit stack, under the default limit, instead of recursing deeper")
    check_close(got["grad"], np.full(2, 1.0001**10_000), "gradient through 10,000 x -> c*x",
                rtol=1e-9,
                hint="a recursive toposort hits Python's recursion limit: use an explicit stack")


@pytest.mark.points(2)
@settings(max_examples=40)
@given(case=dags())
def test_random_dags(student, case):
    """Random DAGs with reuse: every leaf that requires grad gets the right gradient."""
    inputs, requires, program, seed = case
    describe_example("case", f"inputs {shown(inputs)}, requires_grad {shown(requires)}; "
                     f"{ref.dag_text(len(inputs), program)}")
    got = student.call(probes.run_dag, inputs, requires, program, seed)
    value, grads = ref.run_dag(inputs, program, seed)
    check_close(got["value"], value, "value of the last node", rtol=ref.RTOL, atol=ref.ATOL)
    for k, (g, want) in enumerate(zip(got["grads"], grads, strict=True)):
        if not requires[k]:
            check_equal(g, None, f"grad of input {k} (requires_grad=False)")
        else:
            dag = ref.dag_text(len(inputs), program)
            used = [p for node in range(len(inputs), len(inputs) + len(program))
                    for p in _parents(program, len(inputs), node)]
            hint = ref.ACCUMULATE_HINT if len(used) != len(set(used)) else \
                "visit a node only after every node that uses it (a topological order)"
            ref.check_grads([g], [want], f"`{dag}`, input {k}", none_is_zero=True, hint=hint)


@pytest.mark.points(1)
@settings(max_examples=25)
@given(case=dags())
def test_toposort_order(student, case):
    """toposort lists each reachable node that requires grad once, parents first, root last."""
    inputs, requires, program, _ = case
    describe_example("case", f"inputs {shown(inputs)}, requires_grad {shown(requires)}; "
                     f"{ref.dag_text(len(inputs), program)}")
    n_inputs = len(inputs)
    needs = list(requires)
    for node in range(n_inputs, n_inputs + len(program)):
        needs.append(any(needs[p] for p in _parents(program, n_inputs, node)))
    reachable, stack = set(), [len(needs) - 1]
    while stack:
        node = stack.pop()
        if node in reachable or not needs[node]:
            continue
        reachable.add(node)
        stack.extend(_parents(program, n_inputs, node))
    order = student.call(probes.toposort_order, inputs, requires, program)
    assert -1 not in order, "toposort returned a tensor that is not a node of the graph"
    assert len(order) == len(set(order)), f"toposort listed a node twice: {order}"
    assert set(order) == reachable, (
        f"toposort should list exactly the nodes that require grad and lead to the root: "
        f"got {sorted(order)}, expected {sorted(reachable)}")
    assert order[-1] == len(needs) - 1, "the root must come last"
    position = {node: k for k, node in enumerate(order)}
    for node in order:
        for p in _parents(program, n_inputs, node):
            if p in position:
                assert position[p] < position[node], (
                    f"node {p} is used by node {node} but comes after it")


@pytest.mark.points(1)
def test_detach(student):
    """detach() shares the data, is a leaf without grad, and blocks the gradient."""
    x = np.array([0.5, -1.5, 2.0])
    got = student.call(probes.detach_facts, x)
    check_equal([got["shares_data"], got["requires_grad"], got["is_leaf"]], [True, False, True],
                "[d.data is y.data, d.requires_grad, d.is_leaf] for d = y.detach()")
    what = "d(sum(d*x + x))/dx with d = (3x).detach()"
    assert got["grad"] is not None, (
        f"{what}: x got no gradient: d*x + x after detach() was not recorded (does detach() "
        "change y, or leave recording off?)")
    through = np.allclose(got["grad"], 6 * x + 1, rtol=ref.RTOL)
    check_close(got["grad"], 3 * x + 1, what, rtol=ref.RTOL,
                hint="gradient flowed through the detached tensor into 3x: d must be a leaf "
                     "with no parents" if through else
                     "the expected gradient is d + 1 = 3x + 1 (d*x gives d, as d is a "
                     "constant; + x gives 1): a path after detach() lost its gradient")
    check_equal(got["d_grad"], None, "grad of the detached tensor")


@pytest.mark.points(1)
def test_no_grad(student):
    """no_grad records nothing inside, nests, and restores recording on exit and on errors."""
    got = student.call(probes.no_grad_facts, np.array([1.0, 2.0]))
    check_equal(got["inside"], [False, 0], "[requires_grad, len(parents)] inside no_grad")
    check_equal(got["after_nested"], False, "requires_grad after a nested no_grad block",
                hint="restore the previous state on exit, not True")
    check_equal(got["state_inside"], False, "is_grad_enabled() inside no_grad")
    check_equal(got["outside"], [True, 1], "[requires_grad, len(parents)] after no_grad")
    check_equal(got["after_error"], [True, True, True],
                "[raised, requires_grad, is_grad_enabled()] after an exception inside no_grad")


@pytest.mark.points(1)
def test_backward_misuse(student):
    """backward without a seed on a non-scalar, with a wrongly shaped seed (on a leaf too), on
    a constant, or through a VJP returning a wrongly shaped gradient; gradients on a non-float
    tensor; a seed given as a list or a Tensor works; a VJP's None (no gradient for that
    parent) is skipped."""
    expect_raises(student, probes.backward_misuse, "no_seed", error="RuntimeError",
                  what="backward() on a (2, 3) tensor without a seed")
    expect_raises(student, probes.backward_misuse, "bad_seed", error="ValueError",
                  what="backward(seed of shape (3, 2)) on a (2, 3) tensor")
    # On a leaf no VJP runs: only backward's own check of the seed's shape can see it.
    for shape in ("3x2", "1x3"):
        expect_raises(student, probes.backward_misuse, f"leaf_seed_{shape}", error="ValueError",
                      what=f"x.backward(seed of shape ({shape.replace('x', ', ')})) on a "
                           "(2, 3) leaf x (the seed must have exactly x's shape)")
        expect_raises(student, probes.backward_misuse, f"vjp_{shape}", error="ValueError",
                      match="probe_bad_vjp",
                      what=f"backward through an op `probe_bad_vjp` whose VJP returns a "
                           f"({shape.replace('x', ', ')}) gradient for its (2, 3) input (the "
                           "ValueError names the op)")
    expect_raises(student, probes.backward_misuse, "no_grad", error="RuntimeError",
                  what="backward() on a tensor that does not require grad")
    for dtype in ("bool", "uint8", "int32"):
        expect_raises(student, probes.requires_grad_on, dtype, error="TypeError",
                      what=f"Tensor({dtype} array, requires_grad=True) (only floating tensors "
                           "have gradients)")
    # not misuses: a seed given as a list or a Tensor, like an array
    x, seed = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.0, -2.0], [0.5, 3.0]])
    got = student.call(probes.seed_forms, x, seed)
    for form in ("array", "list", "Tensor"):
        check_close(got[form], 3.0 * seed, f"x.grad after (3 * x).backward(seed as {form})",
                    rtol=ref.RTOL, hint="the seed may be an array, a list or a Tensor (use its "
                    ".data): np.asarray of it, in the tensor's dtype")
    # a VJP may return None for a parent that gets no gradient
    x, y = np.array([0.5, -1.0, 2.0]), np.array([3.0, 1.0, -2.0])
    got = student.call(probes.vjp_none_facts, x, y)
    for order, vjp in (("xy", "(2 * grad_out, None)"), ("yx", "(None, 2 * grad_out)")):
        what = (f"an op of ({order[0]}, {order[1]}) whose VJP returns {vjp}, then sum and "
                "backward")
        check_close(got[order]["x"], np.full(3, 2.0), f"{what}: x.grad", rtol=ref.RTOL,
                    hint="a node with no gradient is skipped; the others still get theirs")
        check_equal(got[order]["y"], None, f"{what}: y.grad (None: y got no gradient)",
                    hint="skip a parent whose gradient is None, even if it requires grad")
