"""Level -2 handout: probability and statistical learning with Python and numpy."""

import ast
import re
from pathlib import Path

from autograder.instructor.handouts import Answer, Written

HANDOUT = """\
# Level −2 — @TITLE@

Before tensors, the maths they serve (the book's chapters 1.1–1.3 and appendix A). You write
the package `probability/`:

1. **counting** — `permutations` and `combinations` by backtracking (no `itertools`);
2. **spaces** — finite probability spaces that check Kolmogorov's axioms, events, conditional
   probability, random variables with their pmf, expectation and variance;
3. **examples** — the book's worked questions, computed with your spaces;
4. **simulation** — frequentist estimates from seeded trials;
5. **bayes** — prior, likelihood, evidence and posterior from a joint table;
6. **distributions** — pmf/pdf, log-density, cdf, mean, variance and sampling;
7. **estimation** — MLE and MAP, linear and ridge regression by the normal equations,
   logistic regression by gradient descent.

**How it is graded.** `python grade.py level-2` runs the public tests on your files; the
course's grade adds hidden tests (random spaces and tables, reference values in exact fractions
or from scipy). The last cells of this notebook run the same grader and show your points per
part. The questions below come from the probability question set.
"""

QUESTIONS_INTRO = """\
## Written questions

The probability question set (`questions.md` in this folder). Compute each answer (by hand or
with numpy) and set the variable. Numbers are compared to 4 significant figures: give at least
that many (a `float`, an `int` or a `fractions.Fraction`); vectors and matrices as (nested)
lists, element by element.
"""

QUESTIONS_FILE = "solutions/level-2/questions.md"
HEADING = re.compile(r"^### (L2-Q(\d+)) · (.+)$", re.MULTILINE)
ANSWER = re.compile(r"^\*\*Answer:\*\* `([^`]+)`(?:\s*=\s*(-?[0-9.eE+-]+))?", re.MULTILINE)


def _solution(expression: str, numeric: str | None, variable: str) -> str:
    """Python that sets `variable`: the answer's own expression when Python can read it."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        tree = None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if tree else {"?"}
    if tree is not None and names <= {"exp", "log", "sqrt", "pi"}:
        imports = f"from math import {', '.join(sorted(names))}\n\n" if names else ""
        return f"{imports}{variable} = {expression}"
    if numeric is None:
        raise ValueError(f"cannot read the answer {expression!r}")
    return f"{variable} = {numeric}  # {expression}"


def load_questions(root: Path) -> list[Answer]:
    """The numbered questions of the instructor's questions.md, as notebook questions."""
    text = (root / QUESTIONS_FILE).read_text(encoding="utf-8")
    heads = list(HEADING.finditer(text))
    questions = []
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        block = text[head.end() : nxt.start() if nxt else len(text)]
        answer = ANSWER.search(block)
        if answer is None:
            raise ValueError(f"{QUESTIONS_FILE}: {head[1]} has no **Answer:** line")
        question = block[: answer.start()].strip()
        variable = f"answer_q{head[2]}"
        prompt = f"**{head[1]} · {head[3]}**\n\n{question}\n\nSet `{variable}`."
        solution = _solution(answer[1], answer[2], variable)
        questions.append(Answer(f"l2_q{head[2]}", prompt, solution, variable))
    return questions


def QUESTIONS_FOR(root: Path) -> list[Answer]:  # noqa: N802 - read by the notebook builder
    """The questions, read from the kit at `root`."""
    return load_questions(root)


