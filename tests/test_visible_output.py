"""What students see before grades are published: hidden tests only as a count with points.

Every student-facing channel (Gradescope's visible output, visible test entries and
leaderboard; the GitHub step summary; the notebook's engine cells, which nbgrader turns into
feedback) is checked for the title, message, input, detail and printed output of each hidden
test, on a made-up record and on a real level -1 grading.
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import jsonschema
import pytest
from conftest import KIT, build_submission, run_grade

from autograder.instructor import handouts
from autograder.report import record as rec
from autograder.report.formats import to_gradescope, to_markdown, to_notebook
from autograder.report.record import LevelResult, RunRecord
from autograder.report.text import render

SCHEMA = json.loads((KIT / "autograder/report/gradescope_schema.json").read_text())
STUDENT_ONLY = {"after_published", "hidden"}  # Gradescope entries not shown before publishing


def _test(name: str, title: str, part: str, outcome: str, points: float, **text: str
          ) -> rec.TestResult:
    return rec.TestResult(nodeid=f"suite.py::{name}", name=name, title=title, part=part,
                      max_points=4.0, points=points, outcome=outcome, **text)


def _secrets(n: int) -> dict[str, str]:
    return {"message": f"SECRET-MSG-{n} for input x=[SECRET-INPUT-{n}]",
            "detail": f"SECRET-DETAIL-{n}", "output": f"SECRET-PRINT-{n}"}


def made_up_record() -> RunRecord:
    """A level with public and hidden tests (passing, failing, partial, grader error), each
    carrying distinctive strings, a benchmark row of a hidden test and a grader error that
    quotes a hidden suite."""
    tests = [
        _test("test_pub_ok", "PUBLIC-TITLE-A passes", "one", "passed", 4.0),
        _test("test_pub_bad", "PUBLIC-TITLE-B fails", "one", "failed", 0.0,
              message="PUBLIC-MSG-B", detail="PUBLIC-DETAIL-B", output="PUBLIC-PRINT-B"),
        _test("test_secret_1", "SECRET-TITLE-1", "one", "failed", 0.0, **_secrets(1)),
        _test("test_secret_2", "SECRET-TITLE-2", "two", "passed", 4.0, **_secrets(2)),
        _test("test_secret_3", "SECRET-TITLE-3", "two", "grader error", 0.0, **_secrets(3)),
        _test("test_secret_4", "SECRET-TITLE-4", "two", "partial credit", 1.5, **_secrets(4)),
    ]
    for test in tests[2:]:
        test.hidden = True
    level = LevelResult(level="demo", title="Demo level", source="submission", tests=tests,
                        notes=["PUBLIC-NOTE"])
    level.benchmarks = [
        {"name": "PUBLIC-BENCH", "test": "test_pub_ok", "gflops": 3.0},
        {"name": "SECRET-BENCH-2", "test": "test_secret_2", "gflops": 12.5, "n": 77},
    ]
    level.summarize_parts({"one": "Part one", "two": "Part two"})
    return RunRecord(levels=[level], grader_error=(
        "other: could not collect suites/other/hidden/test_x.py: SECRET-GRADER-ERROR"))


def hidden_strings(record: RunRecord) -> list[str]:
    """Everything a hidden test produced, and the grader error's text."""
    found = [record.grader_error]
    for level in record.levels:
        hidden = [t for t in level.tests if t.hidden]
        found += [s for t in hidden for s in (t.title, t.message, t.detail, t.output) if s]
        names = {t.name for t in hidden}
        found += [row["name"] for row in level.benchmarks if row.get("test") in names]
    return found


def engine_cell_output(record: RunRecord, tmp_path: Path, monkeypatch, capsys) -> str:
    """What the notebook's engine cells print (and raise) for `record`: the text that
    nbgrader's generate_feedback shows students."""
    scope: dict = {}
    exec(handouts.SETUP.replace("@LEVEL@", "demo").replace("@SIG@", "4"), scope)  # noqa: S102

    def fake_run(cmd: list[str], **kwargs: object) -> types.SimpleNamespace:
        assert cmd[cmd.index("--format") + 1] == "notebook"
        Path(cmd[cmd.index("--output") + 1]).write_text(to_notebook(record))
        return types.SimpleNamespace(returncode=3 if record.has_grader_fault() else 1,
                                     stdout="", stderr="")

    scope["subprocess"] = types.SimpleNamespace(run=fake_run)
    monkeypatch.chdir(tmp_path)
    texts = []
    for part in ("one", "two"):
        try:
            scope["engine_points"](part, 8)
        except RuntimeError as exc:  # shown in the feedback as the cell's error
            texts.append(str(exc))
    return capsys.readouterr().out + "\n".join(texts)


