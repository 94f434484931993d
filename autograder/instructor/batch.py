"""`grade.py batch LEVEL SUBMISSIONS_DIR --csv grades.csv`: grade a folder of submissions.

Each sub-folder of SUBMISSIONS_DIR is one student's submission (the folder name is the
student id). Submissions are graded one at a time (benchmarks must not disturb each other),
each by its own `grade.py LEVEL --submission DIR --format json` process in its own session and
temporary folder, so one submission cannot affect another.

Every finished grade is committed to an SQLite gradebook beside the CSV (`grades.sqlite3`)
before the next submission starts. The gradebook only ever gains rows: a finished grade is
never overwritten. A run that is interrupted (Ctrl-C, kill, power cut) resumes where it stopped:
a submission whose content hash matches its latest grade is not graded again; a changed one is.
The CSV (latest grade of every student) is rewritten atomically after every grade.

Every entry of SUBMISSIONS_DIR gets a row, so no student is left out unseen: an entry that
cannot be graded (a zip or other file where a folder should be, a symbolic link, a folder that
cannot be read, a name that is not UTF-8) gets a "bad input" row saying why, and the batch goes
on with the next student. Hidden entries (".name") and the batch's own files are skipped.

A file already at the CSV's path is replaced without a copy only if it is this gradebook's
own earlier export of the level (each of its rows is a grade the gradebook holds for it, so
nothing is lost: a resumed batch makes no copies). Anything else there (a roster, another
level's CSV, a CSV edited by hand) is kept as `FILE.~1~` (`~2~`, ...) and the batch says so.

Every grading folder of a batch (each `grade.py`'s temporary folder and the workspace it
builds) is made inside one work folder of that gradebook, in the system's temporary folder
(`work_folder`). It is removed when the batch ends, however it ends, and a resumed batch first
removes what a killed one (kill -9, power cut) left there, so no grading folder outlives a run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.cli import positive_seconds
from autograder.instructor.levels import USER_ERRORS, InstructorError, kit_root, select_levels
from autograder.instructor.run_grade import run_grade
from autograder.judge import sandbox
from autograder.judge.intake import open_file, opened_root, read_capped
from autograder.levels import SubmissionLimits
from autograder.report.files import OutputError, check_output, write_atomically

DEFAULT_TIMEOUT = 1800.0
SKIP_NAMES = {".git", "__pycache__", ".ipynb_checkpoints", "target", ".DS_Store", ".venv"}
READ_BUDGET = 64_000_000  # bytes content_hash reads from one submission, at most
CSV_COLUMNS = ["student", "score", "max_score", "status", "content_hash", "message"]
#: grade.py exit status -> gradebook status. 0 and 1 are grades; the rest need a look.
STATUS_BY_EXIT = {0: "graded", 1: "graded", 2: "bad input", 3: "grader error"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    level TEXT NOT NULL,
    student TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    score REAL,
    max_score REAL,
    message TEXT NOT NULL DEFAULT '',
    record_json TEXT,
    finished_at REAL NOT NULL,
    duration REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS grades_by_student ON grades (level, student, id);
"""


@dataclass
class Grade:
    """One finished grading of one submission."""

    student: str
    content_hash: str
    status: str
    exit_code: int | None
    score: float | None
    max_score: float | None
    message: str
    record_json: str | None
    duration: float


# --- submissions and their content hash ---------------------------------------------------


def submissions(folder: Path, skip: Iterable[Path] = ()) -> list[Path]:
    """Every entry of SUBMISSIONS_DIR, sorted by name, but hidden ones and `skip` (the batch's
    own files, with their kept copies `NAME.~N~`): a student folder is graded, anything else
    (a zip, a symbolic link, ...) is listed so that its row says why it is not graded."""
    own = {p.name for p in skip if p.parent.resolve() == folder.resolve()}
    return sorted(
        p for p in folder.iterdir()
        if not p.name.startswith(".") and p.name not in own
        and re.sub(r"\.~\d+~$", "", p.name) not in own
    )


