"""Level -2 handout: probability and statistical learning with Python and numpy."""

from autograder.instructor.handouts import Answer

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

Compute each answer (by hand or with numpy) and set the variable. Numbers are compared to 4
significant figures, so give at least that many (a `float` or a `fractions.Fraction`).
"""

QUESTIONS = [
    Answer(
        "q_die_variance",
        "**Q1 (expectation, variance).** X is the number shown by a fair six-sided die. What is "
        "Var[X]?",
        "var_die = sum((x - 3.5) ** 2 for x in range(1, 7)) / 6",
        "var_die",
    ),
    Answer(
        "q_bayes_test",
        "**Q2 (Bayes).** A condition affects 1% of a population. A test detects it in 95% of "
        "those who have it and wrongly flags 5% of those who don't. What is P(condition | "
        "positive test)?",
        "p_condition = 0.95 * 0.01 / (0.95 * 0.01 + 0.05 * 0.99)",
        "p_condition",
    ),
    Answer(
        "q_independence",
        '**Q3 (independence).** Two fair coins are tossed. A = "the first is heads", B = "both '
        'show the same face". Are A and B independent? Answer `True` or `False`.',
        "independent = True  # P(A and B) = 1/4 = P(A) P(B)",
        "independent",
    ),
    Answer(
        "q_covariance",
        "**Q4 (covariance matrix).** X is uniform on {−1, 0, 1}. Give the covariance matrix of "
        "the random vector (X, X²) as a 2×2 nested list. (Are X and X² independent? Are they "
        "correlated?)",
        "cov_x_x2 = [[2 / 3, 0.0], [0.0, 2 / 9]]",
        "cov_x_x2",
    ),
    Answer(
        "q_map_bernoulli",
        "**Q5 (MAP).** A coin shows 7 heads in 10 tosses. With a Beta(2, 2) prior on its "
        "probability of heads, what is the MAP estimate?",
        "p_map = (7 + 2 - 1) / (10 + 2 + 2 - 2)",
        "p_map",
    ),
    Answer(
        "q_ridge",
        "**Q6 (ridge regression).** X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3], λ = 1. Give "
        "w* = argmin ‖y − Xw‖² + λ‖w‖² as a list of two numbers (solve the normal equations; "
        "no explicit inverse needed).",
        """\
        import numpy as np
        X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        y = np.array([1.0, 2.0, 3.0])
        w_ridge = np.linalg.solve(X.T @ X + np.eye(2), X.T @ y)
        """,
        "w_ridge",
    ),
    Answer(
        "q_norms",
        "**Q7 (norms).** For x = (3, −4, 12), give (‖x‖₁, ‖x‖₂, ‖x‖∞) as a tuple.",
        "norms = (19, 13, 12)",
        "norms",
    ),
]
