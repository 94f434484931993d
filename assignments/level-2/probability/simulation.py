"""Frequentist estimates: run an experiment many times and count.

The frequentist reading of P(E) is the long-run frequency count(E) / n of the event in n
repeated trials. With a seeded random generator a simulation is reproducible: the same seed
gives the same estimate, different seeds give (slightly) different ones, all within a few
standard errors sqrt(p (1 - p) / n) of the exact value.

An experiment is a function taking a `numpy.random.Generator` and returning one outcome.
Graded in part `simulation`.
"""

from collections.abc import Callable, Hashable, Iterable

import numpy as np

Outcome = Hashable
Experiment = Callable[[np.random.Generator], Outcome]
Event = Iterable[Outcome] | Callable[[Outcome], bool]


def roll_dice(rng: np.random.Generator, k: int = 2) -> tuple[int, ...]:
    """One roll of `k` fair six-sided dice, as a tuple of faces (an experiment, given complete)."""
    return tuple(int(face) for face in rng.integers(1, 7, size=k))


def estimate_probability(experiment: Experiment, event: Event, n: int, seed: int) -> float:
    """The fraction of `n` trials of `experiment` whose outcome is in `event`.

    Make one generator with `np.random.default_rng(seed)` and pass that same generator to every
    trial, so the estimate depends on the seed only. `event` is a predicate on outcomes (a
    callable) or a set of outcomes. Returns count / n as a float.
    Raises ValueError unless `n` is a positive int.
    """
    raise NotImplementedError("estimate_probability: not implemented yet — see the docstring")


def estimate_mean(experiment: Experiment, X: Callable[[Outcome], float], n: int,
                  seed: int) -> float:
    """The Monte Carlo estimate of E[X]: the average of X(outcome) over `n` trials.

    Same rules as `estimate_probability`: one generator from `np.random.default_rng(seed)` for
    all trials; ValueError unless `n` is a positive int. By the law of large numbers the
    average approaches E[X] as n grows, with a standard error of sqrt(Var[X] / n).
    """
    raise NotImplementedError("estimate_mean: not implemented yet — see the docstring")
