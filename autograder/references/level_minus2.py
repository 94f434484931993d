"""Level -2 references: exact answers, scipy/numpy oracles, checks and hypothesis strategies.

Runs in the judge only and never imports student code. Rational answers are exact
`fractions.Fraction`s; everything else comes from numpy, scipy.stats or scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograder.cases.level_minus2 import fraction_data

# The answer-free checks the public suites use too (one home, shipped to students).
from autograder.suites.checks import (  # noqa: F401
    check_no_inverse,
    check_no_itertools,
    check_number,
    float_of,
    number,
)

#: How many standard errors a seeded estimate may stray from the exact value. A correct
#: solution fails a 5-sigma bound about once in 1.7 million seeds.
Z = 5.0
#: Absolute tolerance for a float answer to a question whose exact answer is rational.
EXACT_TOL = 1e-9


# -- plain data -------------------------------------------------------------------------------
def table_arg(table: dict) -> list:
    """A {outcome: probability} dict as probe data (Fractions encoded, tuples as lists)."""
    return [[plain(o), fraction_data(p) if isinstance(p, Fraction) else p]
            for o, p in table.items()]


def plain(outcome: Any) -> Any:
    """An outcome as probe data (tuples travel as lists)."""
    return [plain(v) for v in outcome] if isinstance(outcome, tuple) else outcome


# -- checks -----------------------------------------------------------------------------------
def assert_number(got: Any, want: Fraction | float, what: str, hint: str = "",
                  tol: float = EXACT_TOL) -> None:
    """`got` (probe data) equals `want`: exactly when both are exact, within `tol` (by default
    EXACT_TOL) otherwise (`checks.check_number`, with the level's default tolerance)."""
    check_number(got, want, what, hint, tol=tol)


def assert_array(got: Any, want: Any, what: str, hint: str = "", rtol: float = 1e-9,
                 atol: float = 1e-12) -> None:
    """`got` matches `want` in shape and values (NaN only where `want` has NaN)."""
    if isinstance(got, dict):
        raise AssertionError(f"{what}: expected an array, your code returned a {got.get('type')}")
    got_a, want_a = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    more = f" ({hint})" if hint else ""
    if got_a.shape != want_a.shape:
        raise AssertionError(f"{what}: shape {got_a.shape}, expected {want_a.shape}{more}")
    close = np.isclose(got_a, want_a, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        i = tuple(int(v) for v in np.argwhere(~close)[0])
        where = f" at index {i}" if got_a.ndim else ""
        raise AssertionError(
            f"{what}: {np.count_nonzero(~close)} of {close.size} values wrong; first{where}: got "
            f"{float(got_a[i])!r}, expected {float(want_a[i])!r}{more}")


def assert_listing(got: dict, want: list[list], call: str) -> None:
    """A permutations/combinations result equals `want`, entry by entry and in order."""
    value = got["value"]
    if isinstance(value, dict):
        raise AssertionError(f"{call}: expected a list of lists, got a {value.get('type')}")
    if len(value) != len(want):
        raise AssertionError(f"{call}: got {len(value)} lists, expected {len(want)}")
    for i, (mine, theirs) in enumerate(zip(value, want, strict=True)):
        if mine != theirs:
            raise AssertionError(f"{call}: entry {i} is {mine}, expected {theirs} (lexicographic "
                                 "order of positions, duplicates kept)")


def within_clt(estimate: float, exact: float, variance: float, n: int) -> float:
    """The largest deviation a seeded estimate of n trials may have (Z standard errors)."""
    return Z * math.sqrt(variance / n) + 1e-12


# -- static checks of student source ----------------------------------------------------------
# -- exact answers: spaces and the book's questions -------------------------------------------
def space_P(table: dict, event: Iterable, given: Iterable | None = None) -> Fraction | float:
    """P(event) or P(event | given) on a {outcome: probability} table; None if P(given) == 0."""
    a = set(event)
    if given is None:
        return _sum(table[o] for o in a)
    b = set(given)
    p_b = _sum(table[o] for o in b)
    if p_b == 0:
        return None  # type: ignore[return-value]
    return _sum(table[o] for o in a & b) / p_b


def _sum(values: Iterable) -> Fraction | float:
    values = list(values)
    if all(isinstance(v, Fraction | int) for v in values):
        return sum(values, Fraction(0))
    return math.fsum(float(v) for v in values)


def pmf(table: dict, X: dict) -> dict:
    """{x: P(X = x)} for X given as {outcome: value}."""
    mass: dict = {}
    for o, p in table.items():
        mass.setdefault(X[o], []).append(p)
    return {x: _sum(ps) for x, ps in mass.items()}


def expectation(table: dict, X: dict) -> Fraction | float:
    """E[X]."""
    return _sum(x * p for x, p in pmf(table, X).items())


def variance(table: dict, X: dict) -> Fraction | float:
    """Var[X] = E[(X - E[X])^2]."""
    mu = expectation(table, X)
    return _sum((x - mu) ** 2 * p for x, p in pmf(table, X).items())


VOCABULARY = {"acid": 4, "balls": 1, "chop": 9, "death": 8, "grind": 8, "mind": 5, "poppin": 4,
              "pills": 19, "razor": 3, "shallow": 22, "tequila": 15, "zoey": 2}
WORDS = {w: Fraction(c, 100) for w, c in VOCABULARY.items()}


def vocabulary_answers() -> dict[str, Fraction]:
    """The vocabulary questions, computed here from the appendix's table."""
    x5 = {w for w in WORDS if len(w) == 5}
    y112 = {w for w in WORDS if ord(w[0]) == 112}
    X = {w: len(w) for w in WORDS}
    return {
        "P(X = 5)": space_P(WORDS, x5),
        "P(Y = 112)": space_P(WORDS, y112),
        "P(X = 5 and Y = 112)": space_P(WORDS, x5 & y112),
        "P(X = 5 or Y = 112)": space_P(WORDS, x5 | y112),
        "P(X = 5 | Y = 112)": space_P(WORDS, x5, given=y112),
        "E[X]": expectation(WORDS, X),
        "Var[X]": variance(WORDS, X),
    }


def pills_given_p() -> Fraction:
    """P(Z = pills | Y = 112) = P(pills) / P(poppin or pills) = 19/23."""
    return WORDS["pills"] / (WORDS["pills"] + WORDS["poppin"])


def two_dice_sum_eight() -> Fraction:
    """5/36 by enumeration."""
    return Fraction(sum(a + b == 8 for a in range(1, 7) for b in range(1, 7)), 36)


def jar_one_red_two_blue() -> Fraction:
    """C(4,1) C(2,2) / C(6,3) = 1/5."""
    return Fraction(math.comb(4, 1) * math.comb(2, 2), math.comb(6, 3))


def five_card_straight() -> Fraction:
    """10 lowest ranks times 4^5 suit choices over C(52, 5) hands."""
    return Fraction(10 * 4**5, math.comb(52, 5))


# -- bayes ------------------------------------------------------------------------------------
def bayes(joint: np.ndarray) -> dict[str, np.ndarray]:
    """prior, likelihood, evidence, posterior; NaN where conditioning on probability 0."""
    joint = np.asarray(joint, dtype=np.float64)
    prior, evidence = joint.sum(axis=1), joint.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        likelihood = np.where(prior[:, None] > 0, joint / prior[:, None], np.nan)
        posterior = np.where(evidence[None, :] > 0, joint / evidence[None, :], np.nan)
    return {"prior": prior, "likelihood": likelihood, "evidence": evidence,
            "posterior": posterior}


# -- distributions ----------------------------------------------------------------------------
DISCRETE = ("Bernoulli", "Binomial", "Geometric", "Poisson")
CONTINUOUS = ("Uniform", "Exponential", "Normal")


def scipy_distribution(name: str, params: dict) -> Any:
    """The frozen scipy.stats distribution matching the kit's parameterisation."""
    from scipy import stats

    makers: dict[str, Callable[..., Any]] = {
        "Bernoulli": lambda p: stats.bernoulli(p),
        "Binomial": lambda n, p: stats.binom(n, p),
        "Geometric": lambda p: stats.geom(p),
        "Poisson": lambda lam: stats.poisson(lam),
        "Uniform": lambda a, b: stats.uniform(loc=a, scale=b - a),
        "Exponential": lambda lam: stats.expon(scale=1.0 / lam),
        "Normal": lambda mu, sigma: stats.norm(loc=mu, scale=sigma),
        "MultiNormal": lambda mu, cov: stats.multivariate_normal(mean=mu, cov=cov),
    }
    return makers[name](**params)


def evaluation_points(name: str, params: dict) -> np.ndarray:
    """Points spanning the support, its edges and a little outside (non-integers included)."""
    ref = scipy_distribution(name, params)
    lo, hi = (float(v) for v in ref.ppf([1e-6, 1 - 1e-6]))
    if name in DISCRETE:
        ks = np.unique(np.round(np.linspace(lo, hi, 12)))
        return np.concatenate([ks, [lo - 2, lo - 1, lo - 0.5, lo + 0.5, hi + 1, hi + 3.7]])
    width = hi - lo
    inside = np.linspace(lo, hi, 12)
    support = ref.support()
    edges = [v for v in support if math.isfinite(v)]
    return np.concatenate([inside, edges, [lo - width, hi + width, lo - 0.25 * width]])


# -- estimation -------------------------------------------------------------------------------
@cache
def diabetes() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled diabetes data (442 x 10, already centred and scaled)."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return X, y


@cache
def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled breast-cancer data, standardised, with an intercept column."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return np.column_stack([np.ones(len(X)), X]), y.astype(np.float64)


def with_intercept(X: np.ndarray) -> np.ndarray:
    """A column of ones, then X."""
    return np.column_stack([np.ones(X.shape[0]), X])


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares by numpy's SVD-based lstsq (an independent route to the same answer)."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def ridge(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Ridge without intercept: the regularised problem as an augmented least-squares one.

    min ||y - X w||^2 + lam ||w||^2 = min ||[y; 0] - [X; sqrt(lam) I] w||^2, solved by SVD
    (an independent route from the normal equations students write).
    """
    m = X.shape[1]
    augmented = np.vstack([X, math.sqrt(lam) * np.eye(m)])
    return least_squares(augmented, np.concatenate([y, np.zeros(m)]))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function via scipy.special.expit."""
    from scipy.special import expit

    return expit(z)


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy from logits via numpy.logaddexp: log(1 + e^z) - y z."""
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def logistic_gd(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """The contract's gradient descent: w = 0, then `steps` steps on the mean cross-entropy."""
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w -= lr * X.T @ (sigmoid(X @ w) - y) / len(y)
    return w


def synthetic_regression(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                             float]:
    """(X with intercept, y, true theta, noise sigma) for y = X theta + noise."""
    rng = np.random.default_rng(seed)
    theta = np.array([1.5, -2.0, 0.5, 3.0, 0.0])
    X = with_intercept(rng.standard_normal((n, 4)))
    sigma = 0.3
    return X, X @ theta + sigma * rng.standard_normal(n), theta, sigma


def synthetic_classification(seed: int, n: int = 2000) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """(X with intercept, labels, true w) drawn from the logistic model."""
    rng = np.random.default_rng(seed)
    w = np.array([0.5, 2.0, -1.0, 0.0])
    X = with_intercept(rng.standard_normal((n, 3)))
    y = (rng.random(n) < sigmoid(X @ w)).astype(np.float64)
    return X, y, w


# -- hypothesis strategies --------------------------------------------------------------------
@st.composite
def spaces(draw: st.DrawFn, exact: bool = True) -> dict:
    """A finite space {outcome: probability}: 1-7 int or str outcomes, zero masses included."""
    kind = draw(st.sampled_from(["int", "str"]))
    atoms = (st.integers(-30, 30) if kind == "int"
             else st.text("abcdxyz", min_size=1, max_size=3))
    outcomes = draw(st.lists(atoms, min_size=1, max_size=7, unique=True))
    weights = draw(st.lists(st.integers(0, 5), min_size=len(outcomes), max_size=len(outcomes)))
    if sum(weights) == 0:
        weights[draw(st.integers(0, len(weights) - 1))] = 1
    total = sum(weights)
    if exact:
        return {o: Fraction(w, total) for o, w in zip(outcomes, weights, strict=True)}
    return {o: w / total for o, w in zip(outcomes, weights, strict=True)}


def subsets_of(outcomes: list) -> st.SearchStrategy[set]:
    """Events: any subset of the outcomes, the empty one and the whole space included."""
    return st.sets(st.sampled_from(outcomes)) if outcomes else st.just(set())


def random_variables(outcomes: list) -> st.SearchStrategy[dict]:
    """Integer-valued random variables {outcome: value} (values collide, so pmfs merge)."""
    return st.fixed_dictionaries({o: st.integers(-4, 4) for o in outcomes})


@st.composite
def joint_tables(draw: st.DrawFn) -> np.ndarray:
    """Joint tables up to 4 x 4, often with zero rows/columns, sometimes a single atom."""
    dx, dy = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = draw(st.lists(st.integers(0, 4), min_size=dx * dy, max_size=dx * dy))
    w = np.array(cells, dtype=np.float64).reshape(dx, dy)
    shape = draw(st.sampled_from(["any", "zero row", "zero column", "one atom"]))
    if shape == "zero row":
        w[draw(st.integers(0, dx - 1))] = 0.0
    elif shape == "zero column":
        w[:, draw(st.integers(0, dy - 1))] = 0.0
    elif shape == "one atom":
        w[:] = 0.0
    if w.sum() == 0:
        w[draw(st.integers(0, dx - 1)), draw(st.integers(0, dy - 1))] = 1.0
    return w / w.sum()


def bad_tables() -> list[tuple[str, Any]]:
    """(what is wrong, table) pairs that are not joint probability tables."""
    return [
        ("a negative entry", [[0.6, -0.1], [0.3, 0.2]]),
        ("entries summing to 1.5", [[0.5, 0.5], [0.25, 0.25]]),
        ("entries summing to 0.9", [[0.3, 0.3], [0.2, 0.1]]),
        ("a NaN entry", [[0.5, float("nan")], [0.25, 0.25]]),
        ("an infinite entry", [[float("inf"), 0.0], [0.0, 0.0]]),
        ("a 1-d array", [0.5, 0.5]),
        ("a 3-d array", [[[0.5], [0.5]]]),
        ("an empty table", np.zeros((0, 2))),
    ]


def distribution_params(name: str) -> st.SearchStrategy[dict]:
    """Valid parameters, including edge values scipy also accepts."""
    unit = st.floats(0.0, 1.0)
    positive = st.floats(0.01, 1.0)
    table: dict[str, st.SearchStrategy[dict]] = {
        "Bernoulli": st.fixed_dictionaries({"p": unit}),
        "Binomial": st.fixed_dictionaries({"n": st.integers(0, 60), "p": unit}),
        "Geometric": st.fixed_dictionaries({"p": positive}),
        "Poisson": st.fixed_dictionaries({"lam": st.floats(0.05, 300.0)}),
        "Uniform": st.builds(lambda a, w: {"a": a, "b": a + w}, st.floats(-50, 50),
                             st.floats(1e-3, 100.0)),
        "Exponential": st.fixed_dictionaries({"lam": st.floats(1e-3, 1e3)}),
        "Normal": st.fixed_dictionaries({"mu": st.floats(-100, 100),
                                         "sigma": st.floats(1e-3, 1e3)}),
    }
    return table[name]
