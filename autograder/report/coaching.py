"""The report's pointer to the level 0 performance coach (`grade.py level0 --coach`).

When a speed test of an SGEMM stage, saxpy or sgemv earns less than its points, the report
says which command explains why (the coach reads the kernel's machine code, models its hot
loop and profiles it).
Only tests the reader may see count: in the student view, hidden tests are left out.
"""

from __future__ import annotations

from autograder.report.record import LevelResult

#: Levels with a coach, and the kernels it explains (the first word of a benchmark row's
#: name; an SGEMM row's second word is its stage).
COACHED = {"level0": ("sgemm", "saxpy", "sgemv")}


def _stage(row_name: str) -> str:
    """The coach's name of the kernel a benchmark row times: `sgemm simd n=1024` -> simd,
    `saxpy n=16777216` -> saxpy."""
    words = row_name.split()
    return words[1] if words[0] == "sgemm" and len(words) > 1 else words[0]


def coach_suggestion(level: LevelResult, student_view: bool = False) -> list[str]:
    """One line naming the coach command for the kernels whose speed lost points, or none."""
    kernels = COACHED.get(level.level)
    if kernels is None:
        return []
    slow = {t.name for t in level.tests if t.points < t.max_points
            and not (student_view and t.hidden)}
    stages = [_stage(str(row["name"])) for row in level.benchmarks
              if row.get("test") in slow and str(row.get("name", "")).split()[:1]
              and str(row["name"]).split()[0] in kernels]
    stages = list(dict.fromkeys(stages))
    if not stages:
        return []
    command = f"python grade.py {level.level} --coach"
    which = f"{command} -k {stages[0]}" if len(stages) == 1 else (
        f"{command} (or -k {stages[0]} for one stage)")
    return [f"{', '.join(stages)} lost speed points: {which} shows why (the machine code of "
            "the hot loop, a profile, and for SGEMM its ceiling and a size sweep; it never "
            "changes a grade)"]
