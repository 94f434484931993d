"""The report's pointer to the level 0 performance coach (`grade.py level0 --coach`).

When a speed test of an SGEMM stage earns less than its points, the report says which command
explains why (the coach reads the stage's machine code, models its hot loop and profiles it).
Only tests the reader may see count: in the student view, hidden tests are left out.
"""

from __future__ import annotations

from autograder.report.record import LevelResult

#: Levels with a coach, and the prefix of the benchmark rows of the stages it explains.
COACHED = {"level0": "sgemm "}


def coach_suggestion(level: LevelResult, student_view: bool = False) -> list[str]:
    """One line naming the coach command for the stages whose speed lost points, or none."""
    prefix = COACHED.get(level.level)
    if prefix is None:
        return []
    timed = {row.get("test") for row in level.benchmarks
             if str(row.get("name", "")).startswith(prefix)}
    stages = [test.part for test in level.tests
              if test.name in timed and test.points < test.max_points
              and not (student_view and test.hidden)]
    stages = list(dict.fromkeys(stages))
    if not stages:
        return []
    command = f"python grade.py {level.level} --coach"
    which = f"{command} -k {stages[0]}" if len(stages) == 1 else (
        f"{command} (or -k {stages[0]} for one stage)")
    return [f"{', '.join(stages)} lost speed points: {which} shows why (the machine code of "
            "its hot loop, its ceiling, a size sweep and a profile; it never changes a grade)"]
