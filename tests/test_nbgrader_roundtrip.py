"""The real nbgrader round trip: generate_assignment → a submission made from the solutions and
one made from the stubs → autograde → the gradebook's engine-cell scores equal what
`python grade.py <level> --submission` gives for the same files.

Level 0 takes part only with `TEENYGRAD_NBGRADER_LEVEL0=1`: its round trip builds the Rust
crate and times every kernel twice per submission (about 2 minutes on 2 cores, more than CI's
budget allows), and its speed points may differ between the two gradings by the machine's
noise (allowed: 1 point per part)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
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
    out = folder.parent / f"{folder.parent.name}-{level}.json"
    subprocess.run([sys.executable, str(ROOT / "grade.py"), level, "--submission", str(folder),
                    "--format", "json", "--output", str(out), "--quiet"],
                   capture_output=True, timeout=1800)
    record = json.loads(out.read_text())
    parts: dict[str, float] = {}
    for level_record in record["levels"]:
        for test in level_record["tests"]:
            parts[test["part"]] = parts.get(test["part"], 0.0) + test["points"]
    return parts


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_nbgrader_round_trip(tmp_path, level):
    """Solutions and stubs, through real nbgrader, score what grade.py gives them."""
    course = tmp_path / "course"
    notebooks.build_course(ROOT, course, [level])
    nbgrader(course, "generate_assignment", level, "--force")
    released = course / "release" / level
    source_nb = course / "source" / level / f"{level}.ipynb"
    keys = select_levels(ROOT, level)[0].solution_keys()

    solution = {key: (ROOT / "solutions" / level / key).read_text() for key in keys}
    submitted = {}
    students = ("solutions", "stubs", "partial") if level == LEVELS[0] else ("solutions", "stubs")
    for student in students:
        folder = course / "submitted" / student / level
        shutil.copytree(released, folder)
        if student != "stubs":
            (folder / f"{level}.ipynb").write_text(answered(released / f"{level}.ipynb",
                                                            source_nb))
            stubbed = keys[-1] if student == "partial" else None  # one file left as a stub
            for key, text in solution.items():
                if key != stubbed:
                    (folder / key).write_text(text)
        submitted[student] = folder
    nbgrader(course, "autograde", level, "--force")

    for key, text in solution.items():  # the students' files were graded, not the stubs
        assert (course / "autograded" / "solutions" / level / key).read_text() == text

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = {student: gb.find_submission_notebook(level, level, student).grades
                  for student in submitted}
        # Answers graded by hand (markdown cells: the notebook's written total) wait for the
        # formgrader; everything else was graded by `autograde`.
        scores = {student: {g.name: g.score for g in found if g.cell_type == "code"}
                  for student, found in grades.items()}
        by_hand = {student: [g for g in found if g.cell_type == "markdown"]
                   for student, found in grades.items()}
    for student, folder in submitted.items():
        expected = grade_py_points(folder, level)
        engine = {name.removeprefix("engine_"): score for name, score in scores[student].items()
                  if name.startswith("engine_")}
        assert engine == pytest.approx(expected, abs=SPEED_NOISE.get(level, 1e-9)), student
        questions = [s for name, s in scores[student].items() if not name.startswith("engine_")]
        assert questions and (all(questions) if student != "stubs" else not any(questions))
        # none scored by autograde; an answered one waits for its grader (an untouched one
        # nbgrader scores 0 itself)
        assert not any(g.score for g in by_hand[student]), student
        assert student == "stubs" or all(g.needs_manual_grade for g in by_hand[student])
        if student == "partial":
            assert 0 < sum(engine.values()) < 100  # real partial credit went through nbgrader
        print(f"{level} {student}: gradebook engine cells {sum(engine.values()):g}, grade.py "
              f"{sum(expected.values()):g}; question cells {sum(questions):g} points")
