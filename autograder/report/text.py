"""The terminal report: tests grouped by part, a mark and points per test, one-line reasons.

`render(record)` is the full report (the terminal, instructors). `render(record,
student_view=True)` is the one report every student-facing channel shows (Gradescope's visible
output, the GitHub step summary, nbgrader feedback): public tests in full, hidden tests only
as a count with points, per part and per level. Nothing a hidden test produced (title, message,
detail, printed output, benchmark rows) is in it, and neither is a grader error's text, which
may quote a hidden test (a hidden suite that does not collect).
"""

from __future__ import annotations

from autograder.report.coaching import coach_suggestion
from autograder.report.record import (
    PASSING,
    LevelResult,
    Outcome,
    PartResult,
    RunRecord,
    TestResult,
)

MARKS = {
    Outcome.PASSED: ("✓", "32"), Outcome.PARTIAL: ("◐", "33"), Outcome.FAILED: ("✗", "31"),
    Outcome.NOT_IMPLEMENTED: ("○", "33"), Outcome.TIMED_OUT: ("⏱", "31"),
    Outcome.CRASHED: ("✗", "31"), Outcome.BANNED_IMPORT: ("⊘", "31"),
    Outcome.DID_NOT_COMPILE: ("✗", "31"), Outcome.GRADER_ERROR: ("!", "35"),
    Outcome.SKIPPED: ("-", "2"), Outcome.LISTED: ("·", "2"),
}
WIDTH = 78
#: What the student view says in place of a grader error's text.
GRADER_ERROR_SEEN = ("the grader itself failed (not your fault); the course staff can see "
                     "the details")


