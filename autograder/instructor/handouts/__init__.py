"""Build each level's source notebook (`solutions/<id>/<id>.ipynb`) from its handout module.

A handout module (named by the manifest's `module`: `level_minus1`, `level0`, ...) gives the
markdown and the written questions; the engine's part cells come from the level manifest, so
their points always equal the manifest's. The notebook has, in order:

1. the handout (markdown, locked);
2. a locked setup cell with the notebook's helpers (`check`, `check_derivative`,
   `engine_points`): nbgrader restores it when grading, so students cannot alter it;
3. the written questions: a solution cell (`### BEGIN SOLUTION`) and an autograded test cell
   each. Numeric answers are checked against a SHA-256 of the question id and the answer
   rounded to 4 significant figures (the answer is not in the notebook as text, but the check
   is a self-check: a student can try candidate answers against it, and a yes/no or small
   integer answer is found that way; with no hidden tests in the notebooks, see
   nbgrader_config.py, these questions are feedback first); derivations are checked
   numerically against central differences; then the answers graded by hand (`WRITTEN`: a
   markdown solution cell each, the model answer and rubric cleared from the student's copy)
   and the demonstrations (`DEMOS`: plain code cells, not graded);
4. one autograded cell per part of the level: it runs `grade.py <level> --submission .` on
   the student's files (once, cached) and its value — the part's points — is the cell's
   result, which nbgrader 0.9.6 reads as partial credit (`utils.get_partial_grade`).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.instructor.levels import InstructorError, kit_root
from autograder.levels import all_levels, load_level

SIG_FIGS = 4
HANDOUTS = Path(__file__).parent


@dataclass(frozen=True)
class Answer:
    """A question answered by a value (number, bool, or a sequence of them)."""

    id: str
    prompt: str
    solution: str  # code that sets `variable`
    variable: str
    points: float = 1.0


@dataclass(frozen=True)
class Derivation:
    """A question answered by a function, checked numerically by `test` (code)."""

    id: str
    prompt: str
    solution: str  # code that defines the function
    test: str
    points: float = 2.0


@dataclass(frozen=True)
class Written:
    """A question answered in prose or as a derivation, graded by hand in nbgrader's formgrader
    with `rubric`; its points count in the notebook's `written` total, outside the 100.

    The answer cell is a markdown solution cell: the student's copy holds nbgrader's "YOUR
    ANSWER HERE", the source notebook the model answer followed by the rubric (both are
    cleared from the student's copy as one cell)."""

    id: str
    prompt: str
    answer: str
    rubric: str
    points: float = 2.0


@dataclass(frozen=True)
class Demo:
    """A plain code cell the student runs (not graded), after a markdown explanation."""

    id: str
    text: str
    code: str


WRITTEN_INTRO = """\
## Written answers (graded by hand)

Answer in the markdown cell under each question: prose, and formulas in LaTeX (`$...$`). The
course staff grade them with a rubric. Their points are the notebook's **written** total,
reported on its own: they are not part of the 100 points the grader gives your code.
"""


def canonical(value: Any) -> str:
    """The text an answer is hashed as: numbers to SIG_FIGS significant figures."""
    if isinstance(value, bool):
        return str(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, str):
        return value.strip().lower()
    number = float(value)
    text = format(number, f".{SIG_FIGS}g")
    return "0" if float(text) == 0 else text


def digest(question_id: str, value: Any) -> str:
    """The digest a test cell compares with (the question id keeps equal answers of two
    questions apart; it is no secret)."""
    return hashlib.sha256(f"{question_id}:{canonical(value)}".encode()).hexdigest()


def _stable(value: Any) -> bool:
    """Whether the canonical text survives a relative wobble of 1e-9 (not near a boundary)."""
    if isinstance(value, bool | str):
        return True
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return all(_stable(v) for v in value)
    number = float(value)
    return all(canonical(number * f) == canonical(number) for f in (1 - 1e-9, 1 + 1e-9))


LINE_LENGTH = 100  # ruff's line length for the kit (pyproject.toml)

