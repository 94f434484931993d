"""The capstone through real nbgrader: its engine cells grade the student's own earlier levels.

In an nbgrader course every level is an assignment folder of its own, so the capstone's folder
holds none of the level -1/0/1 files it runs. Its notebook's engine cells take them from the
student's folders of those levels next to it (`autograded/<student>/<level>/`, or
`submitted/<student>/<level>/` while autograding) and grade a copy laid out like the
repository. Here two students swap in only `backend` (its tests run on level -1's `Tensor`,
no training): alice handed in level -1, bob did not (graded as its stubs).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import run_grade, without_markers
from nbgrader.api import Gradebook
from test_nbgrader_roundtrip import nbgrader

from autograder.instructor import notebooks
from autograder.instructor.levels import kit_root

ROOT = kit_root()
SWAP = 'SWAPPED_IN = ("backend",)\n'


def _reference(level: str, rel: str) -> str:
    return without_markers((ROOT / "solutions" / level / rel).read_text())


def _outputs(notebook: Path) -> str:
    """Every text output of an executed notebook."""
    text = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", "") or str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(text)


@pytest.mark.slow
def test_capstone_engine_cells_use_the_students_earlier_levels(tmp_path: Path) -> None:
    """alice's level -1 next to her capstone earns the backend's 24 points, as grade.py gives
    them on her repository; bob's missing level -1 is graded as its stubs and says so."""
    course = tmp_path / "course"
    notebooks.build_course(ROOT, course, ["capstone"])
    nbgrader(course, "generate_assignment", "capstone", "--force")
    for student in ("alice", "bob"):
        folder = course / "submitted" / student / "capstone"
        shutil.copytree(course / "release" / "capstone", folder)
        (folder / "stack" / "backend.py").write_text(_reference("capstone", "stack/backend.py"))
        (folder / "stack" / "swap.py").write_text(SWAP)
    level_minus1 = course / "submitted" / "alice" / "level-1" / "teenygrad"
    level_minus1.mkdir(parents=True)
    for path in (ROOT / "solutions" / "level-1" / "teenygrad").glob("*.py"):
        (level_minus1 / path.name).write_text(without_markers(path.read_text()))
    nbgrader(course, "autograde", "capstone", "--force")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        engine = {student: {g.name.removeprefix("engine_"): g.score for g in
                            gb.find_submission_notebook("capstone", "capstone", student).grades
                            if g.name.startswith("engine_")}
                  for student in ("alice", "bob")}
    assert engine["alice"] == {"backend": 24, "matmul": 0, "autodiff": 0, "conv": 0, "train": 0}
    assert sum(engine["bob"].values()) == 0, engine["bob"]
    alice = _outputs(course / "autograded" / "alice" / "capstone" / "capstone.ipynb")
    bob = _outputs(course / "autograded" / "bob" / "capstone" / "capstone.ipynb")
    assert f"level-1 from {course / 'submitted' / 'alice' / 'level-1'}" in alice, alice[-3000:]
    assert "level-1: not found next to this folder, graded as its stubs" in bob, bob[-3000:]

    # the same files as a repository, graded by grade.py: the same points
    repo = tmp_path / "alice-repository"
    shutil.copytree(level_minus1, repo / "assignments" / "level-1" / "teenygrad")
    shutil.copytree(course / "submitted" / "alice" / "capstone" / "stack",
                    repo / "assignments" / "capstone" / "stack")
    graded = run_grade("capstone", "--submission", repo, json_out=tmp_path / "alice.json")
    assert graded.record is not None, graded.stderr
    parts = {p["id"]: p["points"] for p in graded.record["levels"][0]["parts"]}
    assert parts == engine["alice"]
