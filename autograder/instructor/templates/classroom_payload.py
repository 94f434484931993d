"""Turn grade.py's Gradescope results.json into GitHub Classroom's grading-reporter payload,
and into the copy of it a student may download.

Usage, in .github/workflows/classroom.yml:
    python classroom_payload.py results.json [STUDENT_COPY] >> $GITHUB_OUTPUT
Prints `result=<base64 JSON>`: {"version": 1, "status", "max_score", "tests": [...]}, the format
the classroom-resources/autograding-grading-reporter action decodes. Always prints a payload,
even when results.json is missing or unreadable (then one "error" test worth 0 points).
With STUDENT_COPY, also writes there results.json as a student may see it (the run's artifact):
what Gradescope shows before publishing, so a hidden test's title, inputs and expected values
(results.json has them when the workflow runs the hidden tests) are withheld.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

WITHHELD = "a hidden test: its details are withheld"


def shown_tests(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The tests of a Gradescope results.json as a student sees them before publishing: a
    hidden test keeps its points under a neutral name ("hidden test 2"), without its output;
    a staff-only entry (visibility "hidden") is left out."""
    shown = []
    hidden = 0
    for test in results.get("tests", []):
        visibility = test.get("visibility", "visible")
        if visibility == "hidden":
            continue
        name, output = str(test.get("name", "test")), str(test.get("output", ""))
        if visibility != "visible":
            hidden += 1
            name, output = f"hidden test {hidden}", WITHHELD
        shown.append({"name": name, "score": float(test.get("score", 0.0)),
                      "max_score": float(test.get("max_score", 0.0)), "output": output,
                      "visibility": visibility})
    return shown


def student_copy(results: dict[str, Any]) -> dict[str, Any]:
    """results.json with only what `shown_tests` shows of the tests (the run's summary kept)."""
    copy = {key: value for key, value in results.items() if key in ("score", "output",
                                                                     "execution_time")}
    copy["tests"] = shown_tests(results)
    return copy


def payload(results: dict[str, Any]) -> dict[str, Any]:
    """The reporter's payload for one Gradescope results.json (the tests of `shown_tests`)."""
    tests = [
        {
            "name": test["name"],
            "status": "pass" if test["score"] >= test["max_score"] else "fail",
            "score": test["score"],
            "max_score": test["max_score"],
            "message": test["output"][:2000],
            "test_code": "",
            "filename": "",
            "line_no": 0,
            "execution_time": "",
        }
        for test in shown_tests(results)
    ]
    max_total = sum(t["max_score"] for t in tests)
    total = sum(t["score"] for t in tests)
    status = "pass" if tests and total >= max_total else "fail"
    return {"version": 1, "status": status, "max_score": max_total, "tests": tests}


def error_payload(reason: str) -> dict[str, Any]:
    """A payload for a run that produced no usable results."""
    test = {
        "name": "grading",
        "status": "error",
        "score": 0,
        "max_score": 100,
        "message": reason,
        "test_code": "",
        "filename": "",
        "line_no": 0,
        "execution_time": "",
    }
    return {"version": 1, "status": "error", "max_score": 100, "tests": [test]}


def main(argv: list[str]) -> int:
    """Print the payload line for the results file named in argv[1]; write the student copy
    to argv[2] when given (an empty results when the file cannot be read)."""
    path = Path(argv[1] if len(argv) > 1 else "results.json")
    results: dict[str, Any] = {"tests": []}
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        data = payload(results)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        data = error_payload(f"grade.py produced no readable {path.name}: {exc}")
        results = {"tests": [], "output": data["tests"][0]["message"]}
    if len(argv) > 2:
        Path(argv[2]).write_text(json.dumps(student_copy(results), indent=2), encoding="utf-8")
    encoded = base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")
    print(f"result={encoded}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