SETUP = '''\
# Helpers of this notebook (kit code: do not edit; nbgrader restores this cell when grading).
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

LEVEL = "@LEVEL@"


def _canonical(value):
    if isinstance(value, bool):
        return str(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, str):
        return value.strip().lower()
    text = format(float(value), ".@SIG@g")
    return "0" if float(text) == 0 else text


def check(question, value, expected):
    """Compare an answer (rounded to @SIG@ significant figures) with the expected one."""
    got = hashlib.sha256(f"{question}:{_canonical(value)}".encode()).hexdigest()
    assert got == expected, (
        f"{question}: {value!r} is not the expected answer (numbers are compared to "
        "@SIG@ significant figures; sequences element by element)")
    print(f"{question}: correct")


def check_derivative(question, f, df, xs, rtol=1e-5, atol=1e-7, h=1e-6):
    """Compare df (your derivative) with central differences of f at every x in xs."""
    for x in np.atleast_1d(np.asarray(xs, dtype=np.float64)):
        numeric = (f(x + h) - f(x - h)) / (2 * h)
        got = float(df(x))
        assert abs(got - numeric) <= atol + rtol * abs(numeric), (
            f"{question}: at x = {x:.4g} your derivative gives {got:.6g}, "
            f"central differences give {numeric:.6g}")
    print(f"{question}: correct")


def _grade_py():
    if os.environ.get("TEENYGRAD_GRADE_PY"):
        return Path(os.environ["TEENYGRAD_GRADE_PY"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "grade.py").is_file() and (folder / "autograder").is_dir():
            return folder / "grade.py"
    import autograder  # the kit, installed with `pip install -e .`
    return Path(autograder.__file__).resolve().parent.parent / "grade.py"


_RUNS = {}


def engine_points(part, max_points):
    """Grade the files of this folder with the kit's engine (once), print what students may see
    of `part` (hidden tests only as a count with points) and return its points: the value of
    the cell, which nbgrader reads as partial credit."""
    files = sorted(p for p in Path.cwd().rglob("*") if p.suffix in (".py", ".rs"))
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if stamp not in _RUNS:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "feedback.json"
            proc = subprocess.run(
                [sys.executable, str(_grade_py()), LEVEL, "--submission", ".",
                 "--format", "notebook", "--output", str(out), "--quiet"],
                capture_output=True, text=True)
            if proc.returncode not in (0, 1, 3) or not out.is_file():
                reason = (proc.stderr.strip().splitlines() or ["no report"])[-1]
                raise RuntimeError(f"the grader could not grade this folder "
                                   f"(exit {proc.returncode}): {reason}")
            _RUNS.clear()
            _RUNS[stamp] = json.loads(out.read_text())
    report = _RUNS[stamp]
    points = 0.0
    if not any(part in level["parts"] for level in report["levels"]):
        print(f"part {part}: no tests ran")
    for level in report["levels"]:
        if part in level["parts"]:
            points = level["parts"][part]["points"]
            print(level["parts"][part]["feedback"])
        if part == level["last_part"] and level["footer"]:
            print(level["footer"])
    if report["grader_error"]:
        raise RuntimeError(report["grader_error"])
    return round(min(max(points, 0.0), float(max_points)), 6)
'''


def _meta(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    points: float | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(cell_id: str, text: str, locked: bool = True) -> dict[str, Any]:
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": _meta(cell_id, locked=True) if locked else {},
        "source": textwrap.dedent(text).strip(),
    }


def _code(cell_id: str, source: str, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": metadata,
        "outputs": [],
        "source": textwrap.dedent(source).strip(),
    }


def _solution_cell(question_id: str, code: str, comment: str) -> dict[str, Any]:
    body = textwrap.dedent(code).strip()
    source = f"{comment}\n### BEGIN SOLUTION\n{body}\n### END SOLUTION"
    return _code(question_id, source, _meta(question_id, solution=True))


def _answer_cells(q: Answer) -> list[dict[str, Any]]:
    scope: dict[str, Any] = {}
    exec(textwrap.dedent(q.solution), scope)  # the kit's own answer code  # noqa: S102
    value = scope[q.variable]
    if not _stable(value):
        raise InstructorError(f"{q.id}: answer {value!r} sits on a rounding boundary")
    test = f'check("{q.id}", {q.variable}, "{digest(q.id, value)}")'
    if len(test) > LINE_LENGTH:  # the notebooks are ruff-clean like the rest of the kit
        test = f'check("{q.id}", {q.variable},\n      "{digest(q.id, value)}")'
    return [
        _markdown(f"{q.id}_prompt", q.prompt),
        _solution_cell(q.id, q.solution, f"# set `{q.variable}`"),
        _code(
            f"{q.id}_test", test, _meta(f"{q.id}_test", grade=True, locked=True, points=q.points)
        ),
    ]


