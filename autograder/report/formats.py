"""Machine-readable reports of a `RunRecord`: json, Gradescope results.json, JUnit XML, Markdown."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from autograder.report.record import PASSING, RunRecord
from autograder.report.text import render


def to_json(record: RunRecord) -> str:
    """The whole record as JSON (the kit's own format)."""
    return json.dumps(record.to_dict(), indent=2, default=str)


def _test_output(test: Any) -> str:
    parts = [test.message] if test.message else []
    if test.outcome not in PASSING and test.outcome != "partial credit":
        parts.insert(0, f"[{test.outcome}]")
    if test.detail and not test.hidden:
        parts.append(test.detail[:4000])
    if test.output:
        parts.append("your code printed:\n" + test.output)
    return "\n".join(parts)


def to_gradescope(record: RunRecord) -> dict[str, Any]:
    """Gradescope's results.json: hidden tests are visible only after grades are published."""
    tests, leaderboard = [], []
    for level in record.levels:
        for number, test in enumerate(level.tests, 1):
            tests.append({
                "name": f"{level.level} · {test.title}",
                "number": f"{level.level}.{number}",
                "score": test.points,
                "max_score": test.max_points,
                "status": "passed" if test.points >= test.max_points else "failed",
                "output": _test_output(test),
                "tags": [level.level, test.part],
                "visibility": "after_published" if test.hidden else "visible",
            })
        for row in level.benchmarks:
            if isinstance(row.get("gflops"), (int, float)):
                leaderboard.append({"name": f"{row['name']} GFLOP/s",
                                    "value": round(float(row["gflops"]), 2), "order": "desc"})
    output = render(record, colour=False)
    if record.grader_error:
        output = f"The grader itself failed (not your fault): {record.grader_error}\n\n" + output
    result: dict[str, Any] = {
        "score": record.points, "execution_time": round(record.duration, 3),
        "output": output, "output_format": "text", "test_output_format": "text",
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
        failures = [t for t in level.tests if t.outcome not in PASSING | {"partial credit"}]
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
    """A Markdown summary table (for GitHub's job summary)."""
    lines = ["## teenygrad-kit grades", "", "| level | part | points |", "|---|---|---:|"]
    for level in record.levels:
        for part in level.parts:
            score = f"{part.points:g}/{part.max_points:g}"
            lines.append(f"| {level.level} | {part.title} | {score} |")
        total = f"{level.points:g}/{level.max_points:g}"
        lines.append(f"| **{level.level}** | **total** | **{total}** |")
    lines += ["", f"**Total: {record.points:g}/{record.max_points:g}**"]
    failing = [(lv.level, t) for lv in record.levels for t in lv.tests
               if t.outcome not in PASSING and not t.hidden]
    if failing:
        lines += ["", "<details><summary>failing tests</summary>", ""]
        lines += [f"- `{lv}` {t.title}: {t.message or t.outcome}" for lv, t in failing[:50]]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


FORMATS = {
    "text": lambda record: render(record, colour=False),
    "json": to_json,
    "gradescope": lambda record: json.dumps(to_gradescope(record), indent=2),
    "junit": to_junit,
}