def visible_gradescope(results: dict) -> str:
    """Every field of a results.json that students see before grades are published."""
    shown = {k: v for k, v in results.items() if k != "tests"}
    shown["tests"] = [t for t in results["tests"] if t["visibility"] not in STUDENT_ONLY]
    return json.dumps(shown, ensure_ascii=False)


def test_no_hidden_test_detail_reaches_any_student_visible_channel(tmp_path, monkeypatch,
                                                                   capsys):
    """Gradescope, the step summary and the notebook cells show hidden tests as a count."""
    record = made_up_record()
    secrets = hidden_strings(record)
    full = render(record, verbose=True)  # the instructors' report names them all
    unsaid = [s for s in secrets if s not in full]  # a passed test's message, detail, print
    assert unsaid == [s for s in secrets if s.startswith(("SECRET-MSG-2", "SECRET-DETAIL-2",
                                                           "SECRET-PRINT-2"))]
    results = to_gradescope(record)
    jsonschema.validate(results, SCHEMA)
    channels = {
        "gradescope": visible_gradescope(results),
        "step summary": to_markdown(record),
        "notebook": engine_cell_output(record, tmp_path, monkeypatch, capsys),
    }
    for channel, text in channels.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{channel} shows {leaked}:\n{text}"
        for public in ("PUBLIC-TITLE-A", "PUBLIC-TITLE-B", "PUBLIC-MSG-B", "PUBLIC-NOTE"):
            assert public in text, f"{channel} lacks {public}:\n{text}"
        assert "hidden tests: 1 of 4 passed, 5.5/16 points" in text, channel
        assert "grader" in text and "not your fault" in text, channel
    assert "PUBLIC-BENCH" in channels["gradescope"] and "PUBLIC-BENCH" in channels["step summary"]
    assert [row["name"] for row in results["leaderboard"]] == ["PUBLIC-BENCH GFLOP/s"]


def test_hidden_details_live_in_their_own_after_published_entries():
    """Each hidden test's title, message and benchmark rows are in its own entry, shown after
    publishing; the grader error's text in an entry students never see."""
    results = to_gradescope(made_up_record())
    entries = {t["name"]: t for t in results["tests"]}
    for n in (1, 2, 3, 4):
        entry = entries[f"demo · SECRET-TITLE-{n}"]
        assert entry["visibility"] == "after_published"
        assert f"SECRET-MSG-{n}" in entry["output"] and f"SECRET-PRINT-{n}" in entry["output"]
    assert "SECRET-BENCH-2" in entries["demo · SECRET-TITLE-2"]["output"]
    staff = [t for t in results["tests"] if t["visibility"] == "hidden"]
    assert len(staff) == 1 and "SECRET-GRADER-ERROR" in staff[0]["output"]
    numbers = [t["number"] for t in results["tests"] if t["visibility"] == "visible"]
    assert numbers == ["demo.1", "demo.2"]  # visible numbering shows no gap for hidden tests


def test_notes_cannot_quote_a_hidden_test():
    """Notes carry no test of origin, so no hidden test may write one (`report_note`)."""
    hidden = sorted((KIT / "autograder" / "suites").glob("*/hidden/**/*.py"))
    assert hidden
    assert not [p for p in hidden if "report_note" in p.read_text()]


