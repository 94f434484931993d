"""`nbgrader export` for the kit's courses: two named totals, never their sum.

A level is two nbgrader assignments (`grade.py notebooks --course`): `<level>`, whose notebook
holds the engine cells (one per part: together the 100 points `grade.py LEVEL --submission DIR`
gives), and `<level>-written`, the written questions (their own points, outside the 100:
checked answers, and answers graded by hand in the formgrader), so nbgrader's own totals say
100 and, apart, the questions' points. The course's `nbgrader_config.py` makes this plugin the
exporter: `grades.csv` has one row per level and student with the automatic total (the engine
cells, the same as every other channel) and the written total side by side, named, and no sum
of the two. (A course made before the split, with the questions in the level's notebook, gets
the same two totals from the cells' names.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import ExportPlugin

# The assignment `<level>` + WRITTEN_SUFFIX holds a level's written questions: its points are
# the level's written total, in the level's row.
from autograder.instructor.notebooks import WRITTEN_SUFFIX

#: The name of each total, in grades.csv and in the notebooks' text.
AUTOMATIC_TOTAL = "automatic"  # the engine cells: grade.py's points, out of 100
WRITTEN_TOTAL = "written"  # the written questions (checked, or graded by hand): outside the 100
#: Engine cells' grade ids start so (`autograder.instructor.handouts`: engine_<part>).
ENGINE_PREFIX = "engine_"

COLUMNS = ["assignment", "student_id", "last_name", "first_name", "email", "timestamp",
           f"{AUTOMATIC_TOTAL}_score", f"{AUTOMATIC_TOTAL}_max_score",
           f"{WRITTEN_TOTAL}_score", f"{WRITTEN_TOTAL}_max_score", "late_submission_penalty"]


def totals(grades: Iterable[tuple[str, float | None, float]]) -> dict[str, list[float]]:
    """(grade id, score, max score) of every grade cell -> {total name: [score, max score]};
    a cell not graded yet (a written answer awaiting its grader) counts 0 of its max."""
    out = {AUTOMATIC_TOTAL: [0.0, 0.0], WRITTEN_TOTAL: [0.0, 0.0]}
    for name, score, max_score in grades:
        total = out[AUTOMATIC_TOTAL if name.startswith(ENGINE_PREFIX) else WRITTEN_TOTAL]
        total[0] += score or 0.0
        total[1] += max_score
    return out


def _max_totals(assignment) -> dict[str, list[float]]:
    """The totals' maximums of an assignment (every grade cell of its notebooks)."""
    cells = [(cell.name, 0.0, cell.max_score) for notebook in assignment.notebooks
             for cell in notebook.grade_cells]
    return totals(cells)


class TotalsExportPlugin(ExportPlugin):
    """grades.csv with the automatic and the written total of each submission, named."""

    def export(self, gradebook: Gradebook) -> None:
        """Write one row per assignment and student (0 for a missing submission)."""
        dest = self.to or "grades.csv"
        wanted_students = {str(s) for s in self.student}
        wanted_assignments = {str(a) for a in self.assignment}
        self.log.info("Exporting %s and %s totals to %s", AUTOMATIC_TOTAL, WRITTEN_TOTAL, dest)
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            names = {a.name: a for a in gradebook.assignments}
            for assignment in gradebook.assignments:
                if wanted_assignments and assignment.name not in wanted_assignments:
                    continue
                if assignment.name.removesuffix(WRITTEN_SUFFIX) in names.keys() - {
                        assignment.name}:
                    continue  # a level's written questions: in the level's row
                questions = names.get(assignment.name + WRITTEN_SUFFIX)
                for student in gradebook.students:
                    if wanted_students and student.id not in wanted_students:
                        continue
                    writer.writerow(self._row(gradebook, assignment, questions, student))

    def _row(self, gradebook: Gradebook, assignment, questions, student) -> list[str]:
        """One level's row: its automatic total, and its written total (of the questions'
        own assignment `questions`, when the course has one)."""
        row = [assignment.name, student.id, student.last_name or "", student.first_name or "",
               student.email or ""]
        sums, timestamp, penalty = _sums(gradebook, assignment, student)
        if questions is not None:
            apart = _sums(gradebook, questions, student)[0][WRITTEN_TOTAL]
            sums[WRITTEN_TOTAL] = [a + b for a, b in zip(sums[WRITTEN_TOTAL], apart,
                                                         strict=True)]
        auto, written = sums[AUTOMATIC_TOTAL], sums[WRITTEN_TOTAL]
        return [*row, timestamp, f"{auto[0]:g}", f"{auto[1]:g}", f"{written[0]:g}",
                f"{written[1]:g}", f"{penalty:g}"]


def _sums(gradebook: Gradebook, assignment, student) -> tuple[dict[str, list[float]], str, float]:
    """A student's totals in `assignment` (0 of each maximum when not submitted), the
    submission's time and its late penalty."""
    try:
        submission = gradebook.find_submission(assignment.name, student.id)
    except MissingEntry:
        sums = _max_totals(assignment)
        for total in sums.values():
            total[0] = 0.0
        return sums, "", 0.0
    grades = [(g.name, g.score, g.max_score) for nb in submission.notebooks for g in nb.grades]
    return (totals(grades), str(submission.timestamp or ""),
            submission.late_submission_penalty or 0.0)