class Style:
    """ANSI colour when writing to a terminal, plain text otherwise."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text


def _points(points: float, max_points: float) -> str:
    return f"{points:g}/{max_points:g}"


def _line(left: str, right: str, width: int = WIDTH) -> str:
    if len(right) > width // 2:
        right = "…" + right[-(width // 2 - 1):]
    room = width - len(right) - 1
    if len(left) > room:
        left = left[: room - 1] + "…"
    return f"{left:<{room}} {right}"


def _test_lines(test: TestResult, style: Style, verbose: bool) -> list[str]:
    mark, code = MARKS.get(test.outcome, ("?", "0"))
    label = test.title if test.title else test.name
    if test.hidden:
        label += " (hidden)"
    right = _points(test.points, test.max_points) if test.outcome != Outcome.LISTED \
        else f"{test.max_points:g} pts"
    lines = [f"  {style(mark, code)} " + _line(label, right, WIDTH - 4)]
    if test.outcome not in (Outcome.PASSED, Outcome.LISTED):
        reason = test.message or test.outcome
        if test.outcome not in (Outcome.FAILED, Outcome.PARTIAL) and not reason.startswith(
                test.outcome):
            reason = f"{test.outcome}: {reason}"
        tone = "2" if test.outcome == Outcome.PARTIAL else code
        lines.append(f"      {style(reason[:300], tone)}")
        if verbose and test.detail:
            lines += [f"      | {row}" for row in test.detail.splitlines()[:60]]
        if verbose and test.output:
            lines.append("      your code printed:")
            lines += [f"      > {row}" for row in test.output.splitlines()[:30]]
    return lines


def _cell(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def benchmark_table(benchmarks: list[dict]) -> list[str]:
    """The benchmark rows as aligned text tables, one per run of rows with the same columns."""
    lines: list[str] = []
    groups: list[list[dict]] = []
    for row in benchmarks:
        if groups and list(groups[-1][0]) == list(row):
            groups[-1].append(row)
        else:
            groups.append([row])
    for group in groups:
        columns = [c for c in group[0] if c != "test"]
        rows = [[_cell(row.get(c, "")) for c in columns] for row in group]
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True))
                  for r in rows]
    return lines


def benchmarks_of(level: LevelResult, test: TestResult) -> list[dict]:
    """The benchmark rows `test` recorded (rows name their test by its pytest name)."""
    return [row for row in level.benchmarks if row.get("test") == test.name]


def visible_benchmarks(level: LevelResult) -> list[dict]:
    """The benchmark rows a student may see: none recorded by a hidden test (a name shared by
    a public and a hidden test counts as hidden)."""
    hidden = {t.name for t in level.tests if t.hidden}
    return [row for row in level.benchmarks if row.get("test") not in hidden]


def _hidden_count(tests: list[TestResult]) -> str:
    if all(t.outcome == Outcome.LISTED for t in tests):
        return f"hidden tests: {len(tests)}"
    return f"hidden tests: {sum(t.outcome in PASSING for t in tests)} of {len(tests)} passed"


def hidden_summary(tests: list[TestResult]) -> str:
    """All the student view says of hidden tests: "hidden tests: 2 of 3 passed, 4/6 points"."""
    possible = sum(t.max_points for t in tests)
    if all(t.outcome == Outcome.LISTED for t in tests):
        return f"{_hidden_count(tests)}, {possible:g} points"
    text = f"{_hidden_count(tests)}, {_points(sum(t.points for t in tests), possible)} points"
    faults = sum(t.outcome == Outcome.GRADER_ERROR for t in tests)
    if faults:
        text += f", {faults} grader error{'s' if faults > 1 else ''} (not your fault)"
    return text


def _hidden_line(tests: list[TestResult], style: Style) -> str:
    points = _points(sum(t.points for t in tests), sum(t.max_points for t in tests))
    if all(t.outcome == Outcome.LISTED for t in tests):
        outcome, points = Outcome.LISTED, f"{sum(t.max_points for t in tests):g} pts"
    elif any(t.outcome == Outcome.GRADER_ERROR for t in tests):
        outcome = Outcome.GRADER_ERROR
    else:
        passed = all(t.outcome in PASSING for t in tests)
        outcome = Outcome.PASSED if passed else Outcome.FAILED
    mark, code = MARKS[outcome]
    return f"  {style(mark, code)} " + _line(_hidden_count(tests), points, WIDTH - 4)


def render_part(level: LevelResult, part: PartResult, style: Style, verbose: bool = False,
                student_view: bool = False) -> list[str]:
    """Lines for one part: its points, then its tests (hidden ones as one count in the
    student view)."""
    lines = [style(_line(part.title, _points(part.points, part.max_points)), "1")]
    tests = [t for t in level.tests if t.part == part.id]
    for test in tests:
        if not (student_view and test.hidden):
            lines += _test_lines(test, style, verbose)
    hidden = [t for t in tests if t.hidden]
    if student_view and hidden:
        lines.append(_hidden_line(hidden, style))
    return lines


def level_footer(level: LevelResult, style: Style, student_view: bool = False,
                 hidden_note: str = "") -> list[str]:
    """The lines under a level's parts: benchmarks, the hidden tests' count (student view,
    followed by `hidden_note`), notes, missing and ignored files."""
    lines: list[str] = []
    benchmarks = visible_benchmarks(level) if student_view else level.benchmarks
    if benchmarks:
        lines += ["", style("benchmarks", "1"), *benchmark_table(benchmarks)]
    hidden = [t for t in level.tests if t.hidden]
    if student_view and hidden:
        note = f" — {hidden_note}" if hidden_note else ""
        lines.append(style(hidden_summary(hidden) + note, "1"))
    # Notes come from the build, the import scan and the `report_note` fixture, which no
    # hidden test uses (tests/test_visible_output.py checks the hidden suites).
    for note in level.notes:
        lines.append(style(f"note: {note}", "33"))
    for line in coach_suggestion(level, student_view):  # a speed test lost points: the coach
        lines.append(style(f"note: {line}", "33"))
    if level.missing_files:
        lines.append(style("missing from the submission (graded as the untouched stub): "
                           + ", ".join(level.missing_files), "33"))
    if level.ignored_files:
        shown = ", ".join(level.ignored_files[:15])
        more = f" and {len(level.ignored_files) - 15} more" if len(level.ignored_files) > 15 else ""
        lines.append(style(f"ignored (not part of the assignment): {shown}{more}", "2"))
    return lines


def render_level(level: LevelResult, style: Style, verbose: bool = False,
                 student_view: bool = False, hidden_note: str = "") -> list[str]:
    """Lines for one level (see `render` for `student_view` and `hidden_note`)."""
    lines = [style(_line(f"{level.level} · {level.title}", f"source: {level.source}"), "1")]
    for part in level.parts:
        lines += render_part(level, part, style, verbose, student_view)
    return lines + level_footer(level, style, student_view, hidden_note)


def render(record: RunRecord, colour: bool = False, verbose: bool = False,
           listing: bool = False, student_view: bool = False, hidden_note: str = "") -> str:
    """The whole run as text.

    `student_view`: the report students may see (public tests in full, hidden tests as a count
    with points, a grader error without its text); `hidden_note` follows each level's count of
    hidden tests (e.g. when their details appear).
    """
    style = Style(colour)
    lines: list[str] = []
    for level in record.levels:
        lines += render_level(level, style, verbose, student_view, hidden_note) + [""]
    if record.grader_error:
        error = GRADER_ERROR_SEEN if student_view else record.grader_error
        lines.append(style(f"grader error: {error}", "35"))
    if listing:
        total = sum(t.max_points for lv in record.levels for t in lv.tests)
        lines.append(f"{sum(len(lv.tests) for lv in record.levels)} tests, {total:g} points")
        return "\n".join(lines)
    total = _points(record.points, record.max_points)
    summary = f"TOTAL {total}" + (f"   ({record.duration:.1f} s)" if record.duration else "")
    full = record.max_points > 0 and record.points >= record.max_points
    lines.append(style(summary, "1;32" if full else "1;31"))
    return "\n".join(lines)
