"""`grade.py release --student-repo DIR`: the repository students get (GitHub Classroom template).

It holds everything a student needs — the generated stubs and handouts (`assignments/`),
`grade.py` and the engine, the public suites, the Rust workspace with the student stubs,
`pyproject.toml`, a README for students and `.github/workflows/classroom.yml` — and nothing
they must not see: no `solutions/`, no hidden suites, no references (the judge's answer key),
none of the kit's Python tests or fixtures, no instructor tools. (The Rust crate keeps its
`cargo test` suite, `rust_kernels/teenygrad_kernels/tests/`: public checks of every stage
against an f64 triple loop, which students may run on their kernels.) The public suites take
their expected values from `autograder.suites.oracle`; without references it replays the values
recorded here, by grading the public suites on the reference solutions (level 0 builds them:
about a minute).
The tree is built in a staging folder, scanned for leaks (solution-region text, reference code,
hidden test names, markers, forbidden paths), and only then copied into DIR. DIR must be empty
unless `--force`; a file already in DIR where the student repo has a different one is kept as
`NAME.~N~`, and none is deleted.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import KIT_ROOT
from autograder.instructor import leaks
from autograder.instructor.levels import USER_ERRORS, InstructorError, kit_root
from autograder.instructor.release import generate
from autograder.instructor.steps import ReleaseContext
from autograder.levels import all_levels
from autograder.report.files import OutputError, check_output, replace_keeping
from autograder.report.record import Outcome
from autograder.suites import oracle

TEMPLATES = Path(__file__).parent / "templates"

#: What is copied from the kit, relative to its root (files or folders).
INCLUDE = ["grade.py", "pyproject.toml", ".gitignore", "autograder", "assignments", "rust_kernels"]

#: Never copied (fnmatch on the path relative to the kit root; a folder excludes its content).
EXCLUDE = [
    "autograder/instructor",  # instructor tools: release, nbgrader, Gradescope, batch
    "autograder/suites/*/hidden",  # hidden tests
    "autograder/suites/*/hidden_*",
    "autograder/references",  # the judge's oracles: the answer key
    "autograder/suites/expected",  # recorded anew for each student repository
    "*/__pycache__",
    "*.pyc",
    "*.so",
    "rust_kernels/target",
    "*/.ipynb_checkpoints",
    "*/.pytest_cache",
    "*/.hypothesis",
    "*/.benchmarks",
]

#: Paths whose presence in a student repository is a leak by itself.
FORBIDDEN = ["solutions", "tests", "autograder/suites/*/hidden", "autograder/instructor",
             "autograder/references"]

MAX_SCAN_BYTES = 2_000_000


@dataclass
class LeakReport:
    """What the scan found; empty lists mean a clean repository."""

    paths: list[str] = field(default_factory=list)
    solution_text: list[str] = field(default_factory=list)
    reference_code: list[str] = field(default_factory=list)
    hidden_names: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every finding, one line each."""
        return [*self.paths, *self.solution_text, *self.reference_code, *self.hidden_names,
                *self.markers]


#: The kit's user cache folder as the workflow's cache step names it (on the runner, where
#: `autograder.judge.build.cache_dir` keeps cargo's target folder by default).
WORKFLOW_CACHE_DIR = "~/.cache/teenygrad-kit"
RUST_BLOCK = re.compile(r"^ *# rust: begin.*?^ *# rust: end[^\n]*\n", re.MULTILINE | re.DOTALL)


def _excluded(rel: str, extra: list[str] = ()) -> bool:
    return any(fnmatch.fnmatchcase(rel, pattern) for pattern in [*EXCLUDE, *extra])


