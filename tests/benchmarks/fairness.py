"""Fairness of level 0's speed grades: grade the same work several times, report the spread.

Usage: python tests/benchmarks/fairness.py [--runs 5] [--only NAME ...] [--json FILE]

Grades the reference solutions and each submission in tests/fixtures/level0-perf/ `--runs`
times, then prints, per submission, min/median/max of the total and of every benchmark's
figure, and the coefficient of variation of each roofline figure across runs. The issue's goal:
a total score spread of at most 2 points of 100. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parents[2]
PERF_FIXTURES = KIT / "tests" / "fixtures" / "level0-perf"


def grade(source_args: list[str], keyword: str) -> dict:
    """One `grade.py level0` run's JSON record."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        select = ["-k", keyword] if keyword else []
        subprocess.run([sys.executable, str(KIT / "grade.py"), "level0", *source_args, *select,
                        "--quiet",
                        "--format", "json", "--output", str(out)], capture_output=True,
                       check=False, cwd=KIT)
        return json.loads(out.read_text())


def submission(fixture: Path, dest: Path) -> Path:
    """The reference files with the fixture's files laid over them."""
    shutil.copytree(KIT / "solutions" / "level0", dest)
    for path in fixture.rglob("*"):
        if path.is_file():
            target = dest / path.relative_to(fixture)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest


def part_points(runs: list[dict]) -> dict[str, tuple[list[float], float]]:
    """Each part's points, one figure per run, and the most it can earn (issue 21's table: a
    "stage s = stage s - 1" fixture must earn at most 20% of stage s's speed points)."""
    parts: dict[str, tuple[list[float], float]] = {}
    for test in runs[0]["levels"][0]["tests"]:
        points, maximum = parts.get(test["part"], ([0.0] * len(runs), 0.0))
        parts[test["part"]] = (points, maximum + test["max_points"])
    for index, record in enumerate(runs):
        for test in record["levels"][0]["tests"]:
            parts[test["part"]][0][index] += test["points"]
    return parts


def spread(values: list[float]) -> str:
    """min / median / max."""
    return f"{min(values):8.2f} {statistics.median(values):8.2f} {max(values):8.2f}"


def main() -> int:
    """Run the measurement and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write every record here")
    parser.add_argument("-k", dest="keyword", default="speed or bandwidth",
                        help="tests to run (default: the speed tests, whose scores can vary)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="grade only this source (reference or a fixture's name); repeat")
    args = parser.parse_args()
    records: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"reference": ["--solutions"]}
        for fixture in sorted(p for p in PERF_FIXTURES.iterdir() if p.is_dir()):
            built = submission(fixture, Path(tmp) / fixture.name)
            sources[fixture.name] = ["--submission", str(built)]
        chosen = {name: a for name, a in sources.items() if not args.only or name in args.only}
        for name, source_args in chosen.items():
            for run in range(args.runs):
                print(f"grading {name}, run {run + 1}/{args.runs} ...", file=sys.stderr)
                records.setdefault(name, []).append(grade(source_args, args.keyword))
    for name, runs in records.items():
        totals = [r["points"] for r in runs]
        print(f"\n{name}: total min/median/max {spread(totals)}   spread "
              f"{max(totals) - min(totals):.2f} points")
        rows: dict[str, list[float]] = {}
        for record in runs:
            for row in record["levels"][0]["benchmarks"]:
                for key in ("gflops", "GB/s", "speedup", "kept"):
                    if key in row:
                        rows.setdefault(f"{row['name']} [{key}]", []).append(row[key])
                if row["name"] == "roofline":
                    for key, value in row.items():
                        if key.endswith("thread") or key.endswith("threads"):
                            rows.setdefault(f"roofline {key}", []).append(value)
        for label, values in rows.items():
            cv = statistics.pstdev(values) / statistics.mean(values) if len(values) > 1 else 0
            print(f"  {label:48s} {spread(values)}   cv {100 * cv:5.1f}%")
        print("  speed points per part, run by run:")
        for part, (points, maximum) in part_points(runs).items():
            print(f"    {part:12s} {' '.join(f'{p:5.1f}' for p in points)}  of {maximum:g}")
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