def student_id(entry: Path) -> str:
    """The student id of an entry: its name, any bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(entry.name).decode("utf-8", "backslashreplace")


def problem(entry: Path) -> str | None:
    """Why `entry` cannot be graded as a submission (one line), or None for a student folder
    this user can read."""
    try:
        entry.name.encode("utf-8")
    except UnicodeEncodeError:
        return "the folder name is not UTF-8 text: rename it"
    if entry.is_symlink():
        return f"{entry.name} is a symbolic link: batch grades real folders only"
    if not entry.is_dir():
        if zipfile.is_zipfile(entry):
            return f"{entry.name} is a zip file: unzip it into a folder named after " \
                   "the student"
        return f"{entry.name} is a file, not a folder: each submission is a folder"
    try:
        with os.scandir(entry):
            pass
    except OSError as exc:
        return f"the folder cannot be read ({exc.strerror or exc})"
    return None


def _refused(entry: Path, why: str) -> Grade:
    """The row of an entry that is not graded: its hash is that of the reason (and of what
    the entry is), so it stays unchanged until the entry is fixed."""
    digest = hashlib.sha256(os.fsencode(entry.name) + b"\0" + why.encode()).hexdigest()
    return Grade(student_id(entry), digest, "bad input", None, None, None, why, None, 0.0)


def content_hash(folder: Path, read_limit: int = SubmissionLimits().file_bytes) -> str:
    """SHA-256 over every entry's relative path and content (caches and VCS folders skipped).

    Nothing is followed or opened but regular files: a symbolic link counts by the text of its
    target, a named pipe, device or socket by its kind, and a file over `read_limit` bytes (or
    past READ_BUDGET bytes read in all) by its size and modification time, so a huge upload
    costs no reading. A `folder` that is itself a link counts by its target's text."""
    digest = hashlib.sha256()
    if folder.is_symlink():
        digest.update(b"link\0" + os.fsencode(os.readlink(folder)))
        return digest.hexdigest()
    limits = SubmissionLimits(file_bytes=read_limit, depth=10**6)
    budget = READ_BUDGET
    with opened_root(folder) as root_fd:
        for rel, st in _entries(folder):
            digest.update(os.fsencode(rel) + b"\0" + oct(stat.S_IFMT(st.st_mode)).encode())
            if stat.S_ISLNK(st.st_mode):
                digest.update(os.fsencode(os.readlink(folder / rel)))
            elif stat.S_ISREG(st.st_mode):
                got = (
                    open_file(root_fd, rel, limits, one_name=False)
                    if st.st_size <= budget
                    else None
                )
                data = read_capped(got[0], read_limit) if isinstance(got, tuple) else None
                if data is None:
                    digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
                else:
                    budget -= len(data)
                    digest.update(data)
            digest.update(b"\0")
    return digest.hexdigest()