def _copy_tree(root: Path, rel: str, dest: Path, extra: list[str] = ()) -> None:
    src = root / rel
    if _excluded(rel, extra) or not src.exists():
        return
    if src.is_dir():
        for child in sorted(src.iterdir()):
            _copy_tree(root, f"{rel}/{child.name}", dest, extra)
    else:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def _level_rows(ctx: ReleaseContext) -> str:
    rows = []
    for level in ctx.levels:
        by_folder: dict[str, list[str]] = {}
        notebook = []
        for item in (f for f in ctx.files if f.level == level.id):
            rel = item.target.relative_to(ctx.root)
            if item.kind == "notebook":
                notebook.append(f"`{rel.as_posix()}`")
            else:
                by_folder.setdefault(rel.parent.as_posix(), []).append(rel.name)
        edits = "; ".join(
            f"`{folder}/`: " + ", ".join(f"`{name}`" for name in names)
            for folder, names in by_folder.items()
        )
        rows.append(f"| `{level.id}` | {edits} | {', '.join(notebook) or '—'} |")
    return "\n".join(rows)


def _oracle_modules(suite: Path) -> set[str]:
    """The references modules a public suite file asks `public_oracle` for."""
    modules = set()
    for node in ast.walk(ast.parse(suite.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "public_oracle"
                and node.args and isinstance(node.args[0], ast.Constant)):
            modules.add(str(node.args[0].value))
    return modules


def _start_recording(root: Path, level: str, files: list[str], folder: Path) -> subprocess.Popen:
    """Start grading `files` of the level's public suites on the reference solutions, each
    expected value they look up recorded into `folder`."""
    folder.mkdir(parents=True)
    keyword = f"public and not hidden and ({' or '.join(files)})"
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(root), oracle.RECORD_ENV: str(folder)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    with (folder / "stderr.txt").open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, str(root / "grade.py"), level, "--solutions", "-k", keyword, "-q",
             "--format", "json", "--output", str(folder / "report.json")],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)


def _check_recording(level: str, folder: Path) -> None:
    """InstructorError unless the recording run graded and every test passed."""
    report = folder / "report.json"
    record = json.loads(report.read_text()) if report.exists() else {}
    if not record or record.get("grader_error"):
        stderr = (folder / "stderr.txt").read_text(errors="replace").strip().splitlines()
        why = record.get("grader_error") or (stderr or ["no report written"])[-1]
        raise InstructorError(f"recording {level}'s expected values: grading failed: {why}")
    for test in (t for lv in record["levels"] for t in lv["tests"]):
        if test["outcome"] != Outcome.PASSED:
            raise InstructorError(
                f"recording {level}'s expected values: {test['name']} is {test['outcome']} on "
                f"the reference solutions: {test['message']}")


def record_expected(root: Path, dest: Path, ctx: ReleaseContext) -> list[str]:
    """Record what the public suites look up in the references (see the module docstring)
    into dest's `autograder/suites/expected/`, the levels graded side by side; return the
    files written, relative to dest."""
    written = []
    with tempfile.TemporaryDirectory(prefix="expected-") as tmp:
        runs: dict[str, subprocess.Popen] = {}
        try:
            for level in ctx.levels:
                public = root / "autograder" / "suites" / level.id / "public"
                files = sorted(p.name for p in public.glob("*.py") if _oracle_modules(p))
                if files:
                    runs[level.id] = _start_recording(root, level.id, files, Path(tmp) / level.id)
            for level_id, process in runs.items():
                process.wait(timeout=1800)
                _check_recording(level_id, Path(tmp) / level_id)
        finally:
            for process in runs.values():
                if process.poll() is None:  # another level failed: stop it and its workers
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        try:
            recordings = oracle.merge_recordings(Path(tmp))
        except ValueError as exc:
            raise InstructorError(f"recording the expected values: {exc}") from None
    for module, data in recordings.items():
        path = dest / oracle.EXPECTED_DIR.relative_to(KIT_ROOT) / f"{module}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(oracle.dump_recording(data), encoding="utf-8")
        written.append(path.relative_to(dest).as_posix())
    return written


def needs_rust(ctx: ReleaseContext) -> bool:
    """Whether a level of the repository builds Rust (level 0's maturin crate)."""
    return any(level.build.get("kind") == "maturin" for level in ctx.levels)