WRITTEN = [
    Written(
        "w_q7_discrete_continuous",
        "**W1 (Q7).** What makes a random variable discrete, and what makes it continuous? "
        "The question set answers \"discrete maps to integers, continuous maps to real "
        "numbers\": give a counterexample to each half, then a correct definition.",
        """\
        Discrete: X takes countably many values, P(X ∈ C) = 1 for a countable set C, and its
        law is a pmf with Σ p(x) = 1. The values need not be integers: X ∈ {0.5, 1.5, π} is
        discrete. Continuous: P(X ≤ x) = ∫_{−∞}^{x} f(t) dt for a density f ≥ 0, so every
        single value has probability 0. Real values are not enough: a variable that is 0 with
        probability 1/2 and Uniform(0, 1) otherwise takes real values but has an atom at 0
        (neither discrete nor continuous: a mixture).
        """,
        """\
        1 point: a counterexample to "integers" (a countable non-integer range) and to "real
        numbers" (an atom, a mixture, or a constant). 1 point: definitions by a countable
        support with a pmf, and by a cdf that is the integral of a density.
        """,
    ),
    Written(
        "w_q11_joint_pdf",
        "**W2 (Q11).** Define the joint density f_{X,Y} of two continuous random variables. "
        "From it, how do you get the density of X alone, and what does f_{X,Y}(x, y) = "
        "f_X(x) f_Y(y) mean? Check your definition on f(x, y) = 2 on the triangle "
        "0 ≤ y ≤ x ≤ 1 (0 elsewhere): is it a density, what is f_X, are X and Y independent?",
        """\
        f_{X,Y} ≥ 0 with ∬ f = 1 and P((X, Y) ∈ A) = ∬_A f_{X,Y}(x, y) dx dy for (measurable)
        A — rectangles [a, b] × [c, d] included. Marginal: f_X(x) = ∫ f_{X,Y}(x, y) dy (the
        sum rule with an integral). Factorisation for all x, y is independence.
        Triangle: ∫₀¹ ∫₀ˣ 2 dy dx = ∫₀¹ 2x dx = 1, a density. f_X(x) = 2x on [0, 1],
        f_Y(y) = 2(1 − y); f_X f_Y = 4x(1 − y) ≠ 2 inside the triangle (and ≠ 0 outside it):
        not independent (knowing X = x confines Y to [0, x]).
        """,
        """\
        1 point: the definition (non-negative, integrates to 1, probabilities of regions as
        double integrals) and the marginal as an integral over the other variable. 1 point:
        the triangle checked (normalisation, f_X = 2x, dependence shown by a point where the
        product differs).
        """,
    ),
    Written(
        "w_q17_conditional_independence",
        "**W3 (Q17).** Define X ⊥ Y | Z. Give an example where X and Y are dependent but "
        "independent given Z, and say in one sentence why naive Bayes relies on it.",
        """\
        X ⊥ Y | Z when P(X = x, Y = y | Z = z) = P(X = x | Z = z) P(Y = y | Z = z) for all x, y
        and every z with P(Z = z) > 0 (equivalently P(X | Y, Z) = P(X | Z)). Example: Z picks
        one of two coins (bias 0.9 or 0.1), X and Y are two flips of it. Given Z the flips are
        independent; without Z, P(X = H) = P(Y = H) = 1/2 but P(X = H, Y = H) =
        (0.81 + 0.01)/2 = 0.41 ≠ 1/4: the first flip tells which coin it is. Naive Bayes
        assumes the features are independent given the class, so the likelihood factorises
        into one small table per feature.
        """,
        """\
        1 point: the definition, for every value of z (with P(Z = z) > 0). 1 point: a correct
        example with the dependence shown by a number (or an argument), and the naive Bayes
        sentence.
        """,
    ),
    Written(
        "w_q23_mle",
        "**W4 (Q23, show that).** Show that θ* = argmin_θ Σᵢ l(yᵢ, f(xᵢ; θ)) is a maximum "
        "likelihood estimate, and list every assumption the argument needs. (The question set's "
        "answer writes P(D | θ) = (1/Z) exp(−Σ lᵢ): check the power of Z.)",
        """\
        Model p(y | x; θ) = exp(−l(y, f(x; θ))) / Z(x, θ) with Z = ∫ exp(−l(y, f(x; θ))) dy.
        Assumptions: (1) the pairs are independent and identically distributed, so
        P(D | θ) = Πᵢ p(yᵢ | xᵢ; θ) p(xᵢ); (2) the xᵢ's law does not depend on θ; (3) the
        integral Z is finite and **does not depend on θ** (nor on x): true for the squared
        loss (Z = ∫exp(−r²)dr = √π: Gaussian noise of variance 1/2) and the absolute loss
        (Z = 2), not in general;
        (4) exp(−l) is the chosen family. Then P(D | θ) ∝ Πᵢ (1/Z) exp(−lᵢ) =
        Z^(−n) exp(−Σᵢ lᵢ) — the power is n, the answer's 1/Z drops it — and since log is
        increasing and Z^(−n) is a constant, argmax P(D | θ) = argmin Σᵢ lᵢ.
        """,
        """\
        1 point: the product over samples from iid with the exponent n on Z. 1 point: the
        assumptions, including that Z does not depend on θ (else the normaliser changes the
        argmax) and the monotone log/exp step.
        """,
    ),
    Written(
        "w_q24_map",
        "**W5 (Q24, show that).** Show that argmin_θ Σᵢ l(yᵢ, f(xᵢ; θ)) + λ R(θ) is a maximum "
        "a posteriori estimate; list the assumptions beyond those of W4. What prior does ridge "
        "regression (R = ‖θ‖², squared loss) correspond to?",
        """\
        Take the prior p(θ) = exp(−λ R(θ)) / Z′ (assumption: Z′ = ∫ exp(−λR) dθ is finite,
        and λ > 0). With W4's likelihood, p(θ | D) = P(D | θ) p(θ) / P(D) ∝
        exp(−Σᵢ lᵢ − λ R(θ)); P(D) does not depend on θ, so the argmax of the posterior is the
        argmin of Σᵢ lᵢ + λ R(θ). Ridge: squared loss (Gaussian noise of variance 1/2, Z free
        of θ) and p(θ) ∝ exp(−λ‖θ‖²), a Gaussian prior N(0, I/(2λ)) on θ (independent
        components of variance 1/(2λ)).
        """,
        """\
        1 point: Bayes' rule with the evidence dropped as constant in θ and the prior read off
        exp(−λR). 1 point: the extra assumptions (normalisable prior, λ > 0) and the Gaussian
        prior N(0, I/(2λ)) for ridge.
        """,
    ),
]
