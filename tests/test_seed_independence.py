"""Issue 20: a whole class of bug is caught whatever hypothesis draws.

Each mutant is the reference solutions with one change that breaks its part's contract. Graded
on the tests that cover its class (`-k`) under five hypothesis seeds (`TEENYGRAD_HYPOTHESIS_SEED`,
read by the judge instead of the fixed derandomized draw), it must lose at least one of its
part's points every time: the suites' explicit examples see it, not a lucky draw.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import KIT, Graded, build_submission, run_grade

from autograder.judge.plugin import SEED_ENV

SEEDS = (1, 2, 3, 4, 5)
PARALLEL_GRADINGS = 3
#: The tests whose explicit examples cover each class of bug.
UNBROADCAST_TESTS = "test_binary_ops_broadcasting"
VIEW_TESTS = "test_view_chain or test_reshape_view_or_copy_like_numpy"


@dataclass(frozen=True)
class Mutant:
    """The solutions of `level` with one change: a fixture's changes.patch (`fixture`), or
    `old` replaced by `new` in `file`."""

    level: str
    name: str
    part: str
    keyword: str
    fixture: str = ""
    file: str = ""
    old: str = ""
    new: str = ""

    def build(self, dest: Path) -> Path:
        """The mutant as a submission folder."""
        overlay = KIT / "tests" / "fixtures" / self.level / self.fixture if self.fixture \
            else dest.with_name("empty-overlay")
        overlay.mkdir(exist_ok=True)
        build_submission(dest, KIT / "solutions" / self.level, overlay)
        if self.file:
            path = dest / self.file
            text = path.read_text()
            assert text.count(self.old) == 1, f"{self.name}: the solution lacks {self.old!r}"
            path.write_text(text.replace(self.old, self.new))
        return dest


OPS = "teenygrad/ops.py"
MUTANTS = (
    Mutant("level1", "add_unbroadcast_missing", "ops", UNBROADCAST_TESTS, file=OPS,
           old="return unbroadcast(grad_out, a.shape), unbroadcast(grad_out, b.shape)",
           new="return grad_out, grad_out"),
    Mutant("level1", "sub_unbroadcast_missing", "ops", UNBROADCAST_TESTS,
           fixture="sub_unbroadcast_missing"),
    Mutant("level1", "mul_unbroadcast_missing", "ops", UNBROADCAST_TESTS, file=OPS,
           old="return (unbroadcast(grad_out * b.data, a.shape),\n"
               "                unbroadcast(grad_out * a.data, b.shape))",
           new="return grad_out * b.data, grad_out * a.data"),
    Mutant("level1", "div_unbroadcast_missing", "ops", UNBROADCAST_TESTS, file=OPS,
           old="return unbroadcast(grad_a, a.shape), "
               "unbroadcast(-grad_a * a.data / b.data, b.shape)",
           new="return grad_a, -grad_a * a.data / b.data"),
    Mutant("level-1", "negative_step_offset", "strided", VIEW_TESTS,
           fixture="negative_step_offset"),
    Mutant("level-1", "reshape_view_of_noncontiguous", "strided", VIEW_TESTS,
           fixture="reshape_view_of_noncontiguous"),
)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_points_under_every_seed(mutant: Mutant, tmp_path: Path) -> None:
    """Graded under each of five hypothesis seeds, the mutant loses points of its part."""
    submission = mutant.build(tmp_path / "sub")

    def grade(seed: int) -> Graded:
        return run_grade(mutant.level, "--submission", submission, "-k", mutant.keyword,
                         json_out=tmp_path / f"seed{seed}.json", env={SEED_ENV: str(seed)})

    # A grading with -k mostly waits for its workers to start: a few at a time save minutes.
    with ThreadPoolExecutor(max_workers=PARALLEL_GRADINGS) as pool:
        runs = dict(zip(SEEDS, pool.map(grade, SEEDS), strict=True))
    for seed, graded in runs.items():
        assert graded.record is not None, graded.stderr
        level = graded.record["levels"][0]
        assert any(f"seeded with {seed}" in note for note in level["notes"]), level["notes"]
        tests = [t for t in level["tests"] if t["part"] == mutant.part]
        assert tests, f"-k {mutant.keyword!r} selected no test of part {mutant.part!r}"
        lost = sum(t["max_points"] - t["points"] for t in tests)
        assert lost >= 1, f"{mutant.name} kept every point of {mutant.part} with seed {seed}"


def test_a_seed_that_is_not_an_integer_is_a_grader_error(tmp_path: Path) -> None:
    """TEENYGRAD_HYPOTHESIS_SEED=abc stops the run as a grader error, naming the variable."""
    graded = run_grade("level-1", "--solutions", "-k", "test_view_chain_layout",
                       env={SEED_ENV: "abc"})
    assert graded.returncode == 3, graded.stderr
    assert SEED_ENV in graded.stderr + graded.stdout
