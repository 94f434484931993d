"""The terminal report: tests grouped by part, a mark and points per test, reasons a student
can act on, and the next step.

`render(record)` is the full report (the terminal, instructors). `render(record,
student_view=True)` is the one report every student-facing channel shows (Gradescope's visible
output, the GitHub step summary, nbgrader feedback): public tests in full, hidden tests only
as a count with points, per part and per level. Nothing a hidden test produced (title, message,
detail, printed output, benchmark rows) is in it, and neither is a grader error's text, which
may quote a hidden test (a hidden suite that does not collect).

Long titles and reasons wrap to the terminal's width (never cut); points are rounded to a
tenth; tests stopped by the same cause (one stub, one file that did not compile) are one line;
a failing property-based test shows its smallest input (and, with -v, the call to paste).
Every test that lost points shows its id and every part that lost points its `-k PART`:
what `python grade.py LEVEL -k ID` takes to grade exactly that test or part.
"""

from __future__ import annotations

import shlex
import shutil
import textwrap

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
#: The report's width when the terminal's is unknown (and its widest).
WIDTH, MAX_WIDTH, MIN_WIDTH = 80, 120, 40
#: Reasons longer than this are cut without -v (their whole text is in the detail).
REASON_CHARS = 600
#: Lines of a shrunk example shown without -v.
EXAMPLE_LINES = 6
#: What the student view says in place of a grader error's text.
GRADER_ERROR_SEEN = ("the grader itself failed (not your fault); the course staff can see "
                     "the details")


class Style:
    """ANSI colour when writing to a terminal, plain text otherwise."""

    def __init__(self, colour: bool, width: int | None = None) -> None:
        self.colour = colour
        self.width = width or terminal_width()

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text


def terminal_width() -> int:
    """The terminal's width (`COLUMNS` when set, 80 when unknown), kept within 40..120."""
    columns = shutil.get_terminal_size((WIDTH, 24)).columns
    return min(max(columns, MIN_WIDTH), MAX_WIDTH)


def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def _points(points: float, max_points: float) -> str:
    """`6.1/7`: points to a tenth (two decimals when a tenth would round a loss away)."""
    got = _number(points)
    if points < max_points and round(points, 1) >= round(max_points, 1):
        got = f"{points:.2f}"
    return f"{got}/{_number(max_points)}"


def _wrap(text: str, width: int) -> list[str]:
    """`text` wrapped to `width` columns, its own line breaks kept."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, max(width, 10), break_on_hyphens=False,
                               replace_whitespace=False, drop_whitespace=True) or [""]
    return lines


def _row(left: str, right: str, width: int, indent: int = 0, hang: int = 2) -> list[str]:
    """`left` wrapped to `width` with `right` at the end of its first line; later lines
    are indented by `indent + hang`."""
    if len(right) > (width - indent) // 2:  # a long right side (a submission's path): its end
        right = "…" + right[-((width - indent) // 2 - 1):]
    room = width - indent - len(right) - 1
    first, *rest = _wrap(left, room)
    lines = [f"{first:<{room}} {right}" if right else first]
    if rest:
        lines += [" " * hang + line for line in _wrap(" ".join(rest), width - indent - hang)]
    return lines


def _line(left: str, right: str, width: int = WIDTH) -> str:
    """`left` and `right` on one line of `width` (what a heading of one line needs)."""
    return "\n".join(_row(left, right, width))


def _reason(test: TestResult, verbose: bool) -> str:
    reason = test.message or test.outcome
    if test.outcome not in (Outcome.FAILED, Outcome.PARTIAL) and not reason.startswith(
            test.outcome):
        reason = f"{test.outcome}: {reason}"
    if not verbose and len(reason) > REASON_CHARS:
        reason = reason[: REASON_CHARS - 4] + " ..."
    return reason


def _indented(lines: list[str], prefix: str, width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += [prefix + row for row in _wrap(line, width - len(prefix))]
    return out


def _example_lines(test: TestResult, style: Style, verbose: bool) -> list[str]:
    """A failing property-based test's smallest input (and, with -v, the call to paste)."""
    width = style.width
    lines = [style("      smallest failing input:", "2")]
    shown = _indented(test.example.splitlines(), "        ", width)
    if not verbose and len(shown) > EXAMPLE_LINES:
        shown = shown[:EXAMPLE_LINES] + ["        ... (-v shows all of it)"]
    lines += shown
    if verbose and test.repro:
        lines.append(style("      reproduce it (in your level's folder under assignments/):", "2"))
        lines += [f"        {row}" for row in test.repro.splitlines()]
    return lines


