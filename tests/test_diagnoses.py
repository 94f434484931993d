"""Known-wrong variants of every level's solutions get their exact score and their diagnosis.

`tests/diagnoses/<level>.toml` is a table of typical student bugs, each a small mutant of the
reference solution (`before` -> `after` in one student file). Each is graded for real as a
submission; the test checks the points it loses, where it loses them, and that the report
(rendered as a student reads it) names the bug with the table's `diagnosis`. Variants that
share a `group` (level 0: one Rust build for several bugs in different files) are graded
together, with the tests `select` names.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import KIT, build_submission, run_grade

from autograder.report.record import LevelResult, Outcome, RunRecord
from autograder.report.record import TestResult as Result
from autograder.report.text import render

TABLES = KIT / "tests" / "diagnoses"
RUST_LEVELS = {"level0"}
#: Levels that have no table yet, and why (each is a debt: write its table, then remove it).
WITHOUT_TABLE: dict[str, str] = {}


def _table(level: str) -> dict:
    return tomllib.loads((TABLES / f"{level}.toml").read_text())


def _cases() -> list[object]:
    """One case per variant, or per group of variants graded together."""
    cases = []
    for path in sorted(TABLES.glob("*.toml")):
        level = path.stem
        table = _table(level)
        groups: dict[str, list[dict]] = defaultdict(list)
        for variant in table["variant"]:
            groups[variant.get("group", variant["name"])].append(variant)
        marks = [pytest.mark.slow] if level in RUST_LEVELS else []
        for name, variants in groups.items():
            cases.append(pytest.param(level, variants, table.get("select", {}).get(name),
                                      marks=marks, id=f"{level}/{name}"))
    return cases


def mutate(submission: Path, variant: dict) -> None:
    """Apply one variant: its `before` text, found exactly once in its file, becomes `after`."""
    path = submission / variant["file"]
    text = path.read_text()
    assert text.count(variant["before"]) == 1, (
        f"{variant['name']}: `before` must occur once in {variant['file']} of the solutions, "
        f"found {text.count(variant['before'])} times (did the solution change?)")
    path.write_text(text.replace(variant["before"], variant["after"]))


def report_of(record: dict) -> str:
    """The text report of a JSON record, unwrapped (one line per reason), as a student sees
    it without -v."""
    levels = []
    for raw in record["levels"]:
        tests = [Result(**{**t, "outcome": Outcome(t["outcome"])}) for t in raw["tests"]]
        level = LevelResult(level=raw["level"], title=raw["title"], source=raw["source"],
                            tests=tests, benchmarks=raw["benchmarks"], notes=raw["notes"])
        level.summarize_parts({p["id"]: p["title"] for p in raw["parts"]})
        levels.append(level)
    return render(RunRecord(levels=levels), width=10_000)


@pytest.mark.parametrize(("level", "variants", "select"), _cases())
def test_variant_gets_its_score_and_diagnosis(level: str, variants: list[dict],
                                              select: str | None, tmp_path: Path) -> None:
    """Each known-wrong variant loses exactly its points, in its parts, and the report shows
    its diagnosis."""
    submission = build_submission(tmp_path / "sub", KIT / "solutions" / level,
                                  tmp_path / "no-overlay")
    for variant in variants:
        mutate(submission, variant)
    args: list[str | Path] = [level, "--submission", submission]
    if select:
        args += ["-k", select]
    graded = run_grade(*args, json_out=tmp_path / "r.json")
    assert graded.record is not None, graded.stderr
    result = graded.record["levels"][0]
    lost_by_part = {p["id"]: round(p["max_points"] - p["points"], 6) for p in result["parts"]}
    messages = {t["name"]: t["message"] for t in result["tests"]
                if t["points"] < t["max_points"]}
    report = report_of(graded.record)
    for variant in variants:
        lost = sum(lost_by_part.get(part, 0.0) for part in variant["parts"])
        assert lost == pytest.approx(variant["lost"]), (variant["name"], lost_by_part, messages)
        assert variant["diagnosis"] in report, (variant["name"], report)
    total_lost = round(result["max_points"] - result["points"], 6)
    assert total_lost == pytest.approx(sum(v["lost"] for v in variants)), (lost_by_part, messages)


def test_every_level_has_its_table() -> None:
    """Every level has at least 8 known-wrong variants, each with a diagnosis, each distinct."""
    from autograder.levels import all_levels

    levels = [level for level in all_levels() if level.id not in WITHOUT_TABLE]
    assert {"level-2", "level-1", "level0", "level1"} <= {level.id for level in levels}
    for level in levels:
        variants = _table(level.id)["variant"]
        assert len(variants) >= 8, f"{level.id}: {len(variants)} variants, at least 8 wanted"
        names = [v["name"] for v in variants]
        assert len(names) == len(set(names)), names
        for variant in variants:
            assert variant["diagnosis"].strip() and variant["lost"] > 0, variant["name"]
            assert set(variant["parts"]) <= set(level.parts), variant["name"]
