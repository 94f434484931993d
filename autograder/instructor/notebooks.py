"""Handout notebooks and the nbgrader course built from them.

`solutions/<id>/<id>.ipynb` is the source notebook of a level: markdown handout cells, written
questions as nbgrader solution cells, and autograded test cells. From it:

- `student_notebook()` makes the student's copy (`assignments/<id>/<id>.ipynb`) with nbgrader's
  own ClearSolutions and ClearOutput, so it matches what `nbgrader generate_assignment` gives;
- `grade.py notebooks --course DIR` lays out an nbgrader course: `DIR/nbgrader_config.py`
  and `DIR/source/<id>/` holding the source notebook and the *generated stubs* of the level's
  editable files (nbgrader copies non-notebook files verbatim, so it must never see
  `solutions/`).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat

from autograder.instructor.levels import USER_ERRORS, InstructorError, kit_root, select_levels
from autograder.instructor.markers import notebook_problem
from autograder.judge.intake import (
    Refusal,
    kind,
    open_file,
    opened_root,
    printable,
    read_capped,
    scan,
)
from autograder.levels import SubmissionLimits
from autograder.report.files import OutputError, backup_name, check_output, write_atomically

NBGRADER_DIR = Path(__file__).parent / "nbgrader"
#: A level's written questions are the nbgrader assignment `<level>` + this.
WRITTEN_SUFFIX = "-written"
NBGRADER_COPY_ENTRIES = 100_000  # entries of one submission nbgrader's copy looks at, at most


def _student_preprocessors() -> list:
    from nbgrader.preprocessors import ClearMarkScheme, ClearOutput, ClearSolutions

    return [ClearSolutions(), ClearMarkScheme(), ClearOutput()]


def student_notebook(text: str) -> str:
    """The student's copy of a source notebook (solutions cleared, outputs cleared)."""
    notebook = nbformat.reads(text, as_version=4)
    resources: dict = {}
    for preprocessor in _student_preprocessors():
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return nbformat.writes(notebook) + "\n"


def source_notebooks(root: Path, level_id: str) -> list[Path]:
    """The source notebooks of a level (`solutions/<id>/*.ipynb`)."""
    return sorted((root / "solutions" / level_id).glob("*.ipynb"))


def build_course(root: Path, course: Path, level_ids: list[str], force: bool = False,
                 report: Callable[[str], None] = print) -> list[str]:
    """Lay out an nbgrader course for the levels; return the assignment names written.

    `course/source/<id>/` gets the level's source notebooks and the stubs the release generates
    (computed here, not read from `assignments/`, so drift cannot reach nbgrader). Everything is
    built and checked before anything is written: a refused run leaves the course as it was.
    What is already there is the instructor's: a source folder is replaced only with `force`,
    and then kept under `course/replaced/`; an edited `nbgrader_config.py` is kept as it is
    (with `force`, replaced and kept as `nbgrader_config.py.~N~`). `report` gets one line for
    each thing kept or replaced.
    """
    check_output(course / "nbgrader_config.py")  # a course below a file, a folder named so
    if course.exists() and not course.is_dir():
        raise InstructorError(f"--course {course} is a file, not a folder")
    planned, written = _plan_course(root, course, level_ids)
    existing = [dest for dest in planned if dest.exists() or dest.is_symlink()]
    if existing and not force:
        shown = ", ".join(str(dest) for dest in existing)
        raise InstructorError(f"{shown} exist{'s' if len(existing) == 1 else ''} "
                              "(use --force to replace, keeping the old under replaced/)")
    config_path = course / "nbgrader_config.py"
    config = (NBGRADER_DIR / "nbgrader_config.py").read_text(encoding="utf-8")
    config = config.replace("@KIT_ROOT@", str(root))
    try:
        current = config_path.read_text(encoding="utf-8") if config_path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstructorError(f"{config_path} cannot be read ({exc})") from None
    try:
        if current is None or force:
            kept = write_atomically(config_path, config)
            if kept:
                report(f"replaced {config_path}; the edited one is kept as {kept.name}")
        elif current != config:  # the instructor's edits stay: nbgrader reads this file
            report(f"kept {config_path} as it is (it differs from the kit's; --force "
                   "replaces it, keeping yours as a numbered backup)")
        for dest, files in planned.items():
            _write_folder(course, dest, files, report)
    except OSError as exc:
        raise InstructorError(f"writing the course in {course}: {exc}") from None
    return written