def _test_lines(test: TestResult, style: Style, verbose: bool) -> list[str]:
    mark, code = MARKS.get(test.outcome, ("?", "0"))
    label = test.title if test.title else test.name
    # The id -k takes: in the listing, with -v, and on every test that lost points.
    shows_id = verbose or test.outcome not in (Outcome.PASSED, Outcome.SKIPPED)
    if shows_id and test.title and test.title != test.name:
        label = f"{test.name} · {test.title}"
    if test.hidden:
        label += " (hidden)"
    right = _points(test.points, test.max_points) if test.outcome != Outcome.LISTED \
        else f"{test.max_points:g} pts"
    first, *rest = _row(label, right, style.width, indent=4, hang=4)
    lines = [f"  {style(mark, code)} {first}", *rest]
    if test.outcome not in (Outcome.PASSED, Outcome.LISTED):
        tone = "2" if test.outcome == Outcome.PARTIAL else code
        lines += [style(row, tone) for row in
                  _indented([_reason(test, verbose)], "      ", style.width)]
        if test.example:
            lines += _example_lines(test, style, verbose)
        if verbose and test.detail:
            rows = test.detail.splitlines()
            if rows and rows[0] == test.message:  # the reason, already shown above
                rows = rows[1:]
            lines += [f"      | {row}" for row in rows[:60]]
        if verbose and test.output:
            lines.append("      your code printed:")
            lines += [f"      > {row}" for row in test.output.splitlines()[:30]]
    return lines


def _cause_lines(tests: list[TestResult], style: Style, first: bool) -> list[str]:
    """One line for tests stopped by the same cause: "9 tests wait on `infer_shape`
    (teenygrad/nested.py:48): start there"."""
    mark, code = MARKS.get(tests[0].outcome, ("?", "0"))
    cause = tests[0].cause
    count = f"{len(tests)} tests" if len(tests) > 1 else "1 test"
    if tests[0].outcome == Outcome.NOT_IMPLEMENTED:
        text = f"{count} {'wait' if len(tests) > 1 else 'waits'} on {cause}"
    elif tests[0].outcome == Outcome.FAILED:
        text = f"{count} {'fail' if len(tests) > 1 else 'fails'}, likely because {cause}"
    else:
        text = f"{count}: {tests[0].outcome}: {cause}"
    if first:
        text += ": start there"
    right = _points(sum(t.points for t in tests), sum(t.max_points for t in tests))
    head, *rest = _row(text, right, style.width, indent=4, hang=4)
    lines = [f"  {style(mark, code)} {head}", *rest]
    if tests[0].outcome != Outcome.NOT_IMPLEMENTED:
        lines += [style(row, code) for row in
                  _indented([_reason(tests[0], False)], "      ", style.width)]
    return lines


def _groups(tests: list[TestResult]) -> list[list[TestResult]]:
    """Tests in order, those stopped by the same cause together (at the first one's place)."""
    groups: list[list[TestResult]] = []
    by_cause: dict[tuple[str, str], list[TestResult]] = {}
    for test in tests:
        key = (test.outcome, test.cause)
        if test.cause and test.outcome not in (Outcome.PASSED, Outcome.PARTIAL,
                                                Outcome.LISTED):
            if key in by_cause:
                by_cause[key].append(test)
                continue
            by_cause[key] = [test]
            groups.append(by_cause[key])
        else:
            groups.append([test])
    return groups


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
    return f"  {style(mark, code)} " + _line(_hidden_count(tests), points, style.width - 4)


