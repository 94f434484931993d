"""`grade.py mutation`: a fixed sample of level -2 mutants, graded for real (about a minute), and
the scoring rule on a made-up level."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, run_grade

from autograder.instructor.mutation import ELSEWHERE, KILLED, Session, Settings
from autograder.levels import load_level

COUNTING = "probability/counting.py"
ROW = re.compile(r"^\| probability/counting\.py \| counting \| (\d+) \| (\d+) \| (\d+) \| (\d+) "
                 r"\| (.+) \|$", re.MULTILINE)


def test_sample_writes_a_table_and_resumes(tmp_path: Path) -> None:
    """A seeded sample of 3 mutants: the table counts them all; run again, nothing is redone."""
    args = ("mutation", "level-2", "--files", COUNTING, "--sample", "3", "--work", tmp_path)
    first = run_grade(*args, timeout=300)
    assert first.returncode == 0, first.stderr
    killed, survived, elsewhere, incompetent, score = ROW.search(first.stdout).groups()
    assert int(killed) + int(survived) + int(incompetent) == 3
    assert elsewhere == "0"  # counting.py is for one part, whose tests grade it
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


def test_a_mutant_rejected_only_by_another_part_is_a_rule_violation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo level with `robust` naming calc/__init__.py too: calc/ops.py is for `arith`
    alone. Breaking safe_div loses only robust's points: not killed (a rule violation, listed
    and counted as survived); breaking add loses arith's points: killed."""
    kit = tmp_path / "kit"
    shutil.copytree(ENGINE_KIT, kit)
    manifest = kit / "autograder/levels/demo.toml"
    text = manifest.read_text()
    assert text.count('modules = ["calc.ops"]') == 2
    manifest.write_text(text[::-1].replace('modules = ["calc.ops"]'[::-1],
                                           'modules = ["calc.ops", "calc"]'[::-1], 1)[::-1])
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(kit))
    level = load_level("demo")
    session = Session(level, tmp_path / "work", Settings(level.id, None, 0, False))
    try:
        assert session.owners("calc/ops.py") == ["arith"]
        assert session.parts_of("calc/ops.py") == ["arith", "robust"]
        by_name = {(m.definition, m.operator): m for m in session.mutants()}
        div_zero = by_name["safe_div", "core/ReplaceComparisonOperator_Eq_NotEq"]
        add_sub = by_name["add", "core/ReplaceBinaryOperator_Add_Sub"]
        assert session.grade_mutant(div_zero) == ELSEWHERE
        assert session.grade_mutant(add_sub) == KILLED
        report = session.write_report()
    finally:
        session.db.close()
    row = re.search(r"^\| calc/ops\.py \| arith \| 1 \| 1 \| 1 \| 0 \| 50\.0% \|$", report,
                    re.MULTILINE)
    assert row, report
    assert re.search(r"safe_div.*rule violation: only robust lost points", report), report


def test_owners_follow_the_manifest(tmp_path: Path) -> None:
    """Level -1: strided.py is for strided and broadcast, but broadcast's `owns` claims sum and
    blas's claims __matmul__; blas.py is for blas alone."""
    level = load_level("level-1")
    session = Session(level, tmp_path, Settings(level.id, None, 0, False, ("teenygrad/nested.py",)))
    try:
        assert session.owners("teenygrad/strided.py", "reshape") == ["strided", "broadcast"]
        assert session.owners("teenygrad/strided.py", "sum") == ["broadcast"]
        assert session.owners("teenygrad/strided.py", "__matmul__") == ["blas"]
        assert session.owners("teenygrad/blas.py", "sgemm") == ["blas"]
    finally:
        session.db.close()
