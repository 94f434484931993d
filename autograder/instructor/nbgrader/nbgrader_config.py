"""nbgrader configuration of the teenygrad course (nbgrader 0.9.6; see docs/instructor.md).

`python grade.py notebooks --course DIR` copies this file into DIR and lays out the course:

    DIR/nbgrader_config.py
    DIR/source/<level>/<level>.ipynb        the handout and the engine cells (100 points)
    DIR/source/<level>/<key>                the *generated stubs* of the level's files
    DIR/source/<level>-written/<level>-written.ipynb
                                            the written questions (solution and test cells,
                                            their own points, outside the 100)

Then, from DIR, for `<level>` and `<level>-written` each: `nbgrader generate_assignment`,
release, `nbgrader collect` (or `zip_collect`), `nbgrader autograde`, `nbgrader
generate_feedback`; then `nbgrader export`.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - defined by traitlets when nbgrader loads this file

COURSE = Path(__file__).resolve().parent
c.CourseDirectory.root = str(COURSE)
c.CourseDirectory.course_id = os.environ.get("TEENYGRAD_COURSE_ID", "teenygrad")

# The kit whose grade.py the notebooks' engine cells run (written by `grade.py notebooks`).
KIT_ROOT = Path("@KIT_ROOT@")
if (KIT_ROOT / "grade.py").is_file():
    os.environ.setdefault("TEENYGRAD_GRADE_PY", str(KIT_ROOT / "grade.py"))


def _student_files(assignment: Path) -> list[str]:
    """Every non-notebook file of an assignment: what students edit and submit."""
    skip = {".ipynb_checkpoints", "__pycache__"}
    return sorted(
        path.relative_to(assignment).as_posix()
        for path in assignment.rglob("*")
        if path.is_file() and path.suffix != ".ipynb" and skip.isdisjoint(path.parts)
    )


# Trap: `autograde` replaces every non-notebook file of a submission with the version in
# source/ (the stub!) unless the file is listed here. source/ holds only students' files, so
# all of them are listed.
_source = COURSE / "source"
c.Autograde.exclude_overwriting = {
    folder.name: _student_files(folder)
    for folder in (sorted(_source.iterdir()) if _source.is_dir() else [])
    if folder.is_dir()
}

# Trap: `autograde` copies each submission from submitted/ to autograded/ with shutil.copy,
# which follows symbolic links (a link to the kit's solutions would be graded as the student's
# work) and reads named pipes and devices. The kit's copy replaces it: plain files only, the
# rest left out (graded as the stub) with the reason in nbgrader's log; a notebook that is a
# link fails that student's autograde. (Later, `set_permissions` would chmod a link's target.)
try:
    from autograder.instructor.notebooks import guard_nbgrader_copies
except ImportError:  # the kit is not installed in this Python: use the one that wrote the course
    import sys

    sys.path.insert(0, str(KIT_ROOT))
    from autograder.instructor.notebooks import guard_nbgrader_copies
guard_nbgrader_copies()

# `nbgrader export` writes two named totals per level and student, never their sum:
# `automatic` (the engine cells: the 100 points every other channel gives) and `written` (the
# `<level>-written` assignment, outside the 100). See autograder/instructor/nbgrader_export.py.
c.ExportApp.plugin_class = "autograder.instructor.nbgrader_export.TotalsExportPlugin"

# The engine cells grade a whole level (level 0 builds Rust): nbgrader's 30 s per cell is far
# too short.
c.Execute.timeout = int(os.environ.get("TEENYGRAD_CELL_TIMEOUT", "1800"))

# Trap: nbgrader copies non-notebook files of source/ verbatim into release/, so source/ must
# never hold solutions: `grade.py notebooks --course` writes the generated stubs there.
# Trap: a failing post_convert_hook is only logged, so the kit uses no hooks: every check runs
# before nbgrader (`grade.py release` fails loudly on any marker or leak).
# Trap: `generate_feedback` shows hidden test cells, so the notebooks have none (the release
# refuses `BEGIN HIDDEN TESTS`); hidden tests live in autograder/suites/<level>/hidden/.
