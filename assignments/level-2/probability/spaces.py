"""Finite probability spaces (Omega, 2^Omega, P), events and random variables.

A finite space is fully described by the probability of each outcome; the probability of an
event (a set of outcomes) follows by additivity. Random variables are plain Python functions
from outcomes to numbers.

Exact arithmetic: give the space `fractions.Fraction` probabilities and every value it returns
(P, pmf, E, Var) is an exact Fraction too, as long as your random variables return ints or
Fractions. Floats in, floats out.

Graded in part `spaces`.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from fractions import Fraction

Outcome = Hashable
Number = int | float | Fraction
#: An event: a set (any iterable) of outcomes, or a predicate telling whether an outcome is in it.
Event = Iterable[Outcome] | Callable[[Outcome], bool]
#: A random variable: a function from outcomes to numbers.
RandomVariable = Callable[[Outcome], Number]


def check_axioms(probabilities: Mapping[Outcome, Number], tol: float = 1e-9) -> dict:
    """Check Kolmogorov's axioms on a finite table; return it as a new dict.

    Raises ValueError, with a message saying what is wrong, when
    - there are no outcomes;
    - a probability is not a real number (a str, None, a complex...), is NaN, or is < 0;
    - the probabilities do not sum to 1 within `tol` (exactly 1 is not required: floats
      such as 0.1 + 0.2 rarely add up exactly).
    Outcomes of probability 0 are allowed. bool is not a probability. ints, floats, Fractions
    and numpy floats are.
    """
    raise NotImplementedError("check_axioms: not implemented yet — see the docstring")


class ProbabilitySpace:
    """A finite probability space given by the probability of each outcome.

    `ProbabilitySpace({"H": Fraction(1, 2), "T": Fraction(1, 2)})` is a fair coin.
    """

    def __init__(self, probabilities: Mapping[Outcome, Number], tol: float = 1e-9) -> None:
        """Check the axioms with `check_axioms` and keep the checked table (given complete)."""
        self.probabilities: dict[Outcome, Number] = check_axioms(probabilities, tol)

    @classmethod
    def uniform(cls, outcomes: Iterable[Outcome]) -> "ProbabilitySpace":
        """Equally likely outcomes, each of probability Fraction(1, |Omega|) (given complete).

        Repeated outcomes count once. `ProbabilitySpace.uniform(range(1, 7))` is a fair die.
        """
        distinct = list(dict.fromkeys(outcomes))
        if not distinct:
            raise ValueError("a probability space needs at least one outcome")
        p = Fraction(1, len(distinct))
        return cls({outcome: p for outcome in distinct})

    @property
    def outcomes(self) -> list[Outcome]:
        """The sample space Omega, in the order the outcomes were given (given complete)."""
        return list(self.probabilities)

    def event(self, event: Event) -> frozenset[Outcome]:
        """The set of outcomes an event stands for.

        A callable is a predicate: the event is every outcome `o` with `event(o)` true. Anything
        else is an iterable of outcomes (a set, list, tuple...; repeats count once); every one
        of them must be an outcome of this space, otherwise ValueError.
        """
        raise NotImplementedError("ProbabilitySpace.event: not implemented yet — see the docstring")

    def P(self, event: Event, given: Event | None = None) -> Number:
        """P(event), or the conditional probability P(event | given) when `given` is an event.

        P(A) is the sum of the probabilities of the outcomes in A (0 for the empty event).
        P(A | B) = P(A and B) / P(B); it is undefined when P(B) == 0: raise ValueError then.
        Events are taken as in `event` (sets or predicates, unknown outcomes are an error).
        """
        raise NotImplementedError("ProbabilitySpace.P: not implemented yet — see the docstring")

    def pmf(self, X: RandomVariable) -> dict[Number, Number]:
        """The probability mass function of X: {x: P(X = x)}.

        Keys are the values X takes on the outcomes of this space (every one of them, even when
        its probability is 0); the values sum to 1.
        """
        raise NotImplementedError("ProbabilitySpace.pmf: not implemented yet — see the docstring")

    def E(self, X: RandomVariable) -> Number:
        """The expectation E[X] = sum over x of x * P(X = x)."""
        raise NotImplementedError("ProbabilitySpace.E: not implemented yet — see the docstring")

    def Var(self, X: RandomVariable) -> Number:
        """The variance Var[X] = E[(X - E[X])**2] (a population variance: no n - 1 anywhere)."""
        raise NotImplementedError("ProbabilitySpace.Var: not implemented yet — see the docstring")
