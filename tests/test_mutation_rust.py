"""`grade.py mutation level0`: cargo-mutants' mutants of the reference kernels, graded for real
with level 0's correctness tests (a fixed sample: a couple of maturin builds)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_grade

from autograder.instructor.mutation import KILLED, Settings
from autograder.instructor.mutation_rust import RustSession, _arch_gate, apply_span
from autograder.levels import load_level

KERNELS = "rust_kernels/teenygrad_kernels/src/kernels/"
NAIVE = KERNELS + "sgemm_naive.rs"
ROW = re.compile(r"^\| " + re.escape(NAIVE)
                 + r" \| naive \| (\d+) \| (\d+) \| \d+ \| (\d+) \| (\d+) \| (.+) \|$",
                 re.MULTILINE)
needs_tool = pytest.mark.skipif(
    shutil.which("cargo-mutants") is None
    and not (Path.home() / ".cargo" / "bin" / "cargo-mutants").exists(),
    reason="cargo-mutants is not installed (cargo install --locked cargo-mutants)")


def test_apply_span_uses_cargo_mutants_positions() -> None:
    """Lines and columns are 1-based, the end exclusive, columns counted in characters."""
    text = "fn f() -> f32 {\n    a + b·c\n}\n"
    assert apply_span(text, (2, 7), (2, 8), "-") == "fn f() -> f32 {\n    a - b·c\n}\n"
    assert apply_span(text, (2, 9), (2, 12), "0.0") == "fn f() -> f32 {\n    a + 0.0\n}\n"
    assert apply_span(text, (2, 5), (2, 12), "1.0") == "fn f() -> f32 {\n    1.0\n}\n"


def test_code_for_another_architecture_is_recognised() -> None:
    """tile_neon is aarch64-only; tile_avx2 x86-64-only; the scalar fallback is everywhere."""
    level = load_level("level0")
    lines = (level.solutions_dir / KERNELS / "sgemm_simd.rs").read_text().splitlines()
    where = {name: next(i + 1 for i, line in enumerate(lines) if f"fn {name}(" in line)
             for name in ("tile_neon", "tile_avx2", "tile_scalar")}
    assert _arch_gate(lines, where["tile_neon"]) == "aarch64"
    assert _arch_gate(lines, where["tile_avx2"]) == "x86_64"
    assert _arch_gate(lines, where["tile_scalar"]) is None


@needs_tool
def test_sample_writes_a_table_and_resumes(tmp_path: Path) -> None:
    """A seeded sample of 2 naive mutants graded by 2 jobs (each in its own Cargo workspace
    copy): the table counts both; run again, nothing is redone."""
    args = ("mutation", "level0", "--files", NAIVE, "--sample", "2", "--work", tmp_path)
    first = run_grade(*args, "--jobs", "2", timeout=600)
    assert first.returncode == 0, first.stderr
    (run,) = json.loads((tmp_path / "runs.json").read_text())
    assert (run["graded"], run["jobs"]) == (2, 2)
    for crate in ("crate", "crate-1"):  # both workspaces used, each mutant undone
        kernel = tmp_path / crate / NAIVE
        assert kernel.read_text() == (load_level("level0").solutions_dir / NAIVE).read_text()
    assert (tmp_path / "cache-1").is_dir()
    killed, survived, equivalent, incompetent, _score = ROW.search(first.stdout).groups()
    assert int(killed) + int(survived) + int(equivalent) + int(incompetent) == 2, first.stdout
    assert (tmp_path / "report.md").read_text().strip() == first.stdout.strip()
    assert len(list((tmp_path / "survivors").glob("*.diff"))) == int(survived)
    assert json.loads((tmp_path / "session.json").read_text())["sample"] == 2
    again = run_grade(*args, timeout=300)
    assert again.returncode == 0 and again.stdout == first.stdout


@needs_tool
def test_known_mutants_are_classified(tmp_path: Path) -> None:
    """A wrong sum in sgemm_naive is killed by correctness tests; rustc's refusal is seen."""
    level = load_level("level0")
    session = RustSession(level, tmp_path, Settings(level.id, None, 0, False, (NAIVE,)))
    try:
        simd = KERNELS + "sgemm_simd.rs"
        assert session.parts_of(simd) == ["simd", "parallel"] and session.owners(simd) == ["simd"]
        keyword = session.keyword(["naive"])
        assert "test_sgemm_fixed_cases[naive]" in keyword and "speed" not in keyword
        assert "[simd]" not in keyword
        lines = (level.solutions_dir / NAIVE).read_text().splitlines()
        sum_line = next(i + 1 for i, line in enumerate(lines) if "sum += a[" in line)
        wrong_sum = [m for m in session.mutants() if m.line == sum_line
                     and session._specs()[m.job_id].operator_args["replacement"] == "-="]
        assert len(wrong_sum) == 1, session.mutants()
        assert session.grade_mutant(wrong_sum[0], timeout=600) == KILLED  # no baseline
        assert dict(session.db.results)[wrong_sum[0].job_id].diff  # committed, with its diff
        for copy in (tmp_path / "submission" / NAIVE, session.tree.parent / NAIVE):
            assert copy.read_text() == (level.solutions_dir / NAIVE).read_text()  # undone
        (session.tree.parent / NAIVE).write_text("pub fn sgemm_naive(")
        assert "rustc refuses it" in (session.refused(wrong_sum[0]) or "")
    finally:
        session.db.close()