def _plan_course(root: Path, course: Path, level_ids: list[str]
                 ) -> tuple[dict[Path, dict[str, str]], list[str]]:
    """{folder of course/source/: {relative path: text}} for the levels, and the levels that
    have a source notebook: every source notebook read, checked and split, every stub
    generated (InstructorError naming what is wrong)."""
    from autograder.instructor.release import generate

    planned: dict[Path, dict[str, str]] = {}
    written: list[str] = []
    for level_id in level_ids:
        notebooks = source_notebooks(root, level_id)
        if not notebooks:
            continue
        files = {item.key: item.stub for item in generate(root, level_id).files
                 if item.kind != "notebook" and item.stub is not None}
        dest = course / "source" / level_id
        planned[dest] = files
        for notebook in notebooks:
            engine, questions = _split_source(notebook, level_id)
            files[notebook.name] = nbformat.writes(engine)
            if questions is not None:
                # The written questions are an nbgrader assignment of their own, so nbgrader's
                # totals (formgrader, feedback, gradebook) say 100 for the level and show the
                # questions' points apart, under their own name.
                name = written_assignment(level_id)
                planned[course / "source" / name] = {f"{name}.ipynb": nbformat.writes(questions)}
        written.append(level_id)
    return planned, written


def _split_source(path: Path, level_id: str
                  ) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode | None]:
    """`split_written` of a source notebook, any problem one InstructorError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstructorError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstructorError(f"{path}:{exc.lineno}: not a notebook: {exc.msg}") from None
    problem = notebook_problem(data, text)
    if problem:
        raise InstructorError(f"{path}: not a notebook: {problem}")
    try:
        return split_written(nbformat.reads(text, as_version=4), level_id)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InstructorError(f"{path}: a graded cell's nbgrader metadata is incomplete "
                              f"({type(exc).__name__}: {exc})") from None


def _write_folder(course: Path, dest: Path, files: dict[str, str],
                  report: Callable[[str], None]) -> None:
    """Write `files` into `dest`, built beside it first and then renamed into place; a folder
    already there is moved to `course/replaced/` (outside source/, where nbgrader would take
    it for an assignment) and named in a `report` line."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        # mkdtemp's 0700 would hide the assignment from the course's other staff: as mkdir
        mask = os.umask(0)
        os.umask(mask)
        staged.chmod(0o777 & ~mask)
        for rel, text in files.items():
            target = staged / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith(".ipynb") and not text.endswith("\n"):
                text += "\n"  # as nbformat.write ends a notebook
            target.write_text(text, encoding="utf-8")
        if dest.exists() or dest.is_symlink():
            (course / "replaced").mkdir(exist_ok=True)
            kept = backup_name(course / "replaced" / dest.name)
            os.replace(dest, kept)
            report(f"replaced {dest}; the previous one is kept as {kept}")
        os.replace(staged, dest)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def written_assignment(level_id: str) -> str:
    """The name of the nbgrader assignment holding a level's written questions."""
    return f"{level_id}{WRITTEN_SUFFIX}"


