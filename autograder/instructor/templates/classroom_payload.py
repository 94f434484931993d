"""Turn grade.py's Gradescope results.json into GitHub Classroom's grading-reporter payload.

Usage, in .github/workflows/classroom.yml:
    python classroom_payload.py results.json >> $GITHUB_OUTPUT
Prints `result=<base64 JSON>`: {"version": 1, "status", "max_score", "tests": [...]}, the format
the classroom-resources/autograding-grading-reporter action decodes. Always prints a payload,
even when results.json is missing or unreadable (then one "error" test worth 0 points).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any


def payload(results: dict[str, Any]) -> dict[str, Any]:
    """The reporter's payload for one Gradescope results.json.

    Only what Gradescope shows before publishing is shown: a hidden test keeps its points
    under a neutral name, without its message; a staff-only entry is left out.
    """
    tests = []
    hidden = 0
    for test in results.get("tests", []):
        visibility = test.get("visibility", "visible")
        if visibility == "hidden":
            continue
        score = float(test.get("score", 0.0))
        max_score = float(test.get("max_score", 0.0))
        name, message = str(test.get("name", "test")), str(test.get("output", ""))
        if visibility != "visible":
            hidden += 1
            name, message = f"hidden test {hidden}", "a hidden test: its details are withheld"
        tests.append(
            {
                "name": name,
                "status": "pass" if score >= max_score else "fail",
                "score": score,
                "max_score": max_score,
                "message": message[:2000],
                "test_code": "",
                "filename": "",
                "line_no": 0,
                "execution_time": "",
            }
        )
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
    """Print the payload line for the results file named in argv[1]."""
    path = Path(argv[1] if len(argv) > 1 else "results.json")
    try:
        data = payload(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        data = error_payload(f"grade.py produced no readable {path.name}: {exc}")
    encoded = base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")
    print(f"result={encoded}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