def other_levels(root: Path, ctx: ReleaseContext) -> list[str]:
    """What a one-level repository leaves out (fnmatch patterns): the other levels' files,
    and the Rust workspace when the level builds no Rust."""
    ids = {level.id for level in ctx.levels}
    ids |= {owner for level in ctx.levels for owner in level.borrowed.values()}  # files used
    patterns = []
    for level in all_levels(root):
        if level.id not in ids:
            patterns += [f"assignments/{level.id}", f"autograder/suites/{level.id}",
                         f"autograder/levels/{level.id}.toml"]
    return patterns if needs_rust(ctx) else [*patterns, "rust_kernels"]


def workflow_text(ctx: ReleaseContext, level: str | None) -> str:
    """The repository's Classroom workflow: grading `level` (or all), with the Rust steps
    only when a level builds Rust."""
    workflow = (TEMPLATES / "classroom.yml").read_text(encoding="utf-8")
    workflow = workflow.replace("@LEVEL@", level or "all")
    if not needs_rust(ctx):
        workflow = RUST_BLOCK.sub("", workflow)
    return workflow.replace("@CACHE_DIR@", WORKFLOW_CACHE_DIR)


def build(root: Path, dest: Path, level: str | None = None) -> ReleaseContext:
    """Write the student repository into `dest` (an empty folder); return the release context.
    With `level`, the repository holds that level only (and Rust only if it builds Rust)."""
    ctx = generate(root, level)
    leave_out = other_levels(root, ctx) if level else []
    for rel in INCLUDE:
        _copy_tree(root, rel, dest, leave_out)
    record_expected(root, dest, ctx)
    for item in ctx.files:  # the generated stubs win over whatever the kit tree holds
        target = dest / item.target.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.stub or "", encoding="utf-8")
    workflow = workflow_text(ctx, level)
    (dest / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (dest / ".github" / "workflows" / "classroom.yml").write_text(workflow, encoding="utf-8")
    (dest / ".github" / "scripts").mkdir(parents=True, exist_ok=True)
    shutil.copy2(TEMPLATES / "classroom_payload.py", dest / ".github" / "scripts")
    readme = (TEMPLATES / "README.student.md").read_text(encoding="utf-8")
    readme = readme.replace("@LEVEL_ROWS@", _level_rows(ctx))
    (dest / "README.md").write_text(readme, encoding="utf-8")
    return ctx


def _text_files(folder: Path) -> list[tuple[str, Path]]:
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(folder).parts:
            out.append((path.relative_to(folder).as_posix(), path))
    return out


def scan(repo: Path, root: Path, ctx: ReleaseContext | None = None) -> LeakReport:
    """Scan a student repository for anything of `root`'s solutions or hidden tests."""
    ctx = ctx or generate(root, None)
    report = LeakReport()
    for pattern in FORBIDDEN:
        for path in sorted(repo.glob(pattern)):
            report.paths.append(f"{path.relative_to(repo).as_posix()}: must not be shipped")
    secrets: dict[tuple[str, ...], str] = {}
    for item in ctx.files:
        for window in leaks.solution_windows(item.source, item.solution):
            secrets.setdefault(window, item.source.relative_to(root).as_posix())
    suites = root / "autograder" / "suites"
    hidden = leaks.hidden_test_names(suites.glob("*/hidden*/**/*.py"))
    public = leaks.hidden_test_names(
        p for p in suites.glob("*/**/*.py") if "hidden" not in p.relative_to(suites).as_posix()
    )
    hidden -= public
    code = leaks.reference_secrets(root)
    student_files = {f.target.relative_to(root).as_posix() for f in ctx.files}
    for rel, path in _text_files(repo):
        if path.stat().st_size > MAX_SCAN_BYTES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for window in leaks.find_solution_windows(set(secrets), path, text):
            report.solution_text.append(
                f"{rel}: solution lines {' / '.join(window)!r} (from {secrets[window]})"
            )
        report.reference_code += [f"{rel}:{found}" for found in
                                  leaks.find_reference_code(code, path, text)]
        for name in leaks.find_names(hidden, text):
            report.hidden_names.append(f"{rel}: hidden test name {name!r}")
        if rel in student_files or rel.startswith("assignments/") or path.suffix == ".ipynb":
            for number, line in leaks.find_markers(text):
                report.markers.append(f"{rel}:{number}: marker {line!r}")
    return report


def _first_line(exc: BaseException) -> str:
    """An error as one line (shutil.Error holds a list of every file that failed)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        failed = exc.args[0]
        return f"{len(failed)} file(s) not copied, first: {failed[0][0]}: {failed[0][2]}"
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _copy_keeping(staged: Path, dest: Path) -> list[Path]:
    """Copy the staged tree into `dest`; a different file already at a path is kept beside it
    as `NAME.~N~` (as `grade.py -o` keeps a report), never lost. Returns the kept names."""
    kept = []
    for folder, _, names in os.walk(staged):
        target_folder = dest / Path(folder).relative_to(staged)
        target_folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            source, target = Path(folder) / name, target_folder / name
            if target.is_dir() and not target.is_symlink():
                raise InstructorError(f"{target} is a folder where the student repo has a file")
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=target_folder)
            os.close(fd)
            try:
                shutil.copy2(source, tmp)
                backup = replace_keeping(Path(tmp), target)
            finally:
                Path(tmp).unlink(missing_ok=True)
            if backup is not None:
                kept.append(backup)
    return kept


def write_student_repo(root: Path, dest: Path, force: bool = False, level: str | None = None):
    """Build, scan, then copy into `dest`; raise InstructorError on bad input or a leak."""
    dest = dest.resolve()
    if _is_inside(root, dest):
        raise InstructorError(f"{dest} contains the kit itself: choose another folder")
    if any(_is_inside(dest, (root / rel).resolve()) for rel in [*INCLUDE, "solutions", "tests"]):
        raise InstructorError(f"{dest} is inside a folder of the kit that would be copied")
    if dest.exists() and not dest.is_dir():
        raise InstructorError(f"{dest} is not a folder")
    try:  # a folder below a file, or where this user cannot write: before minutes of building
        check_output(dest / "README.md")
    except OutputError as exc:
        raise InstructorError(f"--student-repo {dest} cannot be written: {exc}") from None
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise InstructorError(f"{dest} is not empty (use --force to write into it anyway)")
    with tempfile.TemporaryDirectory(prefix="student-repo-") as tmp:
        staged = Path(tmp)
        ctx = build(root, staged, level)
        problems = scan(staged, root, ctx).problems()
        if problems:
            raise InstructorError("leak scan failed, nothing written:\n" + "\n".join(problems))
        try:
            ctx.kept = _copy_keeping(staged, dest)
        except (OSError, shutil.Error) as exc:
            raise InstructorError(f"writing {dest}: {_first_line(exc)}") from None
    problems = scan(dest, root, ctx).problems()
    if problems:
        raise InstructorError(
            f"leak scan of {dest} failed (files already there):\n" + "\n".join(problems)
        )
    return ctx


def run(args: argparse.Namespace) -> int:
    """Entry from `grade.py release --student-repo DIR`: 0 ok, 1 leak found, 2 bad input."""
    root = (args.root or kit_root()).resolve()
    level = None if args.level in (None, "all") else args.level
    try:
        ctx = write_student_repo(root, args.student_repo, force=args.force, level=level)
    except USER_ERRORS as exc:
        lines = str(exc).splitlines()
        status = 1 if lines[0].startswith("leak scan") else 2
        for line in lines:
            print(f"release: error: {line}", file=sys.stderr)
        return status
    print(
        f"student repository written to {args.student_repo} "
        f"({len(ctx.files)} generated files, leak scan clean)"
    )
    if ctx.kept:
        print(f"{len(ctx.kept)} different file(s) already there kept beside the new ones, "
              f"first: {ctx.kept[0]}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Same options as `grade.py release` (this is its --student-repo mode)."""
    from autograder.instructor import release

    release.add_arguments(parser)


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="python -m autograder.instructor.student_repo")
    add_arguments(_parser)
    _args = _parser.parse_args()
    if _args.student_repo is None:
        _parser.error("--student-repo DIR is required")
    sys.exit(run(_args))
