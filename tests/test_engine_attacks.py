"""Hostile and broken submissions of the demo level get exactly their score, and harm nothing."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, build_submission, expected_score, run_grade, tree_hash

SUBMISSIONS = sorted(p for p in (ENGINE_KIT / "submissions").iterdir() if p.is_dir())


def _sleepers() -> list[str]:
    done = subprocess.run(["pgrep", "-f", "sleeper-987654"], capture_output=True, text=True)
    return done.stdout.split()


@pytest.mark.parametrize("fixture", SUBMISSIONS, ids=lambda p: p.name)
def test_submission_gets_its_exact_score(fixture: Path, tmp_path: Path) -> None:
    """Each fixture's total equals expected.toml; the kit and the submission are untouched."""
    submission = build_submission(tmp_path / "sub", ENGINE_KIT / "solutions" / "demo", fixture)
    kit_before, sub_before = tree_hash(ENGINE_KIT), tree_hash(submission)
    started = time.monotonic()
    graded = run_grade("demo", "--submission", submission, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "record.json", timeout=300)
    elapsed = time.monotonic() - started

    assert graded.record is not None, graded.stderr
    assert graded.record["points"] == expected_score(fixture), graded.stdout
    assert graded.returncode == (0 if expected_score(fixture) == 100 else 1)
    assert "Traceback" not in graded.stderr
    assert tree_hash(ENGINE_KIT) == kit_before, "the kit was modified"
    assert tree_hash(submission) == sub_before, "the submission folder was modified"
    assert not _sleepers(), "a child process of the submission survived grading"
    assert elapsed < 120
    assert len(graded.stdout) < 50_000, "the report must stay readable"


def test_crash_and_hang_reasons_are_named(tmp_path: Path) -> None:
    """A crash says crashed, a hang says timed out, each on the test it belongs to."""
    outcomes = {}
    for name in ("segfault_in_div", "hang_in_mul", "exit_at_import"):
        sub = build_submission(tmp_path / name, ENGINE_KIT / "solutions" / "demo",
                               ENGINE_KIT / "submissions" / name)
        outcomes[name] = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                                   json_out=tmp_path / f"{name}.json").outcomes()
    assert outcomes["segfault_in_div"]["test_div"] == "crashed"
    assert outcomes["segfault_in_div"]["test_add"] == "passed"
    assert outcomes["hang_in_mul"]["test_mul"] == "timed out"
    assert set(outcomes["exit_at_import"].values()) == {"crashed"}


@pytest.mark.skipif(os.geteuid() != 0, reason="hiding files from the worker needs root")
def test_worker_cannot_see_solutions_or_hidden_suites(tmp_path: Path) -> None:
    """Under root the worker runs in a mount namespace where solutions and suites are empty."""
    sub = build_submission(tmp_path / "sub", ENGINE_KIT / "solutions" / "demo",
                           ENGINE_KIT / "submissions" / "read_hidden_and_solutions")
    graded = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    assert graded.outcomes()["test_div"] == "failed"


def test_banned_import_names_module_and_place(tmp_path: Path) -> None:
    """A banned import fails the test with the module's name and the student's file:line."""
    sub = build_submission(tmp_path / "sub", ENGINE_KIT / "solutions" / "demo",
                           ENGINE_KIT / "submissions" / "banned_import_in_mul")
    graded = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    test = next(t for t in graded.record["levels"][0]["tests"] if t["name"] == "test_mul")
    assert test["outcome"] == "banned import"
    assert "'sqlite3' at calc/ops.py:" in test["message"]
