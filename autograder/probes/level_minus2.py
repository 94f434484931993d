"""Level -2 probes: run the student's `probability` package inside the worker, return plain data.

Student modules are imported inside each probe, so a broken file only fails the tests that need
it. Values cross back as plain data: a Fraction or int becomes {"fraction": [num, den]}, a float
stays a float, anything else becomes {"type": name} for the judge to report. No verdicts here.

Two probes also watch library functions the level forbids in some places: `itertools`
(permutations, combinations) and `numpy.linalg` (explicit inverses). The wrappers are installed
before the student's module is first imported, count calls, and change nothing else.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from autograder.cases.level_minus2 import fraction_data

WATCHED = {
    "itertools": ("permutations", "combinations", "combinations_with_replacement", "product"),
    "numpy.linalg": ("inv", "pinv", "tensorinv"),
}
#: Other modules that hold the same functions (numpy.linalg's implementation, and the compiled
#: routine every inverse ends in, whichever name called it): wrapped too, and counted under
#: the public name a student knows.
WATCHED_ALSO = {
    "numpy.linalg": ("numpy.linalg._linalg", "numpy.linalg._umath_linalg"),
}
_calls: dict[str, int] = {}

DISTRIBUTIONS = ("Bernoulli", "Binomial", "Geometric", "Poisson", "Uniform", "Exponential",
                 "Normal", "MultiNormal")
DIST_METHODS = ("pmf", "logpmf", "pdf", "logpdf", "cdf", "mean", "var")
EXAMPLES = ("die_even", "two_dice_sum_eight", "jar_one_red_two_blue", "five_card_straight",
            "p_pills_given_p")
ESTIMATORS = ("mle_bernoulli", "mle_poisson", "mle_normal", "map_bernoulli", "normal_equations",
              "ridge", "sigmoid", "bce_with_logits", "logistic_regression")


# -- plumbing ---------------------------------------------------------------------------------
def _student(module: str) -> Any:
    return importlib.import_module(f"probability.{module}")


def _watch() -> None:
    """Wrap the watched functions once per worker (idempotent), wherever they live."""
    for module_name, names in WATCHED.items():
        for holder in (module_name, *WATCHED_ALSO.get(module_name, ())):
            try:
                module = importlib.import_module(holder)
            except ImportError:  # another numpy's layout: the public module still counts
                continue
            for name in names:
                original = getattr(module, name, None)
                if original is None or getattr(original, "_kit_watched", False):
                    continue
                setattr(module, name, _counting(f"{module_name}.{name}", original))


def _counting(key: str, original: Callable) -> Callable:
    def watched(*args: Any, **kwargs: Any) -> Any:
        _calls[key] = _calls.get(key, 0) + 1
        return original(*args, **kwargs)

    watched._kit_watched = True  # type: ignore[attr-defined]
    return watched


def _watched_call(fn: Callable, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """Call fn; return its value and the watched functions it called (sorted, unique)."""
    _calls.clear()
    value = fn(*args, **kwargs)
    return value, sorted(_calls)


def _number(value: Any) -> Any:
    """A student's number as plain data (see the module docstring)."""
    if isinstance(value, bool):
        return {"type": "bool"}
    if isinstance(value, int | np.integer):
        return fraction_data(int(value))
    if isinstance(value, Fraction):
        return fraction_data(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "fiu":
        return _number(value.item())
    return {"type": type(value).__name__}


def _prob(value: Any) -> Any:
    """A probability sent by the judge: {"fraction": [n, d]} becomes a Fraction, rest as is."""
    if isinstance(value, dict) and "fraction" in value:
        num, den = value["fraction"]
        return Fraction(num, den)
    return value


def _outcome(value: Any) -> Any:
    """Outcomes travel as int, str or list; lists stand for tuples (e.g. a pair of dice)."""
    return tuple(_outcome(v) for v in value) if isinstance(value, list) else value


def _plain_outcome(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain_outcome(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _array(value: Any) -> Any:
    """A student's array-like as a float64 array, or {"type": name} when it is not numeric."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return {"type": type(value).__name__}
    return arr


# -- counting ---------------------------------------------------------------------------------
def _listing(fn_name: str, items: list, *args: Any) -> dict:
    _watch()
    fn = getattr(_student("counting"), fn_name)
    given = list(items)
    value, watched = _watched_call(fn, given, *args)
    try:
        result = [[_plain_outcome(v) for v in entry] for entry in value]
    except TypeError:
        result = {"type": type(value).__name__}
    return {"value": result, "items_after": given, "watched": watched}


def permutations(items: list) -> dict:
    """Run permutations(items): its lists, the input afterwards, watched itertools calls."""
    return _listing("permutations", items)


def combinations(items: list, k: int) -> dict:
    """Run combinations(items, k): its lists, the input afterwards, watched itertools calls."""
    return _listing("combinations", items, k)


# -- spaces -----------------------------------------------------------------------------------
def _table(table: list) -> dict:
    return {_outcome(o): _prob(p) for o, p in table}


def _event(spec: dict | None) -> Any:
    if spec is None:
        return None
    members = [_outcome(o) for o in spec.get("set", spec.get("pred", []))]
    if "pred" in spec:
        inside = set(members)
        return lambda outcome: outcome in inside
    return set(members)


def _rv(pairs: list) -> Callable[[Any], Any]:
    values = {_outcome(o): _prob(v) for o, v in pairs}
    return lambda outcome: values[outcome]


def _space(table: list) -> Any:
    return _student("spaces").ProbabilitySpace(_table(table))


def check_axioms(table: list) -> dict:
    """check_axioms on a table of [outcome, probability] pairs: the dict it returns."""
    out = _student("spaces").check_axioms(_table(table))
    if not isinstance(out, dict):
        return {"type": type(out).__name__}
    return {"pairs": [[_plain_outcome(o), _number(p)] for o, p in out.items()]}


def space_event(table: list, event: dict) -> list:
    """ProbabilitySpace(table).event(event) as a list of outcomes."""
    return [_plain_outcome(o) for o in _space(table).event(_event(event))]


def space_P(table: list, event: dict, given: dict | None = None) -> Any:
    """ProbabilitySpace(table).P(event) or .P(event, given=...)."""
    space = _space(table)
    if given is None:
        return _number(space.P(_event(event)))
    return _number(space.P(_event(event), given=_event(given)))


def space_pmf(table: list, rv: list) -> Any:
    """ProbabilitySpace(table).pmf(X) as [[x, P(X = x)], ...] for X given by [outcome, value]."""
    mass = _space(table).pmf(_rv(rv))
    if not isinstance(mass, dict):
        return {"type": type(mass).__name__}
    return [[_number(x), _number(p)] for x, p in mass.items()]


def space_E(table: list, rv: list) -> Any:
    """ProbabilitySpace(table).E(X)."""
    return _number(_space(table).E(_rv(rv)))


def space_Var(table: list, rv: list) -> Any:
    """ProbabilitySpace(table).Var(X)."""
    return _number(_space(table).Var(_rv(rv)))


# -- examples ---------------------------------------------------------------------------------
def example(name: str) -> Any:
    """One of the book's questions from probability.examples, by function name."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}")
    return _number(getattr(_student("examples"), name)())


def vocabulary() -> dict:
    """Questions on the student's vocabulary space with X = word length, Y = first letter code."""
    ex = _student("examples")
    words = ex.vocabulary_space()
    X, Y = ex.word_length, ex.first_letter_code

    def x5(w: str) -> bool:
        return X(w) == 5

    def y112(w: str) -> bool:
        return Y(w) == 112

    return {
        "P(X = 5)": _number(words.P(x5)),
        "P(Y = 112)": _number(words.P(y112)),
        "P(X = 5 and Y = 112)": _number(words.P(lambda w: x5(w) and y112(w))),
        "P(X = 5 or Y = 112)": _number(words.P(lambda w: x5(w) or y112(w))),
        "P(X = 5 | Y = 112)": _number(words.P(x5, given=y112)),
        "E[X]": _number(words.E(X)),
        "Var[X]": _number(words.Var(X)),
    }


# -- simulation -------------------------------------------------------------------------------
def _experiment(name: str, seen: dict) -> Callable[[Any], Any]:
    def record(rng: Any) -> None:
        seen["trials"] += 1
        # Held by id, so that a generator dropped after its trial cannot lend its id to the
        # next one (a new generator per trial would otherwise count as one).
        seen["generators"].setdefault(id(rng), rng)
        seen["kinds"].add(type(rng).__name__)

    def dice(rng: Any) -> tuple[int, int]:
        record(rng)
        return int(rng.integers(1, 7)), int(rng.integers(1, 7))

    def coin(rng: Any) -> str:
        record(rng)
        return "H" if rng.random() < 0.3 else "T"

    def jar(rng: Any) -> int:
        record(rng)
        draw = rng.permutation(6)[:3]  # balls 0..3 red, 4..5 blue
        return int(np.sum(draw < 4))

    return {"dice": dice, "coin": coin, "jar": jar}[name]


EVENTS: dict[str, Any] = {
    "sum is 8": lambda pair: pair[0] + pair[1] == 8,
    "heads": {"H"},
    "one red": lambda reds: reds == 1,
    "doubles": lambda pair: pair[0] == pair[1],
}
VARIABLES: dict[str, Callable[[Any], float]] = {
    "sum": lambda pair: pair[0] + pair[1],
    "reds": lambda reds: reds,
}


def _simulate(fn_name: str, experiment: str, second: Any, n: Any, seed: Any) -> dict:
    seen: dict = {"trials": 0, "generators": {}, "kinds": set()}
    fn = getattr(_student("simulation"), fn_name)
    value = fn(_experiment(experiment, seen), second, n, seed)
    return {"value": _number(value), "trials": seen["trials"],
            "generators": len(seen["generators"]), "kinds": sorted(seen["kinds"])}


def estimate_probability(experiment: str, event: str, n: Any, seed: Any) -> dict:
    """estimate_probability on a kit experiment and event; also how the experiment was run."""
    return _simulate("estimate_probability", experiment, EVENTS[event], n, seed)


def estimate_mean(experiment: str, variable: str, n: Any, seed: Any) -> dict:
    """estimate_mean on a kit experiment and random variable; also how it was run."""
    return _simulate("estimate_mean", experiment, VARIABLES[variable], n, seed)


# -- bayes ------------------------------------------------------------------------------------
def check_joint(joint: Any, tol: float | None = None) -> Any:
    """check_joint(joint[, tol]) as a float64 array (tol passed only when given)."""
    more = {} if tol is None else {"tol": tol}
    return _array(_student("bayes").check_joint(joint, **more))


def joint_from(prior: Any, likelihood: Any, tol: float | None = None) -> Any:
    """joint_from(prior, likelihood[, tol]) as a float64 array (tol passed only when given)."""
    more = {} if tol is None else {"tol": tol}
    return _array(_student("bayes").joint_from(prior, likelihood, **more))


def bayes(joint: Any) -> dict:
    """bayes(joint) as {"prior", "likelihood", "evidence", "posterior"}; also the input after
    and the RuntimeWarnings it raised (numpy's divide by zero, invalid value: the contract
    says none)."""
    given = np.array(joint, dtype=np.float64)
    bayes_fn = _student("bayes").bayes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        out = bayes_fn(given)
    if not isinstance(out, tuple | list) or len(out) != 4:
        return {"type": type(out).__name__}
    names = ("prior", "likelihood", "evidence", "posterior")
    warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return {**{k: _array(v) for k, v in zip(names, out, strict=True)}, "input_after": given,
            "warnings": warned}


# -- distributions ----------------------------------------------------------------------------
def _distribution(name: str, params: dict) -> Any:
    if name not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {name!r}")
    return getattr(_student("distributions"), name)(**params)


def make_distribution(name: str, params: dict) -> None:
    """Construct a distribution (the judge checks which parameters raise ValueError)."""
    _distribution(name, params)


def distribution(name: str, params: dict, method: str, x: Any = None,
                 change_inputs: bool = False) -> Any:
    """dist.method(x) (or dist.mean() / dist.var()) as a float64 array.

    change_inputs: the caller changes its array parameters in place after construction and
    before the query (each array `+= 1` and then `*= 2`: positive definite stays positive
    definite), as a caller reusing its buffers would; a distribution keeping copies is unmoved.
    """
    if method not in DIST_METHODS:
        raise ValueError(f"unknown method {method!r}")
    if change_inputs:
        params = {k: np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v
                  for k, v in params.items()}
    dist = _distribution(name, params)
    if change_inputs:
        for value in params.values():
            if isinstance(value, np.ndarray):
                value += 1.0
                value *= 2.0
    value = getattr(dist, method)() if method in ("mean", "var") else getattr(dist, method)(x)
    return _array(value)


def sample(name: str, params: dict, size: int, seed: int) -> dict:
    """dist.sample(size, seed): the values as float64 and the dtype kind of the array returned."""
    value = _distribution(name, params).sample(size, seed)
    kind = value.dtype.kind if isinstance(value, np.ndarray) else type(value).__name__
    return {"values": _array(value), "kind": kind}


# -- estimation -------------------------------------------------------------------------------
def estimation(fn_name: str, *args: Any, **kwargs: Any) -> dict:
    """An estimation function on judge data: its value, the watched numpy.linalg calls and the
    RuntimeWarnings it raised (numpy's overflow in exp, say: sigmoid promises none)."""
    if fn_name not in ESTIMATORS:
        raise ValueError(f"unknown estimator {fn_name!r}")
    _watch()
    fn = getattr(_student("estimation"), fn_name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        value, watched = _watched_call(fn, *args, **kwargs)
    warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    if isinstance(value, tuple | list) and not isinstance(value, np.ndarray):
        plain: Any = [_number(v) for v in value]
    elif isinstance(value, np.ndarray) and value.ndim > 0:
        plain = _array(value)
    else:
        plain = _number(value)
    return {"value": plain, "watched": watched, "warnings": warned}
