"""The grade.py command line on the demo level: exit statuses, formats, errors for users."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import ENGINE_KIT, KIT, run_grade

SCHEMA = json.loads((KIT / "autograder/report/gradescope_schema.json").read_text())


def test_help_explains_commands_and_examples() -> None:
    """--help lists the commands, examples and exit statuses."""
    graded = run_grade("--help", kit_root=ENGINE_KIT)
    assert graded.returncode == 0
    for text in ("demo", "--submission", "examples:", "exit status"):
        assert text in graded.stdout


def test_closed_output_pipe_stops_quietly() -> None:
    """`grade.py ... | head` with the reader gone: exit 141, no traceback, nothing on stderr."""
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    proc = subprocess.Popen([sys.executable, str(KIT / "grade.py"), "demo", "--list"], cwd=KIT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before the first line is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert stderr == ""


def test_solutions_full_marks_exit_0(tmp_path: Path) -> None:
    """The reference solutions get 100/100 and exit status 0."""
    graded = run_grade("demo", "--solutions", kit_root=ENGINE_KIT, json_out=tmp_path / "r.json")
    assert graded.returncode == 0
    assert graded.record["points"] == 100 and graded.record["max_points"] == 100
    assert "TOTAL 100/100" in graded.stderr  # --output FILE: one summary line on stderr


def test_stubs_zero_every_test_not_implemented_exit_1(tmp_path: Path) -> None:
    """The stubs get 0 with every test 'not implemented' and exit status 1."""
    graded = run_grade("demo", kit_root=ENGINE_KIT, json_out=tmp_path / "r.json")
    assert graded.returncode == 1
    assert graded.record["points"] == 0
    assert set(graded.outcomes().values()) == {"not implemented"}


@pytest.mark.parametrize("args", [["level-9"], ["demo", "--submission", "/no/such/dir"],
                                  ["demo", "--format", "yaml"], ["demo", "--bogus"]])
def test_bad_input_one_line_exit_2(args: list[str]) -> None:
    """Bad usage or input: exit 2, one line on stderr, no traceback."""
    graded = run_grade(*args, kit_root=ENGINE_KIT)
    assert graded.returncode == 2
    assert len(graded.stderr.strip().splitlines()) == 1
    assert "Traceback" not in graded.stderr


def _broken_kit(tmp_path: Path, edit: str) -> Path:
    root = tmp_path / "kit"
    shutil.copytree(ENGINE_KIT, root, ignore=shutil.ignore_patterns("submissions"))
    suite = root / "autograder/suites/demo/public/test_arith.py"
    if edit == "kit bug":
        suite.write_text(suite.read_text() + "\n\n@pytest.mark.points(0)\n"
                         "def test_kit_bug(student):\n    {}['missing']\n")
    else:  # the points no longer add up to the manifest's part
        suite.write_text(suite.read_text().replace("points(20)", "points(25)", 1))
    return root


@pytest.mark.parametrize("edit", ["kit bug", "points mismatch"])
def test_grader_error_exit_3(tmp_path: Path, edit: str) -> None:
    """A fault of the kit is a grader error (exit 3), never silently zero points."""
    graded = run_grade("demo", "--solutions", kit_root=_broken_kit(tmp_path, edit),
                       json_out=tmp_path / "r.json")
    assert graded.returncode == 3
    assert "Traceback" not in graded.stderr
    assert "grader error" in graded.stdout + graded.stderr


def test_gradescope_format_matches_schema(tmp_path: Path) -> None:
    """--format gradescope writes Gradescope's results.json; hidden tests after_published."""
    out = tmp_path / "results.json"
    graded = run_grade("demo", "--format", "gradescope", "--output", out, kit_root=ENGINE_KIT)
    assert graded.returncode == 1
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0
    visibility = {t["name"].split(" · ")[1]: t["visibility"] for t in results["tests"]}
    assert visibility["add adds two numbers."] == "visible"
    assert visibility["safe_div divides."] == "after_published"
    assert sum(t["max_score"] for t in results["tests"]) == 100


