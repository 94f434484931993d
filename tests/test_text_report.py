"""The text report reads well: wrapped to the width, rounded points, one line per repeated
cause, the next step, and values as a student writes them (made-up records, no grading)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal
from autograder.judge.examples import example_lines, repro_lines
from autograder.judge.shown import code, shown
from autograder.report.record import LevelResult, Outcome, RunRecord
from autograder.report.record import TestResult as Result
from autograder.report.text import render

LONG = ("a title long enough to need two lines on a narrow terminal, ending with the words "
        "aligned on the right")
STUB = "`infer_shape` (teenygrad/nested.py:48)"


def _test(name: str, part: str, outcome: Outcome, points: float = 0.0, max_points: float = 2.0,
          **fields: object) -> Result:
    return Result(nodeid=f"s.py::{name}", name=name, title=fields.pop("title", name),
                      part=part, max_points=max_points, points=points, outcome=outcome,
                      **fields)


def _record(*tests: Result, source: str = "assignments") -> RunRecord:
    level = LevelResult(level="level-1", title="Tensor: nested lists, strided views and the BLAS",
                        source=source, tests=list(tests))
    level.summarize_parts({"nested": "nested-list tensor", "strided": "strided storage"})
    return RunRecord(levels=[level])


def _stubbed(n: int) -> list[Result]:
    return [_test(f"test_{k}", "nested", Outcome.NOT_IMPLEMENTED, cause=STUB,
                  message=f"not implemented: infer_shape (teenygrad/nested.py:48) #{k}")
            for k in range(n)]


@pytest.mark.parametrize("width", [40, 80, 120])
def test_lines_fit_the_width_and_long_titles_wrap(width: int) -> None:
    """No line is wider than the terminal; a long title and its hint wrap instead of being cut."""
    failing = _test("test_long", "strided", Outcome.FAILED, title=LONG, hidden=True,
                    message="values differ — the hint that used to be cut: " + "x" * 30)
    text = render(_record(failing), width=width)
    assert max(len(line) for line in text.splitlines()) <= width, text
    flat = " ".join(text.split()).replace(" 0/2", "")  # the points end a title's first row
    assert "aligned on the right (hidden)" in flat and "x" * 30 in flat.replace(" ", "")


def test_points_are_rounded() -> None:
    """Points show to a tenth (6.1/7), and a loss never rounds away to full marks."""
    text = render(_record(_test("a", "nested", Outcome.PARTIAL, 6.11123, 7.0),
                          _test("b", "strided", Outcome.PARTIAL, 1.996, 2.0)), width=80)
    assert "6.1/7" in text and "6.11123" not in text
    assert "2.00/2" in text and "TOTAL 8.1/9" in text


def test_tests_stopped_by_one_stub_are_one_line_and_the_next_step_ends_the_report() -> None:
    """Twelve tests waiting on one stub are one line that says to start there; the report ends
    with the first part to fix and the command for it."""
    record = _record(*_stubbed(12), _test("test_s", "strided", Outcome.PASSED, 2.0))
    text = render(record, width=80)
    assert f"12 tests wait on {STUB}: start there" in text
    assert "#3" not in text  # the twelve messages are not repeated
    lines = text.splitlines()
    assert lines[-4:-2] == ["next: nested-list tensor (0/24), the first part to fix:",
                            "  python grade.py level-1 -k nested -v"]
    assert "#3" in render(record, width=80, verbose=True)  # -v lists every test


def test_next_step_names_the_submission() -> None:
    """Grading a submission, the command grades the same submission."""
    text = render(_record(*_stubbed(1), source="/tmp/sub"), width=80)
    assert "python grade.py level-1 --submission /tmp/sub -k nested -v" in text
    assert "next:" not in render(_record(_test("ok", "nested", Outcome.PASSED, 2.0)))


def test_next_step_quotes_a_path_with_spaces() -> None:
    """The command pastes back as it is shown: a path with a space is quoted."""
    text = render(_record(*_stubbed(1), source="/tmp/spa ce"), width=80)
    assert "python grade.py level-1 --submission '/tmp/spa ce' -k nested -v" in text


def test_a_shrunk_example_is_shown_and_its_reproduction_with_v() -> None:
    """A failing property-based test shows its smallest input; -v adds the call to paste."""
    failing = _test("test_h", "nested", Outcome.FAILED, message="wrong",
                    example="case = ('add', [[0.0], [[0.0, 0.0]]], {})",
                    repro="import numpy as np\nfrom m import f\nprint(f(1))")
    assert "case = ('add', [[0.0], [[0.0, 0.0]]], {})" in render(_record(failing), width=80)
    assert "print(f(1))" not in render(_record(failing), width=80)
    assert "        print(f(1))" in render(_record(failing), width=80, verbose=True)


def test_values_are_shown_as_a_student_writes_them() -> None:
    """No numpy reprs, no wire encodings: numbers, tuples, lists, Tensor(...), t[...]."""
    assert shown(np.float64(0.25)) == "0.25"
    assert shown((2, 3)) == "(2, 3)" and shown((2,)) == "(2,)"
    assert shown(np.array([[1.0, 2.0]])) == "[[1.0, 2.0]]"
    assert shown({"scalar": -1.0}) == "-1.0"
    assert shown({"tensor": [[1.0, 2.0]]}) == "Tensor([[1.0, 2.0]])"
    assert shown({"tuple": [[1, None, None], 0]}) == "t[1:, 0]"
    layout = {"storage": [1.0, 2.0], "shape": [2], "strides": [-1], "offset": 1}
    assert shown(layout) == "Tensor.from_layout([1.0, 2.0], (2,), (-1,), 1)"
    with pytest.raises(AssertionError) as failed:
        check_close(np.array([1.0, 2.0]), [1.0, 3.0], "y")
    assert "got 2.0, expected 3.0" in str(failed.value) and "np.float64" not in str(failed.value)
    with pytest.raises(AssertionError) as failed:
        check_equal([np.int64(3), 1], [1, 3], "strides")
    assert "got [3, 1], expected [1, 3]" in str(failed.value)


def test_examples_and_reproductions_paste_back_to_the_same_values() -> None:
    """The example's values and the reproduction's arguments evaluate to what was sent."""
    values = {"x": np.array([[0.5, float("nan")]]), "kw": {"axis": (0, 1)}, "n": 3}
    rebuilt = eval(code(values), {"np": np})  # noqa: S307 - our own output
    assert np.array_equal(rebuilt["x"], values["x"], equal_nan=True)
    assert rebuilt["kw"] == values["kw"] and rebuilt["n"] == 3
    assert example_lines([("case", (np.float32(1.5), [1, 2]))]) == ["case = (1.5, [1, 2])"]
    lines = repro_lines(("autograder.probes.level1:run_op", ["add", [np.zeros(1)]], {}))
    assert lines == ["import numpy as np", "from autograder.probes.level1 import run_op",
                     "print(run_op('add', [np.array([0.0])]))"]
    assert repro_lines(None) == []


def test_k_with_a_part_id_grades_exactly_that_part(tmp_path) -> None:
    """`-k arith` (the next step's command) grades every test of part arith, the hidden one in
    another file too, and no test of another part."""
    from conftest import ENGINE_KIT, run_grade

    graded = run_grade("demo", "--solutions", "-k", "arith", kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    tests = graded.record["levels"][0]["tests"]
    assert {t["part"] for t in tests} == {"arith"}, tests
    assert "test_add_negative" in {t["name"] for t in tests}  # in test_more.py, not test_arith
    robust = run_grade("demo", "--solutions", "-k", "robust", kit_root=ENGINE_KIT,
                       json_out=tmp_path / "s.json")
    assert sorted(t["name"] for t in robust.record["levels"][0]["tests"]) == [
        "test_div", "test_div_zero"]


def test_the_level_minus_1_stub_report_fits_a_screen() -> None:
    """The untouched level -1 stubs: at most 40 lines on an 80-column terminal, starting
    where to start and ending with the command for the first part."""
    from conftest import run_grade

    graded = run_grade("level-1", env={"COLUMNS": "80"})
    lines = graded.stdout.rstrip("\n").splitlines()
    assert len(lines) <= 40 and max(len(line) for line in lines) <= 80, graded.stdout
    assert re.search(r"\d+ tests wait on `infer_shape` \(teenygrad/nested\.py:\d+\): start "
                     r"there", graded.stdout), graded.stdout
    assert "  python grade.py level-1 -k nested -v" in lines


def test_tests_and_parts_that_lost_points_show_the_id_k_takes() -> None:
    """Without -v, a failing test shows its id before its title and a part with points to
    gain its `(-k PART)`; a passing test and a full part show neither."""
    record = _record(_test("test_ok", "strided", Outcome.PASSED, 2.0, title="works"),
                     _test("test_bad", "nested", Outcome.FAILED, title="breaks",
                           message="values differ"))
    text = render(record, width=80)
    assert re.search(r"^  ✗ test_bad · breaks +0/2$", text, re.MULTILINE), text
    assert re.search(r"^  ✓ works +2/2$", text, re.MULTILINE), text
    assert re.search(r"^nested-list tensor \(-k nested\) +0/2$", text, re.MULTILINE), text
    assert re.search(r"^strided storage +2/2$", text, re.MULTILINE), text
