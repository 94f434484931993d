"""`grade.py mutation`: a fixed sample of level -2 mutants, graded for real (about a minute)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import run_grade

from autograder.instructor.mutation import KILLED, Session, Settings
from autograder.levels import load_level

COUNTING = "probability/counting.py"
ROW = re.compile(r"^\| probability/counting\.py \| counting \| (\d+) \| (\d+) \| (\d+) \| (.+) \|$",
                 re.MULTILINE)


def test_sample_writes_a_table_and_resumes(tmp_path: Path) -> None:
    """A seeded sample of 3 mutants: the table counts them all; run again, nothing is redone."""
    args = ("mutation", "level-2", "--files", COUNTING, "--sample", "3", "--work", tmp_path)
    first = run_grade(*args, timeout=300)
    assert first.returncode == 0, first.stderr
    killed, survived, incompetent, score = ROW.search(first.stdout).groups()
    assert int(killed) + int(survived) + int(incompetent) == 3
    assert int(killed) >= 1, first.stdout  # the tests reject most single changes
    assert score.endswith("%")
    assert (tmp_path / "report.md").read_text().strip() == first.stdout.strip()
    assert len(list((tmp_path / "survivors").glob("*.diff"))) == int(survived)
    assert json.loads((tmp_path / "session.json").read_text())["sample"] == 3

    again = run_grade(*args, timeout=120)
    assert again.returncode == 0 and again.stdout == first.stdout
    other = run_grade(*args[:4], "--sample", "4", "--work", tmp_path, timeout=120)
    assert other.returncode == 2 and "other settings" in other.stderr


def test_known_wrong_permutations_are_killed(tmp_path: Path) -> None:
    """`used = [True] * n` in permutations lists nothing: the counting tests must reject it."""
    level = load_level("level-2")
    session = Session(level, tmp_path, Settings(level.id, None, 0, False, (COUNTING,)))
    try:
        wrong = [m for m in session.mutants() if m.definition == "permutations"
                 and m.operator == "core/ReplaceFalseWithTrue"]
        assert len(wrong) == 1, wrong
        assert session.grade_mutant(wrong[0]) == KILLED
        assert "survivors" in session.write_report()
        assert (level.solutions_dir / COUNTING).read_text() == \
            (tmp_path / "submission" / COUNTING).read_text()  # the mutant was undone
    finally:
        session.db.close()
