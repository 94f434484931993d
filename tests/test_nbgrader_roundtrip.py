"""The real nbgrader round trip: generate_assignment → a submission made from the solutions and
one made from the stubs → autograde → the gradebook's engine-cell scores equal what
`python grade.py <level> --submission` gives for the same files.

Level 0 takes part only with `TEENYGRAD_NBGRADER_LEVEL0=1`: its round trip builds the Rust
crate and times every kernel twice per submission (about 2 minutes on 2 cores, more than CI's
budget allows), and its speed points may differ between the two gradings by the machine's
noise (allowed: 1 point per part)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import run_grade
from nbgrader.api import Gradebook

from autograder.instructor import handouts, notebooks
from autograder.instructor.levels import kit_root, select_levels
from autograder.instructor.markers import LOOSE_MARKER

ROOT = kit_root()
OPT_IN = ("level0",) if os.environ.get("TEENYGRAD_NBGRADER_LEVEL0") == "1" else ()
LEVELS = [lv for lv in ("level-1", "level-2", "level1", *OPT_IN)
          if lv in handouts.available_levels(ROOT)]
SPEED_NOISE = {"level0": 1.0}  # points per part two gradings of the same files may differ by


def nbgrader(course: Path, *argv: str) -> None:
    env = {**os.environ, "TEENYGRAD_GRADE_PY": str(ROOT / "grade.py")}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *argv], cwd=course, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def answered(released: Path, source: Path) -> str:
    """The released notebook with every solution cell answered from the source notebook."""
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: "\n".join(
            line for line in cell.source.splitlines() if not LOOSE_MARKER.search(line))
        for cell in nbformat.read(source, as_version=4).cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    notebook = nbformat.read(released, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nbformat.writes(notebook)


def grade_py_points(folder: Path, level: str) -> dict[str, float]:
    """Points per part that `python grade.py LEVEL --submission FOLDER` gives."""
    out = folder.parent / f"{folder.parent.name}-{level}.json"
    graded = run_grade(level, "--submission", folder, json_out=out, timeout=1800)
    record = graded.record
    assert record is not None, graded.stderr
    parts: dict[str, float] = {}
    for level_record in record["levels"]:
        for test in level_record["tests"]:
            parts[test["part"]] = parts.get(test["part"], 0.0) + test["points"]
    return parts


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_nbgrader_round_trip(tmp_path, level):
    """Solutions and stubs, through real nbgrader, score what grade.py gives them; nbgrader's
    own totals (gradebook, feedback) are 100 for the level and, apart, the written questions'
    points in their own assignment `<level>-written`."""
    course = tmp_path / "course"
    notebooks.build_course(ROOT, course, [level])
    written = notebooks.written_assignment(level)
    nbgrader(course, "generate_assignment", level, "--force")
    nbgrader(course, "generate_assignment", written, "--force")
    released = course / "release" / level
    keys = select_levels(ROOT, level)[0].solution_keys()

    solution = {key: (ROOT / "solutions" / level / key).read_text() for key in keys}
    submitted = {}
    students = ("solutions", "stubs", "partial") if level == LEVELS[0] else ("solutions", "stubs")
    for student in students:
        folder = course / "submitted" / student / level
        shutil.copytree(released, folder)
        answers = course / "submitted" / student / written
        shutil.copytree(course / "release" / written, answers)
        if student != "stubs":
            (answers / f"{written}.ipynb").write_text(answered(
                course / "release" / written / f"{written}.ipynb",
                course / "source" / written / f"{written}.ipynb"))
            stubbed = keys[-1] if student == "partial" else None  # one file left as a stub
            for key, text in solution.items():
                if key != stubbed:
                    (folder / key).write_text(text)
        submitted[student] = folder
    nbgrader(course, "autograde", level, "--force")
    nbgrader(course, "autograde", written, "--force")
    nbgrader(course, "generate_feedback", level, "--force")
    nbgrader(course, "generate_feedback", written, "--force")

    for key, text in solution.items():  # the students' files were graded, not the stubs
        assert (course / "autograded" / "solutions" / level / key).read_text() == text

    source_cells = nbformat.read(ROOT / "solutions" / level / f"{level}.ipynb", as_version=4)
    question_points = sum(c.metadata["nbgrader"]["points"] for c in source_cells.cells
                          if c.metadata.get("nbgrader", {}).get("grade")
                          and not c.metadata["nbgrader"]["grade_id"].startswith("engine_"))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        # nbgrader's own totals: the level's 100, the questions' points apart
        assert gb.find_assignment(level).max_score == 100
        assert gb.find_assignment(written).max_score == question_points > 0
        engine_cells = {student: gb.find_submission_notebook(level, level, student).grades
                        for student in submitted}
        grades = {student: gb.find_submission_notebook(written, written, student).grades
                  for student in submitted}
        totals = {student: (gb.find_submission(level, student).score,
                            gb.find_submission(written, student).score) for student in submitted}
        engine_scores = {student: {g.name: g.score for g in found}
                         for student, found in engine_cells.items()}
        # Answers graded by hand (markdown cells of the written assignment) wait for the
        # formgrader; everything else was graded by `autograde`.
        scores = {student: {g.name: g.score for g in found if g.cell_type == "code"}
                  for student, found in grades.items()}
        by_hand = {student: [g for g in found if g.cell_type == "markdown"]
                   for student, found in grades.items()}
    for student, folder in submitted.items():
        expected = grade_py_points(folder, level)
        engine = {name.removeprefix("engine_"): score
                  for name, score in engine_scores[student].items()}
        assert engine == pytest.approx(expected, abs=SPEED_NOISE.get(level, 1e-9)), student
        assert totals[student][0] == pytest.approx(sum(engine.values()))
        questions = list(scores[student].values())
        assert questions and (all(questions) if student != "stubs" else not any(questions))
        assert totals[student][1] == pytest.approx(sum(questions))
        # none scored by autograde; an answered one waits for its grader (an untouched one
        # nbgrader scores 0 itself)
        assert not any(g.score for g in by_hand[student]), student
        assert student == "stubs" or all(g.needs_manual_grade for g in by_hand[student])
        if student == "partial":
            assert 0 < sum(engine.values()) < 100  # real partial credit went through nbgrader
        # nbgrader's feedback pages (its template's "NOTEBOOK (Score: 83.0 / 100.0)"): the
        # level's total out of 100, the questions' apart
        for name, total, most in ((level, totals[student][0], 100),
                                  (written, totals[student][1], question_points)):
            page = (course / "feedback" / student / name / f"{name}.html").read_text()
            shown = f"{name} (Score: {round(float(total), 2)} / {round(float(most), 2)})"
            assert shown in " ".join(page.split()), (student, shown)
        print(f"{level} {student}: nbgrader {level} {totals[student][0]:g}/100 (grade.py "
              f"{sum(expected.values()):g}); {written} {totals[student][1]:g}/"
              f"{question_points:g}")