def _derivation_cells(q: Derivation) -> list[dict[str, Any]]:
    return [
        _markdown(f"{q.id}_prompt", q.prompt),
        _solution_cell(q.id, q.solution, "# write the function below"),
        _code(
            f"{q.id}_test", q.test, _meta(f"{q.id}_test", grade=True, locked=True, points=q.points)
        ),
    ]


def _written_cells(q: Written) -> list[dict[str, Any]]:
    answer = (f"{textwrap.dedent(q.answer).strip()}\n\n**Rubric ({q.points:g} points).** "
              f"{textwrap.dedent(q.rubric).strip()}")
    cell = _markdown(q.id, answer)
    cell["metadata"] = _meta(q.id, grade=True, solution=True, points=q.points)
    return [_markdown(f"{q.id}_prompt", q.prompt), cell]


def _demo_cells(demo: Demo) -> list[dict[str, Any]]:
    return [_markdown(f"{demo.id}_intro", demo.text), _code(demo.id, demo.code, _meta(demo.id))]


def _part_cells(level_id: str, parts: list[tuple[str, str, float]]) -> list[dict[str, Any]]:
    rows = [f"| `{pid}` | {title} | {points:g} |" for pid, title, points in parts]
    intro = "\n".join(
        [
            "## Your code, graded by the engine",
            "",
            "Each cell below runs the kit's grader on the files of this folder",
            f"(`python grade.py {level_id} --submission .`, once: the others reuse the result) and",
            "shows the points of one part. The value of each cell is the points it earns here.",
            "When the notebook is graded by the course staff, the hidden tests count too.",
            "",
            "| part | what | points |",
            "|---|---|---|",
            *rows,
        ]
    )
    cells = [_markdown("engine_intro", intro)]
    for pid, _title, points in parts:
        cell_id = f"engine_{pid}"
        source = (
            f'# Autograded: part "{pid}" ({points:g} points)\nengine_points("{pid}", {points:g})'
        )
        cells.append(_code(cell_id, source, _meta(cell_id, grade=True, locked=True, points=points)))
    return cells


def build_notebook(level_id: str, root: Path | None = None) -> dict[str, Any]:
    """The source notebook of a level, as notebook JSON data."""
    root = root or kit_root()
    level = load_level(level_id, root)
    module = importlib.import_module(f"{__name__}.{level.module}")
    title = level.title
    parts = [(part.id, part.title, part.points) for part in level.parts.values()]
    setup = SETUP.replace("@LEVEL@", level_id).replace("@SIG@", str(SIG_FIGS))
    cells = [
        _markdown("handout", module.HANDOUT.replace("@TITLE@", title)),
        _code("setup", setup, _meta("setup", locked=True)),
        _markdown("questions_intro", module.QUESTIONS_INTRO),
    ]
    questions = module.QUESTIONS_FOR(root) if hasattr(module, "QUESTIONS_FOR") else module.QUESTIONS
    for q in questions:
        cells += _answer_cells(q) if isinstance(q, Answer) else _derivation_cells(q)
    written = getattr(module, "WRITTEN", [])
    if written:
        cells.append(_markdown("written_intro", WRITTEN_INTRO))
    for w in written:
        cells += _written_cells(w)
    for demo in getattr(module, "DEMOS", []):
        cells += _demo_cells(demo)
    cells += _part_cells(level_id, parts)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_text(level_id: str, root: Path | None = None) -> str:
    """The source notebook as the text written to `solutions/<id>/<id>.ipynb`."""
    return json.dumps(build_notebook(level_id, root), indent=1, ensure_ascii=False) + "\n"


def available_levels(root: Path | None = None) -> list[str]:
    """Levels that have both a manifest and a handout module, in course order."""
    root = root or kit_root()
    return [lv.id for lv in all_levels(root) if (HANDOUTS / f"{lv.module}.py").is_file()]
