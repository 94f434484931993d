"""The terminal report: tests grouped by part, a mark and points per test, one-line reasons."""

from __future__ import annotations

from autograder.report.record import LevelResult, RunRecord, TestResult

MARKS = {
    "passed": ("✓", "32"), "partial credit": ("◐", "33"), "failed": ("✗", "31"),
    "not implemented": ("○", "33"), "timed out": ("⏱", "31"), "crashed": ("✗", "31"),
    "banned import": ("⊘", "31"), "did not compile": ("✗", "31"), "grader error": ("!", "35"),
    "skipped": ("-", "2"), "listed": ("·", "2"),
}
WIDTH = 78


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
    right = _points(test.points, test.max_points) if test.outcome != "listed" \
        else f"{test.max_points:g} pts"
    lines = [f"  {style(mark, code)} " + _line(label, right, WIDTH - 4)]
    if test.outcome not in ("passed", "listed"):
        reason = test.message or test.outcome
        if test.outcome not in ("failed", "partial credit") and not reason.startswith(
                test.outcome):
            reason = f"{test.outcome}: {reason}"
        tone = "2" if test.outcome == "partial credit" else code
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


def render_level(level: LevelResult, style: Style, verbose: bool = False) -> list[str]:
    """Lines for one level."""
    lines = [style(_line(f"{level.level} · {level.title}", f"source: {level.source}"), "1")]
    for part in level.parts:
        lines.append(style(_line(part.title, _points(part.points, part.max_points)), "1"))
        for test in level.tests:
            if test.part == part.id:
                lines += _test_lines(test, style, verbose)
    if level.benchmarks:
        lines += ["", style("benchmarks", "1"), *benchmark_table(level.benchmarks)]
    for note in level.notes:
        lines.append(style(f"note: {note}", "33"))
    if level.missing_files:
        lines.append(style("missing from the submission (graded as the untouched stub): "
                           + ", ".join(level.missing_files), "33"))
    if level.ignored_files:
        shown = ", ".join(level.ignored_files[:15])
        more = f" and {len(level.ignored_files) - 15} more" if len(level.ignored_files) > 15 else ""
        lines.append(style(f"ignored (not part of the assignment): {shown}{more}", "2"))
    return lines


def render(record: RunRecord, colour: bool = False, verbose: bool = False,
           listing: bool = False) -> str:
    """The whole run as text."""
    style = Style(colour)
    lines: list[str] = []
    for level in record.levels:
        lines += render_level(level, style, verbose) + [""]
    if record.grader_error:
        lines.append(style(f"grader error: {record.grader_error}", "35"))
    if listing:
        total = sum(t.max_points for lv in record.levels for t in lv.tests)
        lines.append(f"{sum(len(lv.tests) for lv in record.levels)} tests, {total:g} points")
        return "\n".join(lines)
    total = _points(record.points, record.max_points)
    summary = f"TOTAL {total}" + (f"   ({record.duration:.1f} s)" if record.duration else "")
    full = record.max_points > 0 and record.points >= record.max_points
    lines.append(style(summary, "1;32" if full else "1;31"))
    return "\n".join(lines)