def _graded_question(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("grade_id", "").startswith("engine_")


def split_written(notebook: nbformat.NotebookNode, level_id: str
                  ) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode | None]:
    """A source notebook as two: the level's (handout, setup, demos and the engine cells,
    worth the level's 100 points) and its written questions' (setup and every question, from
    `questions_intro` to the last graded question cell), or None when it has no question."""
    ids = [cell.get("id") for cell in notebook.cells]
    graded = [i for i, cell in enumerate(notebook.cells) if _graded_question(cell)]
    if not graded or "questions_intro" not in ids:
        return notebook, None
    first, last = ids.index("questions_intro"), graded[-1]
    questions = nbformat.v4.new_notebook(metadata=notebook.metadata)
    points = sum(cell.metadata["nbgrader"]["points"] for cell in notebook.cells[first:last + 1]
                 if _graded_question(cell))
    title = nbformat.v4.new_markdown_cell(
        f"# {level_id}: written questions\n\nThe questions of {level_id}'s handout. Their "
        f"{points:g} points are this assignment's own total, apart from the 100 points of "
        f"`{level_id}` that the engine gives your code.", id="written_title",
        metadata={"nbgrader": {"grade": False, "grade_id": "written_title", "locked": True,
                               "schema_version": 3, "solution": False, "task": False}})
    setup = [cell for cell in notebook.cells if cell.get("id") == "setup"]
    questions.cells = [title, *setup, *notebook.cells[first:last + 1]]
    engine = nbformat.v4.new_notebook(metadata=notebook.metadata)
    engine.cells = notebook.cells[:first] + notebook.cells[last + 1:]
    return engine, questions


def write_sources(root: Path, level_ids: list[str], check_only: bool = False) -> list[Path]:
    """(Re)write `solutions/<id>/<id>.ipynb` from the handout modules; return those that
    differed (and, unless `check_only`, were rewritten)."""
    from autograder.instructor import handouts

    differing = []
    for level_id in level_ids:
        if level_id not in handouts.available_levels(root):
            continue
        path = root / "solutions" / level_id / f"{level_id}.ipynb"
        text = handouts.notebook_text(level_id, root)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            differing.append(path)
            if not check_only:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return differing


def copy_plain_files(
    source: Path, dest: Path, ignore: list[str], limits: SubmissionLimits | None = None
) -> list[str]:
    """Copy a submission's files from `source` to `dest` as nbgrader's `init_assignment` does,
    but plain files only: each regular file with one name, within the size limit, is copied
    from the descriptor it was checked on; a symbolic link, named pipe, device, socket, hard
    link or oversized file is left out unopened (the engine then grades that student file as
    its stub). Names matching an `ignore` glob are skipped. Returns one line per entry left
    out, with the reason (for nbgrader's log)."""
    limits = limits or SubmissionLimits()
    left_out: list[str] = []
    listing = scan(source, limits)
    with opened_root(source) as root_fd:
        for entry in listing.entries:
            if any(fnmatch.fnmatch(name, glob) for name in entry.rel.split("/") for glob in ignore):
                continue
            got = open_file(root_fd, entry.rel, limits)
            data = read_capped(got[0], limits.file_bytes) if isinstance(got, tuple) else None
            if data is None:
                left_out.append(
                    got.line
                    if isinstance(got, Refusal)
                    else f"{printable(entry.rel)} changed while it was read"
                )
                continue
            target = dest / entry.rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            target.write_bytes(data)
            target.chmod(stat.S_IMODE(entry.mode) | stat.S_IRUSR | stat.S_IWUSR)
    return left_out + listing.notes(limits)


def plain_notebook_problem(path: Path) -> str | None:
    """Why a submitted notebook is not a plain file nbgrader may read, or None."""
    try:
        st = path.lstat()
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return f"{path.name} is a symbolic link: submit the notebook itself"
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        return f"{path.name} is {kind(st.st_mode)} with {st.st_nlink} names, not a plain file"
    return None


