"""`python grade.py`: grade a level, or run an instructor command. See `python grade.py --help`."""

from __future__ import annotations

import argparse
import difflib
import importlib
import math
import os
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest
from _pytest.mark import _parse_expression

from autograder.judge import interrupt
from autograder.judge.errors import GraderError
from autograder.judge.runner import GradeOptions, grade_level
from autograder.judge.workspace import Source, SourceError
from autograder.levels import Level, ManifestError, all_levels, load_level
from autograder.report import history
from autograder.report.files import OutputError, check_output, write_atomically
from autograder.report.formats import FORMATS, to_markdown
from autograder.report.progress import Progress
from autograder.report.record import RunRecord
from autograder.report.text import render

EXIT_FULL, EXIT_POINTS_LOST, EXIT_BAD_INPUT, EXIT_GRADER_ERROR = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # what a shell reports for a process killed by SIGPIPE
EXIT_INTERRUPTED = 130  # what a shell reports for a process stopped by Ctrl-C (SIGINT)

#: Sub-commands implemented elsewhere: name -> (module with add_arguments/run, help).
COMMANDS = {
    "roofline": ("autograder.roofline", "measure this machine's roofline (level 0) and plot it"),
    "release": ("autograder.instructor.release", "regenerate the student stubs from solutions/"),
    "gradescope": ("autograder.instructor.gradescope", "build a Gradescope autograder zip"),
    "batch": ("autograder.instructor.batch", "grade a folder of submissions into a CSV"),
    "mutation": ("autograder.instructor.mutation",
                 "mutation-test a level's suites on its reference solutions"),
    "notebooks": ("autograder.instructor.notebooks", "build the levels' nbgrader notebooks"),
    "history": ("autograder.report.history",
                "your earlier gradings: points per part and GFLOP/s per kernel, with a plot"),
}

DESCRIPTION = """\
Grade teenygrad levels, or run an instructor command.

Grading runs the level's tests against your files in assignments/ (and rust_kernels/ for
level 0), in a separate process with time and memory limits, and prints points per test.
"""

EPILOG = """\
examples:
  python grade.py level-1                    grade your work on level -1
  python grade.py level0 -k sgemm -v         only the sgemm tests, with full failure detail
  python grade.py level1 --list              list level 1's tests and their points
  python grade.py all --solutions            grade the reference solutions of every level
  python grade.py level-1 --submission DIR   grade a submission folder (it is never modified)
  python grade.py level0 --format gradescope --output results.json
  python grade.py roofline                   this machine's peak GFLOP/s and bandwidth
  python grade.py level-1 --watch            re-grade on each save (Ctrl-C stops)
  python grade.py history level-1            your earlier gradings, as a table and a plot

exit status: 0 full marks, 1 points lost, 2 bad usage or input, 3 grader error,
  130 interrupted (Ctrl-C: the tests that finished are reported, marked incomplete),
  141 output pipe closed early (e.g. `| head`)
"""


