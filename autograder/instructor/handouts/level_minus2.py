"""Level -2 handout: probability and statistical learning with Python and numpy."""

import ast
import re
from pathlib import Path

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
