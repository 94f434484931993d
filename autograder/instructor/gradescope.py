"""`grade.py gradescope LEVEL -o autograder.zip`: a Gradescope autograder for one level.

The zip holds, at its root (Gradescope unpacks it into /autograder/source):
- the kit without `solutions/` or the kit's own tests (hidden suites included: Gradescope's
  autograder is private to the course staff), with the generated stubs in `assignments/`;
- `setup.sh`, run once when Gradescope builds the image: a Python >= 3.11 virtual environment
  with the kit installed, the Rust toolchain (level 0), and level 0's crate built once so its
  dependencies are cached;
- `run_autograder`, run for every submission: `python grade.py LEVEL --submission
  /autograder/submission --format gradescope --output /autograder/results/results.json`
  through `run_autograder()` below, which writes a valid results.json whatever happens (bad upload,
  grader crash, timeout, even a Python that cannot start: the shell script has a last resort).

The root (`/autograder`) comes from `--root` or `$AUTOGRADER_ROOT`, so the kit's tests run the
real `run_autograder` in a temporary folder laid out like /autograder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from autograder.cli import positive_seconds
from autograder.instructor.levels import USER_ERRORS, kit_root, select_levels
from autograder.instructor.release import generate
from autograder.instructor.run_grade import run_grade
from autograder.judge import sandbox
from autograder.report.files import check_output, produce_atomically

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_ROOT = "/autograder"
DEFAULT_TIMEOUT = 2100.0  # seconds for one submission, under Gradescope's 40-minute maximum

#: Copied from the kit into the zip (relative to the kit root).
INCLUDE = ["grade.py", "pyproject.toml", "README.md", "autograder", "assignments", "rust_kernels"]
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis", "target"}
SKIP_SUFFIXES = {".pyc", ".so"}

SUPPORT = "please tell the course staff; this is not a problem with your work"


# --- building the zip ---------------------------------------------------------------------


def _kit_files(root: Path) -> list[tuple[str, Path]]:
    files = []
    for rel in INCLUDE:
        src = root / rel
        paths = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
        for path in paths:
            arc = path.relative_to(root).as_posix()
            if SKIP_PARTS.isdisjoint(Path(arc).parts) and path.suffix not in SKIP_SUFFIXES:
                files.append((arc, path))
    return files


def _script(name: str, level: str, unsandboxed: bool = False) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8").replace("@LEVEL@", level)
    return text.replace("@UNSANDBOXED@", "--unsandboxed" if unsandboxed else "")


def _add(archive: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)


def build_zip(root: Path, level: str, output: Path, unsandboxed: bool = False
              ) -> tuple[list[str], Path | None]:
    """Write the autograder zip for `level`, all at once or not at all; return its member
    names and where a different file that was at `output` is kept (`output.~N~`, else None).
    OutputError (one line) for an `output` that cannot take the zip, before it is built."""
    select_levels(root, level)  # one-line error for an unknown level
    check_output(output, never=[(root / rel, "part of the kit the zip is made from")
                                for rel in INCLUDE])
    ctx = generate(root, level)
    stubs = {item.target.relative_to(root).as_posix(): item.stub or "" for item in ctx.files}

    def write_zip(tmp: Path) -> list[str]:
        with zipfile.ZipFile(tmp, "w") as archive:
            for arc, path in _kit_files(root):
                if arc not in stubs:
                    _add(archive, arc, path.read_bytes(), executable=os.access(path, os.X_OK))
            for arc, text in sorted(stubs.items()):
                _add(archive, arc, text.encode("utf-8"))
            _add(archive, "setup.sh", _script("gradescope_setup.sh", level).encode(), True)
            runner = _script("run_autograder", level, unsandboxed)
            _add(archive, "run_autograder", runner.encode(), True)
            names.extend(archive.namelist())

    names: list[str] = []
    kept = produce_atomically(output, write_zip, ".partial")
    return names, kept


# --- running one submission ---------------------------------------------------------------


def fallback_results(message: str, elapsed: float = 0.0) -> dict[str, Any]:
    """A valid results.json for a run that produced none: 0 points, the reason, who to ask."""
    return {
        "score": 0.0,
        "execution_time": round(elapsed, 3),
        "output": message,
        "output_format": "text",
        "visibility": "visible",
        "tests": [
            {
                "name": "grading",
                "score": 0.0,
                "max_score": 100.0,
                "status": "failed",
                "output": message,
                "visibility": "visible",
            }
        ],
    }


def validate(results: Any) -> str | None:
    """None if `results` follows the Gradescope schema, else the first problem (one line)."""
    schema_path = Path(__file__).resolve().parents[1] / "report" / "gradescope_schema.json"
    if not isinstance(results, dict):
        return "results.json is not a JSON object"
    try:
        import jsonschema
    except ImportError:
        return None if "score" in results or "tests" in results else "no score and no tests"
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None if "score" in results or "tests" in results else "no score and no tests"
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(results)
    )
    return None if error is None else f"{'/'.join(map(str, error.path))}: {error.message}"


def run_autograder(
    root: Path,
    level: str,
    timeout: float = DEFAULT_TIMEOUT,
    source: Path | None = None,
    unsandboxed: bool = False,
) -> dict[str, Any]:
    """Grade `root/submission` and write `root/results/results.json`; return what was written.

    Never raises for a submission problem: every path ends in a schema-valid results.json.
    """
    started = time.monotonic()
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    source = source or Path(__file__).resolve().parents[2]
    refused = "" if unsandboxed else sandbox.refusal("gradescope")
    try:
        if refused:  # not the student's fault, and no grade to give: say so, score nothing
            print(refused, file=sys.stderr)
            results = fallback_results(
                "This autograder cannot sandbox student code on this machine, so it will not "
                f"grade (nothing is wrong with your work); {SUPPORT}."
            )
        else:
            results = _run_grader(root, source, level, timeout, started)
    except Exception as exc:  # noqa: BLE001 - whatever breaks, the student gets a results.json
        results = fallback_results(
            f"The autograder failed ({type(exc).__name__}: {exc}); {SUPPORT}.",
            time.monotonic() - started,
        )
    problem = validate(results)
    if problem is not None:
        results = fallback_results(
            f"The autograder wrote an invalid results.json ({problem}); {SUPPORT}.",
            time.monotonic() - started,
        )
    tmp = results_path.with_name(".results.json.partial")
    tmp.write_text(json.dumps(results, indent=2), encoding="utf-8")
    os.replace(tmp, results_path)
    return results


def _run_grader(root: Path, source: Path, level: str, timeout: float, started: float):
    submission = root / "submission"
    if not submission.is_dir():
        return fallback_results(f"No submission found at {submission}; {SUPPORT}.")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        # The upload is graded where it is: grade.py takes only its plain student files (a
        # flat upload of bare files by file name), links and special files never followed.
        out = Path(tmp) / "results.json"
        run = run_grade(source / "grade.py", [level, "--submission", submission, "--format",
                        "gradescope", "--output", out, "--quiet"], cwd=source, timeout=timeout)
        status, stderr = run.returncode, run.stderr
        elapsed = time.monotonic() - started
        if status is None:
            return fallback_results(
                f"Grading took longer than {timeout:.0f} s and was stopped. Look for an "
                "infinite loop or a very slow function, then submit again.",
                elapsed,
            )
        last = (stderr.strip().splitlines() or [""])[-1]
        if out.is_file():
            results = json.loads(out.read_text(encoding="utf-8"))
            if status == 3 and isinstance(results, dict):
                results["output"] = f"The grader itself failed ({last}); {SUPPORT}.\n\n" + str(
                    results.get("output", "")
                )
            return results
        if status == 2:
            reason = last.removeprefix("grade.py: error: ")
            return fallback_results(f"Your submission could not be graded: {reason}", elapsed)
        return fallback_results(
            f"The grader stopped without results (exit {status}: {last}); {SUPPORT}.", elapsed
        )


# --- command line -------------------------------------------------------------------------


EPILOG = """\
files: the zip (-o FILE) is written all at once (no partial file is left behind); a
  different file already at FILE is kept as FILE.~1~ (~2~, ...). FILE must not be a folder,
  below a file, or inside the kit's files the zip is made from. With --run: ROOT/results/
  results.json is replaced (Gradescope gives each run a fresh ROOT).

