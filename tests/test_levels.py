"""Every shipped level, graded for real: reference 100, stubs 0, wrong submissions exact."""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import pytest
from conftest import (
    KIT,
    build_submission,
    busy_benchmarks,
    expected_score,
    lost_only_speed,
    run_grade,
    tree_hash,
)

from autograder.levels import all_levels

LEVELS = [level.id for level in all_levels()]
RUST_LEVELS = {lv.id for lv in all_levels() if lv.build.get("kind") == "maturin"}  # slow
TIMED_LEVELS = {lv.id for lv in all_levels()  # speed points, graded against a roof: run alone
                if any(isinstance(t, dict) and "roof" in t for t in lv.thresholds.values())}
#: Gradings of a timed level's reference before lost speed points fail the test, and the pause
#: before the last one (see test_reference_solutions_get_full_marks).
SPEED_ATTEMPTS = 3
SPEED_RETRY_PAUSE_S = 20.0
FIXTURES = sorted(p for level in LEVELS for p in (KIT / "tests/fixtures" / level).glob("*")
                  if (p / "expected.toml").is_file())


def _level_param(level_id: str, earns_speed_points: bool = True) -> object:
    # A level with speed thresholds times its kernels: where a test earns those points they
    # are checked on a quiet machine, in the `timing` pass. (The capstone builds Rust but has
    # no speed points: its training limits are 6-10x the reference's time.)
    marks = [pytest.mark.slow] if level_id in RUST_LEVELS else []
    if earns_speed_points and level_id in TIMED_LEVELS:
        marks.append(pytest.mark.timing)
    return pytest.param(level_id, marks=marks, id=level_id)


@pytest.mark.parametrize("level_id", [_level_param(lv) for lv in LEVELS])
def test_reference_solutions_get_full_marks(level_id: str, tmp_path: Path) -> None:
    """The reference solutions get 100/100 (speed points only when the machine was quiet).

    Speed points lost on a machine that looked quiet are graded again, up to SPEED_ATTEMPTS
    times, the last after a pause: a virtual machine's host can slow a core down for a minute
    with no process here to show for it (session 10's CI: `simd` at 72% of the roof in two
    gradings 20 s apart, 89% on the same code minutes later). Lost every time, the test fails.
    """
    losses = []
    for attempt in range(1, SPEED_ATTEMPTS + 1):
        graded = run_grade(level_id, "--solutions", json_out=tmp_path / f"r{attempt}.json")
        assert graded.record is not None, graded.stderr
        level = graded.record["levels"][0]
        lost = {t["name"]: (t["outcome"], t["message"]) for t in level["tests"]
                if t["points"] < t["max_points"]}
        only_speed = lost_only_speed(graded.record)
        busy = busy_benchmarks(graded.record)
        if busy and only_speed:
            pytest.skip(f"machine busy while timing {busy}: speed points not checked")
        if not only_speed or attempt == SPEED_ATTEMPTS:
            break
        losses.append(lost)
        print(f"speed points lost on a quiet machine, grading again: {lost}")
        if attempt == SPEED_ATTEMPTS - 1:
            time.sleep(SPEED_RETRY_PAUSE_S)
    assert graded.returncode == 0, [*losses, lost]
    assert graded.record["points"] == 100
    assert level["max_points"] == 100
    if level_id == "level0":
        assert_report_shows_the_graded_roof(level)


def assert_report_shows_the_graded_roof(level: dict) -> None:
    """The roofline note (and the plot drawn from the same figures) shows the all-thread peak
    that `parallel` was graded against, not an earlier measurement of it."""
    row = next(b for b in level["benchmarks"] if b["name"].startswith("sgemm parallel"))
    graded_roof = row["gflops"] / (row["% of roof"] / 100)
    note = next(n for n in level["notes"] if n.startswith("roofline of this run"))
    shown = float(re.search(r"all threads: ([\d.]+)", note)[1])
    assert shown == pytest.approx(graded_roof, rel=5e-3), (note, row)


@pytest.mark.parametrize("level_id", [_level_param(lv, earns_speed_points=False)
                                      for lv in LEVELS])
def test_stubs_get_zero_and_fail_cleanly(level_id: str, tmp_path: Path) -> None:
    """The untouched stubs get 0, every test 'not implemented', nothing crashes."""
    graded = run_grade(level_id, json_out=tmp_path / "r.json")
    assert graded.returncode == 1, graded.stderr
    assert graded.record["points"] == 0
    outcomes = {name: outcome for name, outcome in graded.outcomes().items()}
    assert set(outcomes.values()) == {"not implemented"}, outcomes


@pytest.mark.parametrize("fixture", [
    pytest.param(p, marks=[pytest.mark.slow] if p.parent.name in RUST_LEVELS else [],
                 id=f"{p.parent.name}/{p.name}") for p in FIXTURES])
def test_wrong_submission_gets_its_exact_score(fixture: Path, tmp_path: Path) -> None:
    """Each deliberately wrong submission gets exactly the score in its expected.toml."""
    level_id = fixture.parent.name
    submission = build_submission(tmp_path / "sub", KIT / "solutions" / level_id, fixture)
    before = tree_hash(submission)
    graded = run_grade(level_id, "--submission", submission, json_out=tmp_path / "r.json")
    assert graded.record is not None, graded.stderr
    lost = {t["name"]: t["message"] for t in graded.record["levels"][0]["tests"]
            if t["points"] < t["max_points"]}
    assert graded.record["points"] == expected_score(fixture), lost
    # `blame = "file"` in expected.toml: every lost test names the file that broke it.
    blame = tomllib.loads((fixture / "expected.toml").read_text()).get("blame")
    assert blame is None or all(blame in message for message in lost.values()), lost
    assert tree_hash(submission) == before
