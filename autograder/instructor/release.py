"""`grade.py release`: regenerate the student files from `solutions/`, or check they match.

    python -m autograder.instructor.release                 # write assignments/, rust stubs
    python -m autograder.instructor.release --check         # exit 1 naming files that differ,
                                                            # or that hold reference code
    python -m autograder.instructor.release --student-repo DIR [--force]

The release is an ordered list of steps (autograder/instructor/steps/), declared in STEPS
with the reason for its place in the order.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from autograder.instructor import leaks
from autograder.instructor.levels import USER_ERRORS, InstructorError, kit_root, select_levels
from autograder.instructor.steps import ReleaseContext, Step
from autograder.instructor.steps.check_leaks import CheckLeaks
from autograder.instructor.steps.collect import CollectFiles
from autograder.instructor.steps.make_stubs import MakeStubs
from autograder.instructor.steps.validate_markers import ValidateMarkers
from autograder.instructor.steps.write_files import WriteFiles

STEPS: list[type[Step]] = [
    CollectFiles,  # every later step works on the planned files
    ValidateMarkers,  # before stubbing: an unrecognised marker would ship a solution
    MakeStubs,  # needs the validated regions
    CheckLeaks,  # after stubbing, before writing: a leak must never reach the disk
    WriteFiles,  # last, and only when no step reported a problem
]


def generate(
    root: Path, level: str | None, check_only: bool = True, steps: list[type[Step]] | None = None
) -> ReleaseContext:
    """Run the release steps (by default all but WriteFiles, i.e. nothing is written).

    Raises InstructorError listing every problem, one per line, when a step reported any.
    """
    ctx = ReleaseContext(root=root, levels=select_levels(root, level), check_only=check_only)
    for step_type in steps or STEPS[:-1]:
        step_type().run(ctx)
        if ctx.problems:
            raise InstructorError("\n".join(ctx.problems))
    return ctx


def student_facing(root: Path) -> list[Path]:
    """The kit's files students receive as they are: assignments/ (stubs, handouts, notebooks)
    and the suites but the hidden ones."""
    files = [p for p in sorted((root / "assignments").rglob("*")) if p.is_file()]
    suites = root / "autograder" / "suites"
    for path in sorted(suites.rglob("*")):
        parts = path.relative_to(suites).parts
        if path.is_file() and not any(p.startswith("hidden") or p == "__pycache__" for p in parts):
            files.append(path)
    return files


def reference_code(root: Path) -> list[str]:
    """`file:line: what` for each function or table of the references (or answered function of
    the solutions) copied into a student-facing file, and each import of the references."""
    secrets = leaks.reference_secrets(root)
    found = []
    for path in student_facing(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(root).as_posix()
        found += [f"{rel}:{line}" for line in leaks.find_reference_code(secrets, path, text)]
    return found


def _diff(item, root: Path) -> str:
    try:
        current = item.target.read_text(encoding="utf-8").splitlines(keepends=True)
    except (FileNotFoundError, UnicodeDecodeError):
        current = []
    rel = item.target.relative_to(root).as_posix()
    lines = difflib.unified_diff(
        current, (item.stub or "").splitlines(keepends=True), rel, f"{rel} (generated)"
    )
    return "".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py release`."""
    parser.add_argument("level", nargs="?", default="all", help="level id, or all (default)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming the student files that differ from the solutions, "
        "and student-facing files that hold reference code",
    )
    parser.add_argument("--diff", action="store_true", help="with --check, show unified diffs")
    parser.add_argument(
        "--student-repo",
        type=Path,
        metavar="DIR",
        help="also write a complete student repository into DIR (must be empty, or --force)",
    )
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty DIR (a different file of the same name "
                             "is kept as NAME.~N~)")
    parser.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)


def _misplaced_flag(args: argparse.Namespace) -> str | None:
    """Why an option does not apply to the chosen mode, or None: --check writes nothing, so it
    cannot go with --student-repo; --diff shows --check's differences; --force is for
    --student-repo's folder."""
    if args.check and args.student_repo is not None:
        return "--check writes nothing and --student-repo writes a repository: choose one"
    if args.diff and not args.check:
        return "--diff applies to --check only (release --check --diff)"
    if args.force and args.student_repo is None:
        return "--force applies to --student-repo only"
    return None


def run(args: argparse.Namespace) -> int:
    """Release (or check); 0 ok, 1 files differ / leak scan failed, 2 bad input or leak."""
    root = (args.root or kit_root()).resolve()
    misplaced = _misplaced_flag(args)
    if misplaced:  # before anything is read or written: the run would not do what was asked
        print(f"release: error: {misplaced} (see --help)", file=sys.stderr)
        return 2
    if args.student_repo is not None:  # built from the generated stubs; the kit is not written
        from autograder.instructor import student_repo

        return student_repo.run(args)
    try:
        ctx = generate(root, args.level, check_only=args.check, steps=STEPS)
    except USER_ERRORS as exc:
        for line in str(exc).splitlines():
            print(f"release: error: {line}", file=sys.stderr)
        return 2
    for note in ctx.notes:
        print(f"note: {note}")
    if args.check:
        leaked = reference_code(root)
        for line in leaked:
            print(f"release --check: reference code in a student-facing file: {line}")
        if ctx.differing:
            print(f"release --check: {len(ctx.differing)} file(s) differ from the solutions:")
            for item in ctx.differing:
                state = "missing" if not item.target.exists() else "differs"
                print(f"  {ctx.rel(item.target)}: {state} (from {ctx.rel(item.source)})")
                if args.diff:
                    print(_diff(item, root))
            print("run `python grade.py release` to regenerate them")
        if leaked or ctx.differing:
            return 1
        print(f"release --check: {len(ctx.files)} student file(s) up to date, no reference code")
    else:
        for item in ctx.written:
            print(f"wrote {ctx.rel(item.target)}")
        print(f"release: {len(ctx.written)} written, {len(ctx.files) - len(ctx.written)} unchanged")
    return 0


if __name__ == "__main__":  # the same parser, help and errors as `grade.py release`
    from autograder.cli import command_main

    command_main("release", sys.modules[__name__])