def _entries(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry below `folder` with its lstat, depth first in name order, entering real
    folders only (never a link) and skipping SKIP_NAMES."""
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        try:
            with os.scandir(folder / rel_dir) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError:
            continue
        for item in items:
            if item.name in SKIP_NAMES:
                continue
            rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue
            yield rel, st
            if stat.S_ISDIR(st.st_mode):
                pending.append(rel)


# --- the gradebook ------------------------------------------------------------------------


class Gradebook:
    """The SQLite gradebook: append-only rows, one per finished grading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)  # explicit transactions below
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def latest(self, level: str, student: str) -> sqlite3.Row | None:
        """The latest grade of a student at a level, or None."""
        self.db.row_factory = sqlite3.Row
        return self.db.execute(
            "SELECT * FROM grades WHERE level = ? AND student = ? ORDER BY id DESC LIMIT 1",
            (level, student),
        ).fetchone()

    def add(self, level: str, grade: Grade) -> None:
        """Commit one finished grade (durably, before the caller moves on)."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "INSERT INTO grades (level, student, content_hash, status, exit_code, score,"
            " max_score, message, record_json, finished_at, duration)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                level,
                grade.student,
                grade.content_hash,
                grade.status,
                grade.exit_code,
                grade.score,
                grade.max_score,
                grade.message,
                grade.record_json,
                time.time(),
                grade.duration,
            ),
        )
        self.db.execute("COMMIT")

    def latest_all(self, level: str) -> list[sqlite3.Row]:
        """The latest grade of every student at a level, by student."""
        self.db.row_factory = sqlite3.Row
        return self.db.execute(
            "SELECT g.* FROM grades g JOIN (SELECT student, MAX(id) AS id FROM grades"
            " WHERE level = ? GROUP BY student) last ON g.id = last.id ORDER BY g.student",
            (level,),
        ).fetchall()

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def _csv_row(row: sqlite3.Row) -> list[str]:
    """A gradebook row as the CSV shows it."""
    return [
        row["student"],
        "" if row["score"] is None else f"{row['score']:g}",
        "" if row["max_score"] is None else f"{row['max_score']:g}",
        row["status"],
        row["content_hash"][:12],
        row["message"],
    ]


def own_export(book: Gradebook, level: str, path: Path) -> bool:
    """True if the file at `path` is an export of `book` at `level` that it can write again:
    the CSV header, and rows that are each a grade the gradebook holds for the level (a
    roster, another level's CSV or a hand-edited one is not: it must be kept)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    if not rows or rows[0] != CSV_COLUMNS:
        return False
    book.db.row_factory = sqlite3.Row
    held = {
        tuple(_csv_row(row))
        for row in book.db.execute(
            "SELECT student, score, max_score, status, content_hash, message FROM grades"
            " WHERE level = ?",
            (level,),
        )
    }
    return all(tuple(row) in held for row in rows[1:])


def export_csv(book: Gradebook, level: str, path: Path) -> tuple[int, Path | None]:
    """Write the latest grades as CSV, atomically (temp file + rename); return the row count
    and where the file that was at `path` is kept (None: there was none, or it was this
    gradebook's own export of `level`, which it can always write again)."""
    rows = book.latest_all(level)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(_csv_row(row))
    ours = path.is_file() and own_export(book, level, path)
    kept = write_atomically(path, buffer.getvalue(), newline="")
    if kept is not None and ours:  # a second name of our own export: nothing to keep
        kept.unlink(missing_ok=True)
        kept = None
    return len(rows), kept


# --- grading one submission ---------------------------------------------------------------


def work_folder(db_path: Path) -> Path:
    """The folder a batch's gradings happen in, one per gradebook: in the system's temporary
    folder (readable by the sandbox wherever the gradebook is), named after the gradebook."""
    tag = hashlib.sha256(os.fsencode(db_path.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"teenygrad-batch-{tag}"


def grade_one(grade_py: Path, level: str, folder: Path, timeout: float,
              work: Path | None = None) -> Grade:
    """Grade one submission in its own process session and temporary folder, inside `work`
    if given (a student folder that is a symbolic link is not followed: its row says so)."""
    started = time.monotonic()
    digest = content_hash(folder)
    if folder.is_symlink():
        message = f"{folder.name} is a symbolic link: batch grades real folders only"
        return Grade(
            folder.name,
            digest,
            "bad input",
            None,
            None,
            None,
            message,
            None,
            time.monotonic() - started,
        )
    with tempfile.TemporaryDirectory(prefix="batch-", dir=work) as tmp:
        out = Path(tmp) / "record.json"
        args = [level, "--submission", folder.resolve(), "--format", "json", "--output", out,
                "--quiet"]
        # The grader's own temporary folders (its workspace) go inside this one too.
        os.chmod(tmp, 0o711)
        env = {**os.environ, "TMPDIR": tmp}
        run = run_grade(grade_py, args, cwd=Path(tmp), timeout=timeout, env=env)
        if run.timed_out:
            return Grade(
                folder.name,
                digest,
                "timeout",
                None,
                None,
                None,
                f"grading took longer than {timeout:g} s and was stopped",
                None,
                time.monotonic() - started,
            )
        duration = time.monotonic() - started
        # The row's status names the kind of failure: the message is only what went wrong.
        last = (run.stderr.strip().splitlines() or [""])[-1].removeprefix("grade.py: error: ")
        last = last[:300]
        status = STATUS_BY_EXIT.get(run.returncode, "grader error")
        try:
            raw = out.read_text(encoding="utf-8")
            record = json.loads(raw)
            score, max_score = float(record["points"]), float(record["max_points"])
        except (OSError, ValueError, KeyError, TypeError):
            message = last or f"grade.py exited with status {run.returncode} and no report"
            if status == "graded":
                status = "grader error"
            return Grade(
                folder.name, digest, status, run.returncode, None, None, message, None, duration
            )
        message = last if status != "graded" else ""
        return Grade(
            folder.name, digest, status, run.returncode, score, max_score, message, raw, duration
        )


# --- progress -----------------------------------------------------------------------------


class ProgressBar:
    """A one-line progress bar on a terminal, one line per submission otherwise."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()

    def show(self, student: str, what: str) -> None:
        """Report `what` happened to `student`'s submission."""
        width = 24
        filled = width * self.done // max(self.total, 1)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {student}: {what}"
        )
        if self.tty:
            self.stream.write("\r\033[K" + line[:200])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# --- the batch ----------------------------------------------------------------------------


def run_batch(
    level: str,
    folder: Path,
    csv_path: Path,
    grade_py: Path,
    timeout: float,
    retry_errors: bool = False,
    db_path: Path | None = None,
) -> dict[str, int]:
    """Grade every submission of `folder` that has no up-to-date grade; return counts."""
    db_path = db_path or gradebook_path(csv_path)
    todo = submissions(folder, skip=[csv_path, *_gradebook_files(db_path)])
    check_output(csv_path, never=_never_written(folder, csv_path, db_path, todo))
    book = Gradebook(db_path)
    counts = {"graded": 0, "unchanged": 0, "errors": 0}
    work = work_folder(book.path)
    shutil.rmtree(work, ignore_errors=True)  # what a killed batch left behind
    work.mkdir(parents=True)
    work.chmod(0o711)  # traversable, not listable: an unconfined worker (`nobody`) reaches its
    # workspace below it (judge.processes.prepare_for_nobody), as it does in /tmp

    def export() -> None:
        kept = export_csv(book, level, csv_path)[1]
        if kept is not None:  # said once: later exports replace our own file
            print(f"batch: {csv_path} was not this gradebook's CSV of {level}: the file that "
                  f"was there is kept as {kept}", file=sys.stderr)

    try:
        bar = ProgressBar(len(todo))
        for sub in todo:
            student = student_id(sub)
            why = problem(sub)
            try:
                digest = _refused(sub, why).content_hash if why else content_hash(sub)
            except OSError as exc:  # unreadable inside, or gone since it was listed
                why = f"the folder cannot be read ({exc.strerror or exc})"
                digest = _refused(sub, why).content_hash
            latest = book.latest(level, student)
            up_to_date = latest is not None and latest["content_hash"] == digest
            if up_to_date and (latest["status"] == "graded" or not retry_errors):
                counts["unchanged"] += 1
                counts["errors"] += latest["status"] != "graded"  # still needs a look
                bar.done += 1
                bar.show(student, f"unchanged ({_points(latest)})")
                continue
            if why:  # one student's bad entry: a row saying so, and on with the next
                grade = _refused(sub, why)
            else:
                bar.show(student, "grading…")
                grade = grade_one(grade_py, level, sub, timeout, work)
            book.add(level, grade)  # committed before the next submission starts
            export()
            counts["graded"] += 1
            counts["errors"] += grade.status != "graded"
            bar.done += 1
            bar.show(student, f"{_points(grade)} in {grade.duration:.1f} s")
        export()
    finally:
        book.close()
        shutil.rmtree(work, ignore_errors=True)
    return counts


def gradebook_path(csv_path: Path) -> Path:
    """The gradebook of a CSV: the CSV's path with its suffix replaced by `.sqlite3`
    (`grades.csv` -> `grades.sqlite3`, `grades` -> `grades.sqlite3`)."""
    return csv_path.with_suffix(".sqlite3")


def _gradebook_files(db_path: Path) -> list[Path]:
    """The gradebook and the files SQLite keeps beside it."""
    return [db_path, *(db_path.with_name(db_path.name + end) for end in ("-wal", "-shm",
                                                                          "-journal"))]


def _never_written(folder: Path, csv_path: Path, db_path: Path,
                   todo: list[Path]) -> list[tuple[Path, str]]:
    """Where the CSV must never go: over the gradebook (or its SQLite files), or into a
    student's submission (it would change what is graded)."""
    never = [(path, "the gradebook") for path in _gradebook_files(db_path)]
    never += [(sub, f"in the submission of {student_id(sub)}") for sub in todo
              if sub.is_dir() and not sub.is_symlink()]
    return never


def _points(grade) -> str:
    score = grade["score"] if isinstance(grade, sqlite3.Row) else grade.score
    max_score = grade["max_score"] if isinstance(grade, sqlite3.Row) else grade.max_score
    status = grade["status"] if isinstance(grade, sqlite3.Row) else grade.status
    if score is None:
        return status
    return f"{score:g}/{max_score:g}" + ("" if status == "graded" else f" ({status})")


EPILOG = """\
files: the CSV (--csv FILE) is rewritten after every grade. A file already there is kept as
  FILE.~1~ (~2~, ...) unless it is this gradebook's own CSV of LEVEL (each row a grade the
  gradebook holds), so nothing is lost: a roster, another level's CSV, a hand-edited one.
  The gradebook is FILE with its suffix replaced by .sqlite3 (grades.csv -> grades.sqlite3),
  shared by all levels; it only gains rows and is never replaced.

exit status: 0 every submission graded, 1 some need a look (grader error, timeout, or a
  "bad input" row: a zip or file instead of a folder, an unreadable folder, a name that is
  not UTF-8), 2 bad usage or input (one line, nothing graded), 3 grader error,
  130 interrupted (finished grades are saved: run the same command to resume)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py batch`."""
    parser.add_argument("level", help="the level to grade (e.g. level-1)")
    parser.add_argument(
        "submissions",
        type=Path,
        metavar="SUBMISSIONS_DIR",
        help="folder with one sub-folder per student",
    )
    parser.add_argument(
        "--csv",
        type=Path,
        required=True,
        metavar="FILE",
        help="grades CSV to write; the gradebook beside it is FILE with its suffix replaced "
        "by .sqlite3 (grades.csv -> grades.sqlite3)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per submission before it is stopped (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--retry-errors",
        action="store_true",
        help="grade again unchanged submissions whose last grading failed",
    )
    parser.add_argument(
        "--unsandboxed",
        action="store_true",
        help="grade even where student code cannot be sandboxed (the grades are then not "
        "authoritative: each report says what was missing)",
    )
    parser.add_argument("--grade-py", type=Path, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Grade the batch: 0 all graded, 1 some need a look, 2 bad input (see EPILOG)."""
    root = kit_root()
    db_path = gradebook_path(args.csv)
    try:
        select_levels(root, args.level)
        if not args.submissions.is_dir():
            raise InstructorError(f"submissions folder not found: {args.submissions}")
        # before anyone is graded: not a folder, not the gradebook itself (--csv X.sqlite3)
        check_output(args.csv, never=[(path, "the gradebook") for path in
                                      _gradebook_files(db_path)])
        if not args.csv.parent.is_dir():
            raise InstructorError(f"folder of the CSV not found: {args.csv.parent}")
    except (*USER_ERRORS, OutputError) as exc:
        print(f"batch: error: {exc}", file=sys.stderr)
        return 2
    refused = "" if args.unsandboxed else sandbox.refusal("batch")
    if refused:
        print(refused.replace("batch: ", "batch: error: ", 1), file=sys.stderr)
        return 2
    grade_py = args.grade_py or root / "grade.py"
    try:
        counts = run_batch(
            args.level, args.submissions, args.csv, grade_py, args.timeout, args.retry_errors
        )
    except KeyboardInterrupt:
        print(
            "\nbatch: interrupted; finished grades are saved, run the same command to resume",
            file=sys.stderr,
        )
        return 130
    except OutputError as exc:
        print(f"batch: error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
        print(f"batch: error: gradebook {db_path}: {exc}", file=sys.stderr)
        return 2
    print(
        f"batch: {counts['graded']} graded, {counts['unchanged']} unchanged, "
        f"{counts['errors']} need a look; wrote {args.csv}"
    )
    return 1 if counts["errors"] else 0


if __name__ == "__main__":  # the same parser, help and errors as `grade.py batch`
    from autograder.cli import command_main

    command_main("batch", sys.modules[__name__])
