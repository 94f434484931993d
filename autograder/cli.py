"""`python grade.py`: grade a level, or run an instructor command. See `python grade.py --help`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from autograder.judge.errors import GraderError
from autograder.judge.runner import GradeOptions, grade_level
from autograder.judge.workspace import Source, SourceError
from autograder.levels import ManifestError, all_levels, load_level
from autograder.report.formats import FORMATS, to_markdown
from autograder.report.progress import Progress
from autograder.report.record import RunRecord
from autograder.report.text import render

EXIT_FULL, EXIT_POINTS_LOST, EXIT_BAD_INPUT, EXIT_GRADER_ERROR = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # what a shell reports for a process killed by SIGPIPE

#: Sub-commands implemented elsewhere: name -> (module with add_arguments/run, help).
COMMANDS = {
    "roofline": ("autograder.roofline", "measure this machine's roofline (level 0) and plot it"),
    "release": ("autograder.instructor.release", "regenerate the student stubs from solutions/"),
    "gradescope": ("autograder.instructor.gradescope", "build a Gradescope autograder zip"),
    "batch": ("autograder.instructor.batch", "grade a folder of submissions into a CSV"),
    "mutation": ("autograder.instructor.mutation",
                 "mutation-test a level's suites on its reference solutions"),
    "notebooks": ("autograder.instructor.notebooks", "build the levels' nbgrader notebooks"),
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

exit status: 0 full marks, 1 points lost, 2 bad usage or input, 3 grader error,
  141 output pipe closed early (e.g. `| head`)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


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
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--public-only", action="store_true",
                        help="run only the public tests, as in the student repository")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress display")


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


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _source(args: argparse.Namespace) -> Source:
    if args.solutions:
        return Source("solutions")
    if args.submission is not None:
        if not args.submission.is_dir():
            raise SourceError(f"submission folder not found: {args.submission}")
        return Source("submission", args.submission.resolve())
    return Source("assignments")


def grade(args: argparse.Namespace) -> int:
    """Grade the chosen level(s) and write the report; return the exit status."""
    if getattr(args, "coach", False):  # `level0 --coach`: explains speed, grades nothing
        from autograder.coach.run import main as coach

        return coach(load_level(args.command), _source(args), args.keyword)
    levels = all_levels() if args.command == "all" else [load_level(args.command)]
    source = _source(args)
    progress = Progress(enabled=not args.quiet and not args.list)
    options = GradeOptions(keyword=args.keyword, public_only=args.public_only,
                           list_only=args.list, progress=progress.test_done,
                           on_stage=progress.stage)
    record, started = RunRecord(), time.monotonic()
    for level in levels:
        progress.start_level(level.id)
        try:
            record.levels.append(grade_level(level, source, options))
        except GraderError as exc:
            record.grader_error = f"{level.id}: {exc}" if level.id not in str(exc) else str(exc)
        finally:
            progress.end_level()
    record.duration = time.monotonic() - started
    _emit(record, args)
    if record.has_grader_fault():
        return EXIT_GRADER_ERROR
    if args.list or record.points >= record.max_points:
        return EXIT_FULL
    return EXIT_POINTS_LOST


def _emit(record: RunRecord, args: argparse.Namespace) -> None:
    text_report = render(record, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR"),
                         verbose=args.verbose, listing=args.list)
    if args.output is not None:
        _write_atomically(args.output, FORMATS[args.format](record))
        print(text_report)
        print(f"wrote {args.format} report to {args.output}")
    elif args.format == "text":
        print(text_report)
    else:
        print(FORMATS[args.format](record))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and not args.list:
        with open(summary, "a") as handle:
            handle.write(to_markdown(record))


def _run_command(name: str, argv: list[str]) -> int:
    """Run an instructor sub-command; its module is imported only when it is used."""
    module_name, help_text = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        print(f"grade.py: error: '{name}' is not available here ({exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = _Parser(prog=f"grade.py {name}", description=module.__doc__ or help_text,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    """Entry point of grade.py; returns the exit status (see --help)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] in COMMANDS:
            status = _run_command(argv[0], argv[1:])
        else:
            status = grade(build_parser().parse_args(argv))
        sys.stdout.flush()  # here, so that a closed pipe is reported below, not at exit
        return status
    except (SourceError, ManifestError) as exc:
        print(f"grade.py: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except GraderError as exc:
        print(f"grade.py: grader error: {exc}", file=sys.stderr)
        return EXIT_GRADER_ERROR
    except KeyboardInterrupt:
        print("grade.py: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`grade.py ... | head`): stop quietly, as Unix tools do, and keep
        # Python from reporting the same broken pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - never a traceback dump for users
        log = Path(tempfile.gettempdir()) / "teenygrad-grader-error.log"
        log.write_text(traceback.format_exc())
        print(f"grade.py: internal grader error: {type(exc).__name__}: {exc} "
              f"(traceback in {log})", file=sys.stderr)
        return EXIT_GRADER_ERROR