def test_schema_rejects_a_wrong_results_file() -> None:
    """The schema the kit validates against can fail (a bad visibility is refused)."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1, "tests": [{"score": 1, "visibility": "later"}]}, SCHEMA)


def test_junit_and_json_formats(tmp_path: Path) -> None:
    """--format junit is valid XML with one testcase per test; json is the full record."""
    out = tmp_path / "junit.xml"
    run_grade("demo", "--solutions", "--format", "junit", "--output", out, kit_root=ENGINE_KIT)
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "0"
    graded = run_grade("demo", "--solutions", kit_root=ENGINE_KIT, json_out=tmp_path / "r.json")
    assert {p["id"] for p in graded.record["levels"][0]["parts"]} == {"arith", "robust"}


def test_github_step_summary_is_appended(tmp_path: Path) -> None:
    """With GITHUB_STEP_SUMMARY set, a Markdown table is appended to that file."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier content\n")
    run_grade("demo", "--solutions", kit_root=ENGINE_KIT,
              env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert text.startswith("earlier content\n")
    assert "| demo | arithmetic | 60/60 |" in text


def test_list_and_keyword(tmp_path: Path) -> None:
    """--list shows tests and points without running them; -k runs a subset."""
    listed = run_grade("demo", "--list", kit_root=ENGINE_KIT)
    assert listed.returncode == 0
    assert "5 tests, 100 points" in listed.stdout
    graded = run_grade("demo", "--solutions", "-k", "div", kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    assert sorted(graded.outcomes()) == ["test_div", "test_div_zero"]
    assert graded.record["max_points"] == 40


def test_submission_extra_files_are_ignored_and_listed(tmp_path: Path) -> None:
    """Files outside the assignment are not copied, and the report lists them as ignored."""
    sub = tmp_path / "sub"
    shutil.copytree(ENGINE_KIT / "solutions/demo", sub)
    (sub / "notes.txt").write_text("hello")
    (sub / "conftest.py").write_text("raise SystemExit('evil conftest')")
    graded = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    assert graded.record["points"] == 100
    assert sorted(graded.record["levels"][0]["ignored_files"]) == ["conftest.py", "notes.txt"]
    shown = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT)
    assert "ignored (not part of the assignment)" in shown.stdout


def test_missing_file_graded_as_stub(tmp_path: Path) -> None:
    """A submission without a student file is graded with the stub, and the report says so."""
    sub = tmp_path / "sub"
    (sub / "calc").mkdir(parents=True)
    shutil.copy(ENGINE_KIT / "solutions/demo/calc/__init__.py", sub / "calc")
    graded = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    assert graded.record["levels"][0]["missing_files"] == ["calc/ops.py"]
    assert graded.record["points"] == 0


def _demo_submission(tmp_path: Path) -> Path:
    sub = tmp_path / "sub"
    shutil.copytree(ENGINE_KIT / "solutions/demo", sub)
    return sub


@pytest.mark.parametrize("where", ["a student file", "the student's folder", "a folder",
                                   "below a file", "the history", "/proc"])
def test_a_report_path_that_cannot_take_it_is_refused_before_grading(
        tmp_path: Path, where: str) -> None:
    """-o onto the files being graded, a folder, a path below a file, the grading history, or
    a folder no file can be made in whoever asks (/proc: even root, whom access() says yes
    to): exit 2 in one line before any test runs, and the file there is unchanged."""
    sub = _demo_submission(tmp_path)
    history = tmp_path / "history.sqlite"
    history.write_bytes(b"")
    (tmp_path / "plain").write_text("x")
    target = {"a student file": sub / "calc/ops.py", "the student's folder": sub / "calc/r.json",
              "a folder": sub, "below a file": tmp_path / "plain/r.json",
              "the history": history, "/proc": Path("/proc/teenygrad-report.json")}[where]
    before = target.read_bytes() if target.is_file() else None
    graded = run_grade("demo", "--submission", sub, "--format", "json", "--output", target,
                       kit_root=ENGINE_KIT, env={"TEENYGRAD_HISTORY": str(history)})
    assert graded.returncode == 2, graded.stderr
    assert len(graded.stderr.strip().splitlines()) == 1 and "Traceback" not in graded.stderr
    assert "TOTAL" not in graded.stdout + graded.stderr, "it graded first"
    assert (target.read_bytes() if target.is_file() else None) == before
    assert not (sub / "calc/r.json").exists()


def test_an_existing_report_file_is_kept(tmp_path: Path) -> None:
    """-o onto a file that is there: the report replaces it, the old file is kept beside it
    under a numbered name, and the summary line says so. The submission's folder itself may
    take a report (GitHub Classroom writes results.json there)."""
    sub = _demo_submission(tmp_path)
    out = sub / "results.json"
    out.write_text("an earlier roster\n")
    graded = run_grade("demo", "--submission", sub, "--format", "json", "--output", out,
                       kit_root=ENGINE_KIT)
    assert graded.returncode == 0, graded.stderr
    assert json.loads(out.read_text())["points"] == 100
    assert (sub / "results.json.~1~").read_text() == "an earlier roster\n"
    assert "results.json.~1~" in graded.stderr


@pytest.mark.parametrize("argv", [
    ["gradescope", "demo", "-o", "{tmp}"],  # a folder: OutputError, from the shared main
    ["gradescope", "nope"],  # an unknown level: the module's own one line
    ["gradescope", "demo", "--run", "--timeout", "-1"],  # argparse: the shared parser
    ["batch", "demo", "{tmp}", "--csv", "{tmp}/g.csv", "--timeout", "nan"],
    ["batch", "demo"],  # a missing argument: one line, not a usage dump
    ["mutation", "demo", "--sample", "-1"],
], ids=["gs-output-folder", "gs-unknown-level", "gs-timeout", "batch-timeout",
        "batch-missing-arg", "mutation-sample"])
def test_python_m_entry_points_behave_as_grade_py(tmp_path: Path, argv: list[str]) -> None:
    """`python -m autograder.instructor.NAME ARGS` is `grade.py NAME ARGS`: the same exit
    status and the same one line (no traceback), whatever the error."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    module = f"autograder.instructor.{argv[0]}"
    via_cli = subprocess.run([sys.executable, str(KIT / "grade.py"), *argv], env=env,
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    via_m = subprocess.run([sys.executable, "-m", module, *argv[1:]], env=env, cwd=KIT,
                           capture_output=True, text=True, timeout=120)
    assert via_cli.returncode == via_m.returncode == 2, (via_cli.stderr, via_m.stderr)
    for proc in (via_cli, via_m):
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert via_cli.stderr.split("error:", 1)[1] == via_m.stderr.split("error:", 1)[1]


@pytest.mark.parametrize("command", ["batch", "gradescope", "mutation"])
def test_instructor_help_states_exit_statuses_and_files(command: str) -> None:
    """Each instructor command's --help (either entry point) ends with its exit statuses and
    says what happens to files already there."""
    for cmd in ([sys.executable, str(KIT / "grade.py"), command, "--help"],
                [sys.executable, "-m", f"autograder.instructor.{command}", "--help"]):
        proc = subprocess.run(cmd, cwd=KIT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "exit status: 0" in proc.stdout and "files:" in proc.stdout