#: The help's closing lines of an instructor command whose module has no EPILOG of its own.
COMMAND_EPILOG = """\
exit status: 0 done, 1 something needs a look (see the output), 2 bad usage or input
  (one line), 3 grader error, 130 interrupted
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def positive_seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0 (not -5, 0, nan or inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def positive_count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return value


def _grading_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--solutions", action="store_true",
                        help="grade the reference solutions (instructors)")
    source.add_argument("--submission", type=Path, metavar="DIR",
                        help="grade the student files found in DIR (repository or flat layout)")
    parser.add_argument("-k", dest="keyword", metavar="PATTERN",
                        help="only run tests matching PATTERN (pytest -k syntax)")
    parser.add_argument("--list", action="store_true", help="list the tests and their points")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show full failure detail and what your code printed")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="report format (default: text)")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write the report to FILE instead of standard output (a "
                             "different file already there is kept as FILE.~1~, ~2~, ...)")
    parser.add_argument("--public-only", action="store_true",
                        help="run only the public tests, as in the student repository")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    parser.add_argument("--watch", action="store_true",
                        help="grade, then re-grade the parts whose files change on each save")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser (levels are discovered from their manifests)."""
    parser = _Parser(prog="grade.py", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    try:
        level_list = all_levels()
    except ManifestError:
        level_list = []
    for level in level_list:
        sub = commands.add_parser(level.id, help=f"grade {level.title}", epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        _grading_options(sub)
        if level.build.get("kind") == "maturin":  # a compiled level: the coach reads its code
            sub.add_argument("--coach", action="store_true",
                             help="explain each SGEMM stage's speed (its hot loop's machine "
                                  "code, llvm-mca's ceiling, a size sweep, a profile); -k STAGE "
                                  "for one stage; never grades")
    _grading_options(commands.add_parser("all", help="grade every level in order"))
    for name, (_module, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)  # parsed by its own module, see main()
    return parser


def _source(args: argparse.Namespace) -> Source:
    if args.solutions:
        return Source("solutions")
    if args.submission is not None:
        path = args.submission
        if path.exists() and not path.is_dir():
            hint = ": unzip it and give the folder" if zipfile.is_zipfile(path) else \
                ": give the folder that holds your files"
            raise SourceError(f"--submission {path} is a file, not a folder{hint}")
        if not path.is_dir():
            raise SourceError(f"submission folder not found: {path}")
        return Source("submission", path.resolve())
    return Source("assignments")


def _check_keyword(keyword: str | None) -> None:
    """A malformed -k is bad usage (exit 2) with pytest's own message, found before any
    workspace is built."""
    if keyword is None:
        return
    try:
        _parse_expression(keyword, "Wrong expression passed to '-k'")
    except pytest.UsageError as exc:
        raise SourceError(str(exc)) from None


def grade(args: argparse.Namespace) -> int:
    """Grade the chosen level(s) and write the report; return the exit status."""
    if getattr(args, "coach", False):  # `level0 --coach`: explains speed, grades nothing
        from autograder.coach.run import main as coach

        return coach(load_level(args.command), _source(args), args.keyword)
    if args.watch:  # the watch loop grades, reports and remembers on its own
        from autograder.watch import watch

        _check_keyword(args.keyword)
        return watch(args, _source(args))
    levels = all_levels() if args.command == "all" else [load_level(args.command)]
    _check_keyword(args.keyword)
    source = _source(args)
    if args.output is not None:  # before minutes of grading, not after
        check_output(args.output, never=_never_overwritten(levels, source))
    # With --output FILE, a script reads the file: the terminal's progress only on a terminal.
    shown = args.output is None or sys.stderr.isatty()
    progress = Progress(enabled=not args.quiet and not args.list and shown)
    options = GradeOptions(keyword=args.keyword, public_only=args.public_only,
                           list_only=args.list, progress=progress.test_done,
                           on_stage=progress.stage)
    record, started, interrupted = RunRecord(), time.monotonic(), False
    with interrupt.latched() as ctrl_c:
        for level in levels:
            progress.start_level(level.id)
            try:
                record.levels.append(grade_level(level, source, options))
            except GraderError as exc:
                record.grader_error = (f"{level.id}: {exc}" if level.id not in str(exc)
                                       else str(exc))
            except KeyboardInterrupt:  # between tests (a build, a preflight): none of it graded
                interrupted = True
            finally:
                progress.end_level()
            # ctrl_c.pressed: also a Ctrl-C that the grading swallowed (see interrupt.py)
            interrupted = (interrupted or ctrl_c.pressed
                           or any(lv.incomplete for lv in record.levels))
            if interrupted:
                break
    record.duration = time.monotonic() - started
    if args.keyword and not interrupted and not record.grader_error and \
            not any(lv.tests for lv in record.levels):
        raise SourceError(f"no test matches '{args.keyword}' (see --list for the test ids)")
    if not args.list:  # never in the grade's way: a failed write is one warning line
        history.append_safely(record, _selection(args))
    if record.levels or not interrupted:  # Ctrl-C before any test ended: nothing to report
        _emit(record, args)
    if interrupted:
        finished = sum(len(lv.tests) for lv in record.levels)
        print(f"grade.py: interrupted; {finished} finished tests reported, marked incomplete",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if record.has_grader_fault():
        return EXIT_GRADER_ERROR
    if args.list or record.points >= record.max_points:
        return EXIT_FULL
    return EXIT_POINTS_LOST


def _never_overwritten(levels: list[Level], source: Source) -> list[tuple[Path, str]]:
    """What a report must never replace: the student files being graded (the submission's, or
    the kit's own assignments/ or solutions/), with the folders that hold them, and the grading
    history."""
    never: list[tuple[Path, str]] = []
    for level in levels:
        for key in level.editable:
            if source.kind == "solutions":
                places = [level.solution_path(key)]
            else:
                root = source.path if source.path is not None else level.root
                places = [level.student_path(key, root), root / key]  # repository, flat
            # a key in a folder: that whole folder (a report has no business among the code)
            never += [(place.parent if "/" in key else place, "where the files being graded are")
                      for place in places]
    where = history.history_path()
    if where is not None:
        never.append((where, "the grading history"))
    return never


def _summary_line(record: RunRecord, args: argparse.Namespace) -> str:
    """The one line `--output FILE` prints (on stderr): the total and where the report is."""
    if args.list:
        what = f"{sum(len(lv.tests) for lv in record.levels)} tests listed"
    else:
        what = f"TOTAL {record.points:g}/{record.max_points:g}"
        if any(lv.incomplete for lv in record.levels):
            what += " (incomplete)"
        if record.has_grader_fault():
            what += " with a grader error (not the student's fault: see the report)"
    return f"grade.py: {what}; wrote the {args.format} report to {args.output}"


def _selection(args: argparse.Namespace) -> str:
    """Which tests a grading ran, as its history row says it ("" for all of them)."""
    return " ".join(filter(None, [f"-k {args.keyword}" if args.keyword else "",
                                  "public only" if args.public_only else ""]))


def _emit(record: RunRecord, args: argparse.Namespace) -> None:
    if args.output is not None:
        # The report goes to the file; the terminal gets one line (scripts read the file).
        report = FORMATS[args.format](record) if args.format != "text" else \
            render(record, verbose=args.verbose, listing=args.list)
        kept = write_atomically(args.output, report)
        line = _summary_line(record, args)
        print(line + (f" (the file there before is kept as {kept})" if kept else ""),
              file=sys.stderr)
    elif args.format == "text":
        text_report = render(record, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR"),
                             verbose=args.verbose, listing=args.list)
        print(text_report)
    else:
        print(FORMATS[args.format](record))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and not args.list:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(to_markdown(record))
        except OSError as exc:  # the grade stands: one warning line, as for the history
            print(f"grade.py: warning: step summary not written ({summary}: {exc.strerror})",
                  file=sys.stderr)


def _run_command(name: str, argv: list[str], tool: str = "grade.py",
                 module: ModuleType | None = None) -> int:
    """Run an instructor sub-command; its module is imported only when it is used (`module`:
    already imported, e.g. the `__main__` of `python -m autograder.instructor.NAME`)."""
    module_name, help_text = COMMANDS[name]
    if module is None:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            print(f"{tool}: error: '{name}' is not available here ({exc})", file=sys.stderr)
            return EXIT_BAD_INPUT
    prog = f"grade.py {name}" if tool == "grade.py" else tool
    parser = _Parser(prog=prog, description=module.__doc__ or help_text,
                     epilog=getattr(module, "EPILOG", COMMAND_EPILOG),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(argv)))


def _unknown_command(word: str) -> str | None:
    """One line for a first argument that is neither a level nor a command, naming the
    closest one ("did you mean level-1?"), or None if `word` is known."""
    try:
        levels = [level.id for level in all_levels()]
    except ManifestError:
        return None  # the parser reports the manifest problem
    known = [*levels, "all", *COMMANDS]
    if word in known or word.startswith("-"):
        return None
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"levels: {', '.join(levels)}"
    return f"unknown level or command '{word}': {hint}"


def main(argv: list[str] | None = None, *, tool: str = "grade.py",
         module: ModuleType | None = None) -> int:
    """Entry point of grade.py; returns the exit status (see --help). `tool` and `module`:
    see `command_main`."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        unknown = _unknown_command(argv[0]) if argv else None
        if unknown:
            print(f"grade.py: error: {unknown} (see --help)", file=sys.stderr)
            return EXIT_BAD_INPUT
        if argv and argv[0] in COMMANDS:
            status = _run_command(argv[0], argv[1:], tool, module)
        else:
            status = grade(build_parser().parse_args(argv))
        sys.stdout.flush()  # here, so that a closed pipe is reported below, not at exit
        return status
    except (SourceError, ManifestError, OutputError) as exc:
        print(f"{tool}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except GraderError as exc:
        print(f"{tool}: grader error: {exc}", file=sys.stderr)
        return EXIT_GRADER_ERROR
    except KeyboardInterrupt:
        print(f"{tool}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`grade.py ... | head`): stop quietly, as Unix tools do, and keep
        # Python from reporting the same broken pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - never a traceback dump for users
        print(f"{tool}: internal grader error: {type(exc).__name__}: {exc} "
              f"({_save_traceback()})", file=sys.stderr)
        return EXIT_GRADER_ERROR


def command_main(name: str, module: ModuleType) -> NoReturn:
    """`python -m autograder.instructor.NAME ARGS`: exactly `grade.py NAME ARGS` (the same
    parser, help and exit statuses, one line for bad input, never a traceback), run on the
    already imported `module` (the `__main__` one, not a second copy)."""
    sys.exit(main([name, *sys.argv[1:]], tool=f"python -m {COMMANDS[name][0]}", module=module))


def _save_traceback() -> str:
    """Write the current exception's traceback to a new file of this user's; say where."""
    try:
        fd, log = tempfile.mkstemp(prefix="teenygrad-grader-error-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(traceback.format_exc())
    except OSError as exc:
        return f"its traceback could not be saved: {exc.strerror}"
    return f"traceback in {log}"

