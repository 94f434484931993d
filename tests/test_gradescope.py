"""Gradescope: the zip's contents, and run_autograder always writing a schema-valid results.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from instructor_kit import make_kit  # noqa: E402

from autograder.instructor import gradescope  # noqa: E402
from autograder.instructor.levels import kit_root  # noqa: E402
from autograder.judge.workspace import Source, build_workspace  # noqa: E402
from autograder.levels import all_levels, load_level  # noqa: E402

SCHEMA = json.loads(
    (Path(gradescope.__file__).parents[1] / "report" / "gradescope_schema.json").read_text())


def assert_valid(results: dict) -> None:
    """The results follow Gradescope's results.json schema."""
    jsonschema.Draft202012Validator(SCHEMA).validate(results)


def fake_source(tmp_path: Path, body: str) -> Path:
    """A stand-in kit whose grade.py runs `body` (argv as in the real call)."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "grade.py").write_text("import json, sys, time\nargs = sys.argv[1:]\n"
                                     "out = args[args.index('--output') + 1]\n"
                                     + textwrap.dedent(body))
    return source


def gradescope_root(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    """A temporary folder laid out like /autograder, with a submission."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    for rel, text in (files or {"teenygrad/blas.py": "x = 1\n"}).items():
        (root / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / rel).write_text(text)
    return root


GOOD = """\
json.dump({"score": 7.5, "tests": [{"name": "a", "score": 7.5, "max_score": 10,
           "status": "failed", "output": "", "visibility": "visible"}]}, open(out, "w"))
sys.exit(1)
"""


@pytest.mark.parametrize(
    ("body", "score", "says"),
    [
        (GOOD, 7.5, ""),
        ("sys.exit(2)\n", 0.0, "could not be graded"),
        ("raise RuntimeError('boom')\n", 0.0, "stopped without results"),
        ("open(out, 'w').write('{not json')\nsys.exit(3)\n", 0.0, "autograder failed"),
        ("json.dump({'score': 'lots'}, open(out, 'w'))\n", 0.0, "invalid results.json"),
        ("time.sleep(60)\n", 0.0, "longer than 2 s"),
        ("json.dump({'score': 50, 'output': 'x'}, open(out, 'w'))\nsys.exit(3)\n", 50.0,
         "grader itself failed"),
    ],
    ids=["graded", "bad-input", "crash", "garbage", "schema", "timeout", "grader-error"],
)
def test_run_autograder_always_writes_valid_results(tmp_path, body, score, says):
    """Whatever grade.py does (grade, refuse, crash, hang, write garbage): valid JSON."""
    root = gradescope_root(tmp_path)
    results = gradescope.run_autograder(root, "level-1", timeout=2,
                                        source=fake_source(tmp_path, body))
    written = json.loads((root / "results" / "results.json").read_text())
    assert written == results
    assert_valid(written)
    assert written["score"] == score
    assert says in written.get("output", "")


def test_missing_submission_folder(tmp_path):
    """No /autograder/submission at all: a valid zero with the reason."""
    root = tmp_path / "autograder"
    results = gradescope.run_autograder(root, "level-1", source=fake_source(tmp_path, GOOD))
    assert_valid(results)
    assert "No submission found" in results["output"]