exit status: 0 zip written (with --run: a results.json written, whatever the grade),
  2 bad usage or input (one line), 3 grader error
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py gradescope`."""
    parser.add_argument("level", help="the level this autograder grades (e.g. level-1)")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("autograder.zip"),
        help="zip to write (default: autograder.zip; a different file there is kept as "
        "FILE.~1~)",
    )
    parser.add_argument(
        "--run",
        action="store_true",
        help="grade ROOT/submission into ROOT/results/results.json "
        "(what run_autograder does inside Gradescope)",
    )
    parser.add_argument(
        "--unsandboxed",
        action="store_true",
        help="grade even where student code cannot be sandboxed (not authoritative; with "
        "a zip: baked into its run_autograder)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT),
        help="with --run: the Gradescope root (default: $AUTOGRADER_ROOT or /autograder)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,  # applied to the default too: a bad environment value is refused
        default=os.environ.get("TEENYGRAD_GRADESCOPE_TIMEOUT") or str(DEFAULT_TIMEOUT),
        help=f"with --run: seconds before grading is stopped (default {DEFAULT_TIMEOUT:.0f}, "
        "or $TEENYGRAD_GRADESCOPE_TIMEOUT)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the zip, or (--run) grade one submission; 0 ok, 2 bad input (see EPILOG)."""
    if args.run:
        results = run_autograder(
            args.root, args.level, args.timeout, unsandboxed=args.unsandboxed
        )
        print(f"results.json: {results.get('score', 0)} points")
        return 0
    try:
        names, kept = build_zip(kit_root(), args.level, args.output, args.unsandboxed)
    except USER_ERRORS as exc:
        for line in str(exc).splitlines():
            print(f"gradescope: error: {line}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.output} ({len(names)} files) — upload it as the Gradescope autograder "
        f"of {args.level}; see docs/instructor.md"
    )
    if kept is not None:
        print(f"gradescope: the file that was at {args.output} is kept as {kept}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":  # the same parser, help and errors as `grade.py gradescope`
    from autograder.cli import command_main

    command_main("gradescope", sys.modules[__name__])