def guard_nbgrader_copies() -> None:
    """Make nbgrader copy each submission with `copy_plain_files` (the course's config calls
    this): nbgrader's own copy follows symbolic links, so a link to the kit's solutions would
    reach `autograded/` as a regular file, and it reads named pipes and devices. A submitted
    notebook that is not a plain file fails that student's autograde, with the reason."""
    from nbgrader.converters.base import BaseConverter

    if getattr(BaseConverter.init_assignment, "teenygrad_guard", False):
        return

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        source = Path(self._format_source(assignment_id, student_id))
        for notebook in self.notebooks:
            problem = plain_notebook_problem(Path(notebook))
            if problem:
                raise RuntimeError(f"{student_id}: {problem}")
        dest = Path(self._format_dest(assignment_id, student_id))
        limits = SubmissionLimits(scan_entries=NBGRADER_COPY_ENTRIES)
        for line in copy_plain_files(source, dest, [*self.coursedir.ignore, "*.ipynb"], limits):
            self.log.warning("%s: not copied: %s", student_id, line)

    init_assignment.teenygrad_guard = True  # type: ignore[attr-defined]
    BaseConverter.init_assignment = init_assignment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py notebooks`."""
    parser.add_argument("level", nargs="?", default="all", help="level id, or all (default)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--sources",
        action="store_true",
        help="write solutions/<level>/<level>.ipynb from the handout modules "
        "(then run `grade.py release` for the students' copies)",
    )
    mode.add_argument(
        "--course",
        type=Path,
        metavar="DIR",
        help="lay out an nbgrader course in DIR (nbgrader_config.py, source/<level>/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="with --sources: write nothing, exit 1 if a notebook differs",
    )
    parser.add_argument("--force", action="store_true",
                        help="with --course: replace existing source folders (the old ones are "
                        "kept in DIR/replaced/) and an edited nbgrader_config.py (kept as "
                        "nbgrader_config.py.~N~)")
    parser.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)


def _misplaced_flag(args: argparse.Namespace) -> str | None:
    """Why an option does not apply to the chosen mode (--check belongs to --sources, --force
    to --course), or None."""
    if args.check and not args.sources:
        return "--check applies to --sources only (--course always writes the course)"
    if args.force and args.course is None:
        return "--force applies to --course only"
    return None


def run(args: argparse.Namespace) -> int:
    """Write the source notebooks or lay out the nbgrader course; 0 ok, 1 differs, 2 bad input."""
    root = (args.root or kit_root()).resolve()
    misplaced = _misplaced_flag(args)
    if misplaced:  # before anything is read or written: the run would not do what was asked
        print(f"notebooks: error: {misplaced} (see --help)", file=sys.stderr)
        return 2
    try:
        levels = [lv.id for lv in select_levels(root, args.level)]
        if args.sources:
            differing = write_sources(root, levels, check_only=args.check)
            for path in differing:
                state = "differs" if args.check else "wrote"
                print(f"{state}: {path.relative_to(root).as_posix()}")
            if args.check and differing:
                print("run `python grade.py notebooks --sources` to regenerate them")
                return 1
            print(
                f"notebooks: {len(differing)} source notebook(s) "
                f"{'differ' if args.check else 'written'}"
            )
            return 0
        done = build_course(root, args.course, levels, force=args.force)
    except (*USER_ERRORS, OutputError) as exc:
        for line in str(exc).splitlines():
            print(f"notebooks: error: {line}", file=sys.stderr)
        return 2
    if not done:
        print("notebooks: error: no level has a source notebook", file=sys.stderr)
        return 2
    for level_id in done:
        print(f"source/{level_id}/ ready in {args.course}")
        if (args.course / "source" / written_assignment(level_id)).is_dir():
            print(f"source/{written_assignment(level_id)}/ ready in {args.course} (its written "
                  "questions: their own assignment and total, outside the 100)")
    print(f"next: cd {args.course} && nbgrader generate_assignment <level> (and <level>"
          f"{WRITTEN_SUFFIX}; docs/instructor.md)")
    return 0


if __name__ == "__main__":  # the same parser, help and errors as `grade.py notebooks`
    from autograder.cli import command_main

    command_main("notebooks", sys.modules[__name__])