def test_real_grading_shows_hidden_failures_only_as_a_count(tmp_path):
    """sgemm_ignores_beta fails public and hidden sgemm tests: results.json, the step summary
    and the notebook feedback show the public failure in full, the hidden ones as a count."""
    sub = build_submission(tmp_path / "sub", KIT / "solutions" / "level-1",
                           KIT / "tests" / "fixtures" / "level-1" / "sgemm_ignores_beta")
    out, summary = tmp_path / "results.json", tmp_path / "summary.md"
    graded = run_grade("level-1", "--submission", sub, "-k", "sgemm or saxpy", "--format",
                       "gradescope", "--output", out, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert graded.returncode == 1, graded.stderr
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    hidden = [t for t in results["tests"] if t["visibility"] == "after_published"]
    public = [t for t in results["tests"] if t["visibility"] == "visible"]
    failing = [t for t in hidden if t["status"] == "failed"]
    assert failing and [t for t in public if t["status"] == "failed"]
    public_text = json.dumps(public, ensure_ascii=False)
    secrets = {s[:40] for t in hidden for s in [_title(t), *_message(t)]}  # titles get cut
    secrets = {s for s in secrets if s not in public_text}
    assert secrets
    notebook = tmp_path / "notebook.json"
    run_grade("level-1", "--submission", sub, "-k", "sgemm or saxpy", "--format", "notebook",
              "--output", notebook)
    passed = len(hidden) - len(failing)
    public_failures = [m[:60] for t in public for m in _message(t)]
    assert public_failures
    for channel, text in {"gradescope": visible_gradescope(results),
                          "step summary": summary.read_text(),
                          "notebook": notebook.read_text()}.items():
        flat = " ".join(text.split())  # the text report wraps lines to the terminal's width
        leaked = [s for s in secrets if s in text or json.dumps(s)[1:-1] in text
                  or " ".join(s.split()) in flat]
        assert not leaked, f"{channel} shows {leaked}"
        assert f"hidden tests: {passed} of {len(hidden)} passed" in text, channel
        for message in public_failures:  # the public failures, in full
            assert (" ".join(message.split()) in flat or json.dumps(message)[1:-1] in text), \
                channel


def _title(entry: dict) -> str:
    return entry["name"].split(" · ", 1)[1]


def _message(entry: dict) -> list[str]:
    """A failed entry's one-line message (its output starts with "[failed]", then it)."""
    lines = entry["output"].splitlines()
    return lines[1:2] if entry["status"] == "failed" and lines[:1] == ["[failed]"] else []


@pytest.mark.parametrize("student_view", [False, True])
def test_full_report_keeps_hidden_details_for_instructors(student_view):
    """The terminal report (instructors) still names hidden tests; the student view does not."""
    text = render(made_up_record(), student_view=student_view)
    assert ("SECRET-TITLE-1 (hidden)" in text) is not student_view


def test_classroom_payload_withholds_hidden_tests(tmp_path: Path) -> None:
    """GitHub Classroom's reporter shows a hidden test only as points under a neutral name,
    and never a staff-only entry; so does the results.json a student can download from the
    run (the workflow uploads the student copy, not the grader's file)."""
    import base64
    import subprocess
    import sys

    from autograder.instructor import student_repo

    WITHHELD = "a hidden test: its details are withheld"  # noqa: N806 - the script's text
    results = {"score": 7, "tests": [
        {"name": "public one", "score": 5, "max_score": 5, "output": "fine",
         "visibility": "visible"},
        {"name": "SECRET hidden title", "score": 2, "max_score": 10,
         "output": "SECRET input [1, 2, 3]", "visibility": "after_published"},
        {"name": "grader error", "score": 0, "max_score": 0, "output": "SECRET traceback",
         "visibility": "hidden"}]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    script = student_repo.TEMPLATES / "classroom_payload.py"
    copy = tmp_path / "results-student.json"
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "results.json"),
                          str(copy)], capture_output=True, text=True, check=True).stdout
    data = json.loads(base64.b64decode(out.strip()[len("result="):]))
    assert "SECRET" not in json.dumps(data)
    assert [(t["name"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("public one", 5.0, 5.0), ("hidden test 1", 2.0, 10.0)]
    student = json.loads(copy.read_text())
    assert "SECRET" not in json.dumps(student)
    assert student["score"] == 7
    assert [(t["name"], t["score"], t["output"]) for t in student["tests"]] == [
        ("public one", 5.0, "fine"), ("hidden test 1", 2.0, WITHHELD)]
    workflow = (student_repo.TEMPLATES / "classroom.yml").read_text()
    upload = workflow[workflow.index("uses: actions/upload-artifact"):]
    assert "path: results-student.json" in upload.split("\n\n")[0]
