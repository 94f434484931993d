"""Part nn (hidden): initialisation, parameter discovery, activations, the data loader."""

import numpy as np
import pytest
from scipy import stats

from autograder.judge.api import check_close, check_equal, expect_raises
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("nn")


@pytest.mark.points(1)
def test_linear_init_distribution(student):
    """Linear's weight and bias are U(-1/sqrt(in), 1/sqrt(in)), float64, repeatable by seed."""
    for n_in, n_out, seed in [(400, 300, 0), (25, 600, 1)]:
        got = student.call(probes.linear_init, n_in, n_out, seed)
        bound = 1.0 / np.sqrt(n_in)
        check_equal(got["dtype"], "float64", f"Linear({n_in}, {n_out}).weight dtype")
        check_equal(got["requires_grad"], [True, True], "[weight, bias].requires_grad")
        check_equal(got["no_bias"], [True, 1], "[bias is None, len(parameters())] with bias=False")
        check_close(got["repeat_weight"], got["weight"], "weights of two layers made with the "
                    "same seed", rtol=0, atol=0, hint="draw with np.random.default_rng(rng)")
        for key, shape in (("weight", (n_out, n_in)), ("bias", (n_out,))):
            values = np.asarray(got[key])
            check_equal(list(values.shape), list(shape), f"{key} shape of Linear({n_in}, {n_out})")
            assert np.all(np.abs(values) <= bound), (
                f"{key} of Linear({n_in}, {n_out}) has entries outside +-1/sqrt(in_features) = "
                f"+-{bound:.4f}")
            p = stats.kstest(values.reshape(-1), "uniform", args=(-bound, 2 * bound)).pvalue
            assert p > 1e-6, (
                f"{key} of Linear({n_in}, {n_out}) does not look uniform on +-{bound:.4f} "
                f"(Kolmogorov-Smirnov p = {p:.2g})")


@pytest.mark.points(1)
def test_parameters_nested_and_shared(student):
    """parameters() finds tensors in attributes, nested modules and lists, each once, in order."""
    got = student.call(probes.parameters, "custom")
    check_equal(got["order"], list(range(got["count"])),
                "parameters() of a module with a tensor, a frozen tensor, a Linear, a nested list "
                "of Linears and a shared weight (indices in the expected order)",
                hint="walk vars(self) in order, recurse into modules and lists, skip tensors "
                     "without requires_grad and tensors already listed")


@pytest.mark.points(1)
def test_activation_modules(student):
    """ReLU and Tanh modules, and a Sequential of them: forward and backward."""
    x = np.array([[-1.5, 0.0, 0.7], [2.0, -0.1, 0.0]])
    seed = ref.seed_like(x.shape)
    got = student.call(probes.activations, x, seed)
    for name in ("relu", "tanh"):
        value, grad = got[name]
        check_close(value, ref.forward(name, [x], {}), f"{name} module output", rtol=ref.RTOL)
        check_close(grad, ref.vjp(name, [x], {}, seed)[0], f"{name} module gradient",
                    rtol=ref.RTOL, atol=ref.ATOL)
    value, grad = got["sequential"]  # tanh(relu(x)): the layers in order
    out = np.tanh(np.maximum(x, 0.0))
    check_close(value, out, "Sequential(ReLU(), Tanh()) output", rtol=ref.RTOL,
                hint="feed x through every layer in order: tanh(relu(x))")
    check_close(grad, seed * (1.0 - out**2) * (x > 0), "Sequential(ReLU(), Tanh()) gradient",
                rtol=ref.RTOL, atol=ref.ATOL)


def check_epochs(got, x, y, batch_size, shuffle, drop_last):
    """Every epoch: paired rows, right batch sizes, each row once (or all but a remainder)."""
    n = len(x)
    full, rest = divmod(n, batch_size)
    sizes = [batch_size] * full + ([] if drop_last or rest == 0 else [rest])
    check_equal(got["len"], len(sizes), f"len(DataLoader(n={n}, batch_size={batch_size}, "
                f"drop_last={drop_last}))")
    orders = []
    for e, epoch in enumerate(got["epochs"]):
        check_equal([len(np.asarray(xb)) for xb, _ in epoch], sizes,
                    f"batch sizes of epoch {e} (n={n}, batch_size={batch_size})")
        ids = np.concatenate([np.asarray(yb) for _, yb in epoch]) if epoch else np.zeros(0)
        rows = np.concatenate([np.asarray(xb) for xb, _ in epoch]) if epoch else x[:0]
        check_close(rows, x[ids.astype(int)], f"epoch {e}: x rows paired with their y",
                    rtol=0, atol=0)
        assert len(set(ids.tolist())) == len(ids), f"epoch {e} yields a row twice"
        orders.append(ids.tolist())
    if not shuffle:
        check_equal(orders[0], list(range(len(orders[0]))), "order without shuffle")
    else:
        assert orders[0] != sorted(orders[0]), "shuffle=True did not shuffle the rows"
        assert orders[0] != orders[1], "every epoch must draw a new order"


@pytest.mark.points(1)
def test_dataloader(student):
    """DataLoader batches paired rows, reshuffles every epoch, handles remainders and drop_last;
    mismatched lengths and batch sizes below 1 raise ValueError."""
    n = 53
    x = np.arange(n * 2, dtype=np.float64).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    for batch_size, shuffle, drop_last in [(8, True, False), (8, True, True), (10, False, False),
                                           (53, True, False), (64, False, False),
                                           (1, False, False)]:
        got = student.call(probes.dataloader, x, y, batch_size, shuffle, 5, drop_last, 2)
        check_epochs(got, x, y, batch_size, shuffle, drop_last)
    # 300 rows: equal lengths past 256 are equal ints, not the same int object
    n = 300
    x, y = np.arange(n * 2, dtype=np.float64).reshape(n, 2), np.arange(n, dtype=np.int64)
    got = student.call(probes.dataloader, x, y, 128, False, 5, False, 1)
    check_epochs(got, x, y, 128, False, False)
    for x_rows, y_rows in [(5, 4), (4, 5)]:
        expect_raises(student, probes.dataloader_mismatch, x_rows, y_rows, error="ValueError",
                      what=f"DataLoader with {x_rows} rows of x and {y_rows} of y")
    for batch_size in (0, -1):
        expect_raises(student, probes.dataloader, x, y, batch_size, False, 5, False, 1,
                      error="ValueError",
                      what=f"DataLoader(x, y, batch_size={batch_size}) (batch_size < 1)")
