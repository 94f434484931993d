"""Machine-readable reports of a `RunRecord`: json, Gradescope results.json, JUnit XML, Markdown,
the notebook's feedback, and a self-contained HTML page (`report/html.py`).

What students see before grades are published (Gradescope's top-level output, visible test
entries and leaderboard; the GitHub step summary; nbgrader feedback) is `render(record,
student_view=True)` or its parts: hidden tests there are a count with points. Their titles,
messages, printed output and benchmark rows are only in their own Gradescope entries, visible
after publishing. `json` and `junit` are the full record, for instructors and tools.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from autograder.report.html import to_html
from autograder.report.record import EARNING, LevelResult, RunRecord, TestResult
from autograder.report.text import (
    GRADER_ERROR_SEEN,
    Style,
    benchmark_table,
    benchmarks_of,
    level_footer,
    render,
    render_part,
    visible_benchmarks,
)

#: After the count of hidden tests, per channel: when students see their details.
AFTER_PUBLISHING = "their details appear when grades are published"
NOT_SHOWN = "their details are not shown here"


def to_json(record: RunRecord) -> str:
    """The whole record as JSON (the kit's own format)."""
    return json.dumps(record.to_dict(), indent=2, default=str)


def _test_output(test: TestResult, benchmarks: list[dict]) -> str:
    parts = [test.message] if test.message else []
    if test.outcome not in EARNING:
        parts.insert(0, f"[{test.outcome}]")
    if test.example:
        parts.append("smallest failing input:\n" + test.example)
    if test.repro and not test.hidden:
        parts.append("reproduce it (in your level's folder under assignments/):\n" + test.repro)
    if test.detail and not test.hidden:
        parts.append(test.detail[:4000])
    if test.output:
        parts.append("your code printed:\n" + test.output)
    if benchmarks:
        parts.append("\n".join(["benchmarks:", *benchmark_table(benchmarks)]))
    return "\n".join(parts)


def _gradescope_tests(level: LevelResult) -> list[dict[str, Any]]:
    """One entry per test: public tests first, numbered 1..P, then the hidden ones (so the
    visible numbers do not show where hidden tests sit)."""
    ordered = [t for t in level.tests if not t.hidden] + [t for t in level.tests if t.hidden]
    return [{
        "name": f"{level.level} · {test.title}",
        "number": f"{level.level}.{number}",
        "score": test.points,
        "max_score": test.max_points,
        "status": "passed" if test.points >= test.max_points else "failed",
        "output": _test_output(test, benchmarks_of(level, test)),
        "tags": [level.level, test.part],
        "visibility": "after_published" if test.hidden else "visible",
    } for number, test in enumerate(ordered, 1)]


def to_gradescope(record: RunRecord) -> dict[str, Any]:
    """Gradescope's results.json. The top-level output and the leaderboard are the student
    view (hidden tests as a count with points); each hidden test's entry is visible only after
    grades are published; a grader error's text is in an entry students never see."""
    tests, leaderboard = [], []
    for level in record.levels:
        tests += _gradescope_tests(level)
        for row in visible_benchmarks(level):
            if isinstance(row.get("gflops"), (int, float)):
                leaderboard.append({"name": f"{row['name']} GFLOP/s",
                                    "value": round(float(row["gflops"]), 2), "order": "desc"})
    # Gradescope shows the top-level output as HTML (its `output_format`): the student view
    # with level 0's roofline plot inline; each test's own output stays plain text.
    output = to_html(record, student_view=True, hidden_note=AFTER_PUBLISHING, document=False)
    if record.grader_error:
        output = f"<p>{GRADER_ERROR_SEEN[:1].upper()}{GRADER_ERROR_SEEN[1:]}.</p>\n{output}"
        tests.append({"name": "grader error (course staff only)", "score": 0.0,
                      "max_score": 0.0, "status": "failed", "output": record.grader_error,
                      "visibility": "hidden"})
    result: dict[str, Any] = {
        "score": record.points, "execution_time": round(record.duration, 3),
        "output": output, "output_format": "html", "test_output_format": "text",
        "visibility": "visible", "stdout_visibility": "hidden", "tests": tests,
    }
    if leaderboard:
        result["leaderboard"] = leaderboard
    return result


def to_junit(record: RunRecord) -> str:
    """JUnit XML: one testsuite per level, one testcase per test."""
    suites = ET.Element("testsuites", name="teenygrad-kit", tests=str(
        sum(len(lv.tests) for lv in record.levels)), time=f"{record.duration:.3f}")
    for level in record.levels:
        failures = [t for t in level.tests if t.outcome not in EARNING]
        suite = ET.SubElement(suites, "testsuite", name=level.level, tests=str(len(level.tests)),
                              failures=str(len(failures)), time=f"{level.duration:.3f}")
        for test in level.tests:
            case = ET.SubElement(suite, "testcase", name=test.name, time=f"{test.duration:.3f}",
                                 classname=f"{level.level}.{test.part}")
            ET.SubElement(case, "properties").extend([
                ET.Element("property", name="points", value=f"{test.points:g}"),
                ET.Element("property", name="max_points", value=f"{test.max_points:g}")])
            if test in failures:
                failure = ET.SubElement(case, "failure", message=test.message[:500],
                                        type=test.outcome)
                failure.text = test.detail
            if test.output:
                ET.SubElement(case, "system-out").text = test.output
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def to_markdown(record: RunRecord) -> str:
    """GitHub's job summary: the points table, then the student view of the report."""
    lines = ["## teenygrad-kit grades", "", "| level | part | points |", "|---|---|---:|"]
    for level in record.levels:
        for part in level.parts:
            score = f"{part.points:g}/{part.max_points:g}"
            lines.append(f"| {level.level} | {part.title} | {score} |")
        total = f"{level.points:g}/{level.max_points:g}"
        if level.public_only:  # a total of the public tests only must not read as the grade
            total = f"public {total}; hidden tests are graded after the deadline"
        lines.append(f"| **{level.level}** | **total** | **{total}** |")
    total = f"{record.points:g}/{record.max_points:g}"
    if record.levels and all(level.public_only for level in record.levels):
        total = f"public {total}; hidden tests are graded after the deadline"
    lines += ["", f"**Total: {total}**"]
    report = render(record, colour=False, student_view=True, hidden_note=NOT_SHOWN)
    longest = max((len(run) for run in re.findall(r"`+", report)), default=0)
    fence = "`" * max(3, longest + 1)
    lines += ["", "<details><summary>report</summary>", "", f"{fence}text", report, fence, "",
              "</details>"]
    return "\n".join(lines) + "\n"


def to_notebook(record: RunRecord) -> str:
    """What the handout notebooks' engine cells print and score (nbgrader turns it into the
    students' feedback): per part its points, hidden tests included, and its student-view
    lines; per level the student-view lines under its parts (printed with the last part)."""
    style = Style(False)
    levels = []
    for level in record.levels:
        parts = {part.id: {"points": part.points, "max_points": part.max_points,
                           "feedback": "\n".join(render_part(level, part, style,
                                                             student_view=True))}
                 for part in level.parts}
        footer = level_footer(level, style, student_view=True, hidden_note=NOT_SHOWN)
        levels.append({"level": level.level, "parts": parts,
                       "last_part": level.parts[-1].id if level.parts else "",
                       "footer": "\n".join(footer).strip("\n")})
    return json.dumps({
        "levels": levels, "points": record.points, "max_points": record.max_points,
        "grader_error": GRADER_ERROR_SEEN if record.has_grader_fault() else "",
    }, indent=2)


FORMATS = {
    "text": lambda record: render(record, colour=False),
    "json": to_json,
    "gradescope": lambda record: json.dumps(to_gradescope(record), indent=2),
    "junit": to_junit,
    "notebook": to_notebook,
    "html": to_html,
}