def render_part(level: LevelResult, part: PartResult, style: Style, verbose: bool = False,
                student_view: bool = False, first_cause: list[bool] | None = None) -> list[str]:
    """Lines for one part: its points, then its tests (hidden ones as one count in the
    student view; tests stopped by one cause as one line, the level's first such line says
    "start there" while `first_cause` holds [True])."""
    first_cause = [True] if first_cause is None else first_cause
    title = part.title
    if part.points < part.max_points and not all(t.outcome == Outcome.LISTED
                                                 for t in level.tests if t.part == part.id):
        title += f" (-k {part.id})"  # what grades only this part, for its lines below
    lines = [style(row, "1") for row in
             _row(title, _points(part.points, part.max_points), style.width)]
    tests = [t for t in level.tests if t.part == part.id]
    for group in _groups([t for t in tests if not (student_view and t.hidden)]):
        # A stub says all there is to say about its tests: which function to write.
        if not verbose and (len(group) > 1 or group[0].outcome == Outcome.NOT_IMPLEMENTED
                            and group[0].cause):
            lines += _cause_lines(group, style, first_cause[0])
            first_cause[0] = False
        else:
            for test in group:
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
        lines += [style(row, "1") for row in _wrap(hidden_summary(hidden) + note, style.width)]
    # Notes come from the build, the import scan and the `report_note` fixture, which no
    # hidden test uses (tests/test_visible_output.py checks the hidden suites).
    for note in level.notes:
        lines += [style(row, "33") for row in _row(f"note: {note}", "", style.width, hang=6)]
    for line in coach_suggestion(level, student_view):  # a speed test lost points: the coach
        lines += [style(row, "33") for row in _row(f"note: {line}", "", style.width, hang=6)]
    if level.missing_files:
        lines.append(style("missing from the submission (graded as the untouched stub): "
                           + ", ".join(level.missing_files), "33"))
    if level.ignored_files:
        shown = ", ".join(level.ignored_files[:15])
        more = f" and {len(level.ignored_files) - 15} more" if len(level.ignored_files) > 15 else ""
        lines.append(style(f"ignored (not part of the assignment): {shown}{more}", "2"))
    return lines


def next_step(level: LevelResult, style: Style, student_view: bool = False) -> list[str]:
    """What to do next: the first part (in the level's order) with points to gain and the
    command that grades only it, with full failure detail (in the student view, the command
    a student runs in their own checkout). [] at full marks."""
    part = next((p for p in level.parts if p.points < p.max_points), None)
    if part is None:
        return []
    source = "" if student_view else {"assignments": "", "solutions": " --solutions"}.get(
        level.source, f" --submission {shlex.quote(level.source)}")  # a path with spaces
    command = f"python grade.py {level.level}{source} -k {part.id} -v"
    text = f"next: {part.title} ({_points(part.points, part.max_points)}), the first part to fix:"
    return [style(row, "1") for row in _wrap(text, style.width)] + [f"  {command}"]


def render_level(level: LevelResult, style: Style, verbose: bool = False,
                 student_view: bool = False, hidden_note: str = "") -> list[str]:
    """Lines for one level (see `render` for `student_view` and `hidden_note`)."""
    lines = [style(row, "1") for row in
             _row(f"{level.level} · {level.title}", f"source: {level.source}", style.width)]
    first_cause = [True]
    for part in level.parts:
        lines += render_part(level, part, style, verbose, student_view, first_cause)
    return lines + level_footer(level, style, student_view, hidden_note)


def render(record: RunRecord, colour: bool = False, verbose: bool = False,
           listing: bool = False, student_view: bool = False, hidden_note: str = "",
           width: int | None = None) -> str:
    """The whole run as text, `width` columns wide (default: the terminal's).

    `student_view`: the report students may see (public tests in full, hidden tests as a count
    with points, a grader error without its text); `hidden_note` follows each level's count of
    hidden tests (e.g. when their details appear).
    """
    style = Style(colour, width)
    lines: list[str] = []
    for level in record.levels:
        lines += render_level(level, style, verbose, student_view, hidden_note) + [""]
    steps = [] if listing else [row for level in record.levels
                                for row in next_step(level, style, student_view)]
    lines += steps + ([""] if steps else [])
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