def test_flat_upload_is_taken_by_file_name(tmp_path):
    """A Gradescope upload of bare files is graded by key: `blas.py` as `teenygrad/blas.py`
    (the workspace does it, so the upload is never copied outside the one gate)."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "blas.py").write_text("x = 1\n")
    (sub / "notes.txt").write_text("y")
    ws = build_workspace(load_level("level-1"), Source("submission", sub))
    try:
        assert (ws.student / "teenygrad" / "blas.py").read_text() == "x = 1\n"
        assert "teenygrad/blas.py" not in ws.missing and "teenygrad/nested.py" in ws.missing
        assert ws.ignored == ["notes.txt"]
    finally:
        ws.cleanup()


def test_zip_layout(tmp_path):
    """setup.sh and run_autograder at the root (executable), stubs in, solutions out."""
    root = make_kit(tmp_path / "kit")
    (root / "grade.py").write_text("")
    (root / "autograder" / "suites" / "demo" / "hidden").mkdir(parents=True)
    (root / "autograder" / "suites" / "demo" / "hidden" / "test_h.py").write_text("")
    (root / "tests").mkdir()
    (root / "tests" / "test_kit.py").write_text("")
    names, _kept = gradescope.build_zip(root, "demo", tmp_path / "autograder.zip")
    assert {"setup.sh", "run_autograder", "grade.py", "assignments/demo/pkg/core.py",
            "rust_kernels/k/src/student.rs",
            "autograder/suites/demo/hidden/test_h.py"} <= set(names)
    assert not [n for n in names if n.startswith(("solutions/", "tests/"))]
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        assert "raise NotImplementedError" in archive.read("assignments/demo/pkg/core.py").decode()
        assert 'LEVEL="demo"' in archive.read("run_autograder").decode()


def test_run_autograder_script_survives_a_python_that_cannot_start(tmp_path):
    """The shell script's last resort: even without a working Python, results.json is valid."""
    root = gradescope_root(tmp_path)
    script = tmp_path / "run_autograder"
    script.write_text((gradescope.TEMPLATES / "run_autograder").read_text())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TEENYGRAD_PYTHON": "/bin/false"}
    subprocess.run(["/bin/bash", str(script)], env=env, check=True, capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    assert_valid(results)
    assert results["score"] == 0


@pytest.mark.slow
@pytest.mark.skipif(not any(lv.id == "level-1" for lv in all_levels(kit_root())),
                    reason="level-1 not written yet")
@pytest.mark.parametrize("which", ["solutions", "stubs"])
def test_real_zip_in_a_fake_autograder_root(tmp_path, which):
    """The level -1 zip, unpacked like Gradescope does, grades a submission end to end."""
    archive = tmp_path / "autograder.zip"
    gradescope.build_zip(kit_root(), "level-1", archive)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    base = kit_root() / ("solutions" if which == "solutions" else "assignments") / "level-1"
    shutil.copytree(base, root / "submission",
                    ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TEENYGRAD_PYTHON": sys.executable}
    proc = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=900)
    results = json.loads((root / "results" / "results.json").read_text())
    assert_valid(results)
    expected = 100.0 if which == "solutions" else 0.0
    assert results["score"] == expected, proc.stdout[-2000:] + proc.stderr[-2000:]


def gradescope_cli(kit: Path, *argv: str, module: bool = False) -> subprocess.CompletedProcess:
    """`grade.py gradescope ARGV` (module: `python -m autograder.instructor.gradescope`)."""
    cmd = ([sys.executable, "-m", "autograder.instructor.gradescope"] if module else
           [sys.executable, str(Path(gradescope.__file__).parents[2] / "grade.py"), "gradescope"])
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(kit)}
    return subprocess.run([*cmd, *argv], env=env, capture_output=True, text=True, timeout=120)


def test_an_existing_zip_is_kept_and_none_is_left_half_written(tmp_path):
    """-o FILE over a different file: the old one is kept as FILE.~1~ and the CLI says so;
    the same zip again keeps nothing; no partial file is ever left beside it."""
    kit = make_kit(tmp_path / "kit")
    out = tmp_path / "out" / "autograder.zip"
    out.parent.mkdir()
    out.write_text("last term's autograder")
    first = gradescope_cli(kit, "demo", "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert (out.parent / "autograder.zip.~1~").read_text() == "last term's autograder"
    assert "kept as" in first.stderr and zipfile.is_zipfile(out)
    again = gradescope_cli(kit, "demo", "-o", str(out))
    assert again.returncode == 0 and "kept as" not in again.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["autograder.zip",
                                                             "autograder.zip.~1~"]


@pytest.mark.parametrize("where", ["folder", "below-a-file", "read-only", "in-the-kit"])
@pytest.mark.parametrize("module", [False, True], ids=["grade.py", "python-m"])
def test_an_output_that_cannot_take_the_zip_is_refused(tmp_path, where, module):
    """-o a folder, below a file, in a read-only folder or over the kit's own files: exit 2,
    one line, no partial file; the same through `python -m autograder.instructor.gradescope`."""
    kit = make_kit(tmp_path / "kit")
    (kit / "grade.py").write_text("")
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if where == "read-only" and os.access(locked, os.W_OK):
        pytest.skip("this user writes in a read-only folder (root)")
    out = {"folder": tmp_path / "a-folder", "below-a-file": tmp_path / "a-file" / "x.zip",
           "read-only": locked / "x.zip", "in-the-kit": kit / "grade.py"}[where]
    try:
        proc = gradescope_cli(kit, "demo", "-o", str(out), module=module)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("*.partial")) and (kit / "grade.py").read_text() == ""


@pytest.mark.parametrize("timeout", ["-1", "0", "nan"])
def test_run_refuses_a_timeout_that_is_not_a_positive_number(tmp_path, timeout):
    """gradescope --run --timeout -1: exit 2, one line, nothing graded."""
    kit = make_kit(tmp_path / "kit")
    root = gradescope_root(tmp_path)
    proc = gradescope_cli(kit, "demo", "--run", "--root", str(root), "--timeout", timeout)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (root / "results").exists()


def test_help_says_what_is_kept_and_the_exit_statuses(tmp_path):
    """--help names the kept copy of an existing zip and the exit statuses."""
    proc = gradescope_cli(make_kit(tmp_path / "kit"), "--help")
    assert proc.returncode == 0 and "exit status: 0" in proc.stdout and "~1~" in proc.stdout
