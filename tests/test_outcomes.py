"""Outcomes are data: one `Outcome` enum in the record (written as its string), and a student
file the build blocked (not built, did not compile) ends its parts' tests in the judge, with
the build's reason, without a worker."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, KIT, build_submission, run_grade, without_markers

from autograder.judge.build import _compile_errors
from autograder.judge.errors import DidNotCompile, NotBuilt
from autograder.judge.runner import GradeOptions, _run_suites
from autograder.levels import all_levels, load_level
from autograder.report.formats import to_json, to_junit
from autograder.report.record import LevelResult, Outcome, RunRecord
from autograder.report.record import TestResult as Result

KERNELS = "rust_kernels/teenygrad_kernels/src/kernels"
BLAS1 = f"{KERNELS}/blas1.rs"
SGEMV = f"{KERNELS}/sgemv.rs"


def test_outcomes_are_written_as_their_strings() -> None:
    """The JSON record and JUnit spell an outcome as it always was ("did not compile")."""
    test = Result("t::a", "a", "a", "p", 2.0, outcome=Outcome.DID_NOT_COMPILE)
    record = RunRecord(levels=[LevelResult("demo", "demo", "x", tests=[test])])
    assert json.loads(to_json(record))["levels"][0]["tests"][0]["outcome"] == "did not compile"
    assert 'type="did not compile"' in to_junit(record)
    assert Outcome("partial credit") is Outcome.PARTIAL


def test_compile_errors_name_the_file_or_blame_all() -> None:
    """rustc's first error per student file; an error in no student file blames them all."""
    log = ("error[E0308]: mismatched types\n  --> teenygrad_kernels/src/kernels/blas1.rs:34:21\n"
           "   |\n34 |     let scale: f32 = \"two\";\n\nerror: aborting\n")
    errors = _compile_errors(log, [BLAS1, SGEMV])
    assert list(errors) == [BLAS1]
    assert errors[BLAS1].outcome == Outcome.DID_NOT_COMPILE
    assert errors[BLAS1].message == "did not compile: mismatched types (blas1.rs:34)"
    assert "let scale" in errors[BLAS1].detail
    kit = "error[E0061]: wrong arguments\n  --> teenygrad_kernels/src/lib.rs:400:9\n"
    assert set(_compile_errors(kit, [BLAS1, SGEMV])) == {BLAS1, SGEMV}


def test_every_part_file_is_an_editable_key() -> None:
    """A part's `files` name student files of its level (else nothing would ever block it)."""
    for level in all_levels():
        keys = set(level.stub_keys())
        for part in level.parts.values():
            assert set(part.files) <= keys, (level.id, part.id, part.files)


def test_blocked_file_ends_its_parts_tests_without_a_worker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of a part whose file is blocked ends with the build's outcome and reason,
    and no worker is started (the spec here cannot start one)."""
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(ENGINE_KIT))
    level = load_level("demo")
    parts = {"arith": dataclasses.replace(level.parts["arith"], modules=(),
                                          files=("calc/ops.py",)),
             "robust": level.parts["robust"]}  # needs the module calc.ops
    level = dataclasses.replace(level, parts=parts)
    stop = DidNotCompile("did not compile: mismatched types (ops.py:3)")
    never = NotBuilt("not built: demo forbids what it does: ops.py:1: `extern` is not allowed")
    blocked = {"calc/ops.py": stop, "calc.ops": never}

    class NoWorker:
        def __getattr__(self, name: str) -> Path:
            raise AssertionError(f"a worker was asked for {name!r}")

    ctx = _run_suites(level, NoWorker(), GradeOptions(), blocked)  # type: ignore[arg-type]
    by_part = {pid: {(t.outcome, t.message) for t in ctx.results if t.part == pid}
               for pid in parts}
    assert by_part["arith"] == {(Outcome.DID_NOT_COMPILE, stop.message)}
    assert by_part["robust"] == {(Outcome.BANNED_IMPORT, never.message)}
    assert all(t.points == 0 for t in ctx.results)


@pytest.mark.slow
def test_a_stub_that_breaks_another_file_blocks_it_too(tmp_path: Path) -> None:
    """sgemm_simd.rs does not compile; built as its stub, it no longer has the helpers the
    reference sgemm_parallel.rs imports, so parallel does not compile either (blocked in a
    second build, not a grader error); naive, untouched, keeps its 5 points."""
    overlay = tmp_path / "overlay" / KERNELS
    overlay.mkdir(parents=True)
    simd = without_markers((KIT / "solutions/level0" / KERNELS / "sgemm_simd.rs").read_text())
    head = simd.index("{", simd.index(")", simd.index("pub fn sgemm_simd("))) + 1
    (overlay / "sgemm_simd.rs").write_text(
        simd[:head] + '\n    let broken: u32 = "not a number";\n' + simd[head:])
    submission = build_submission(tmp_path / "sub", KIT / "solutions/level0",
                                  tmp_path / "overlay")
    graded = run_grade("level0", "--submission", submission, "-k",
                       "(naive or simd or parallel) and not speed", json_out=tmp_path / "r.json")
    assert graded.record is not None and graded.returncode == 1, graded.stderr
    tests = graded.record["levels"][0]["tests"]
    outcomes = {part: {t["outcome"] for t in tests if t["part"] == part}
                for part in ("naive", "simd", "parallel")}
    assert outcomes == {"naive": {"passed"}, "simd": {"did not compile"},
                        "parallel": {"did not compile"}}, outcomes
    messages = {t["part"]: t["message"] for t in tests}
    assert "mismatched types (sgemm_simd.rs:" in messages["simd"], messages
    assert "sgemm_parallel.rs:" in messages["parallel"], messages
    assert graded.record["points"] == 5


def test_the_failing_example_and_its_message_are_the_same_case(tmp_path: Path) -> None:
    """When several explicit examples of a test would fail, the report's message, smallest
    input and call to paste all describe the first one (they once mixed the first's message
    with the last's input). A write from an overlapping view read lazily fails three."""
    sub = build_submission(tmp_path / "sub", KIT / "solutions/level-1", tmp_path / "none")
    strided = sub / "teenygrad/strided.py"
    eager = "values = [source.storage[p] for p in source.positions()]"
    assert strided.read_text().count(eager) == 1
    strided.write_text(strided.read_text().replace(
        eager, "values = (source.storage[p] for p in source.positions())"))
    graded = run_grade("level-1", "--submission", sub, "-k", "test_setitem_through_views",
                       json_out=tmp_path / "r.json")
    assert graded.record is not None, graded.stderr
    (test,) = graded.record["levels"][0]["tests"]
    assert test["outcome"] == "failed", test
    assert test["message"].startswith("t after t[1:] = t[:-1]"), test["message"]
    assert "t[1:], {'view': t[:-1]}" in test["example"], test["example"]
    assert "{'one': [1, None, None]}" in test["repro"], test["repro"]
