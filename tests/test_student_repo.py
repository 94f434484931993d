"""The student repository: complete, nothing secret, and gradable with the public suites."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import busy_benchmarks, lost_only_speed  # noqa: E402
from instructor_kit import make_kit  # noqa: E402

from autograder.instructor import release, student_repo
from autograder.instructor.levels import InstructorError, kit_root, load_levels

HIDDEN_TEST = "def test_sgemm_sblat_every_transpose_combination(student):\n    pass\n"


def make_full_kit(root: Path) -> Path:
    """The synthetic release kit plus an engine, suites (public and hidden) and tests."""
    make_kit(root)
    (root / "grade.py").write_text("print('grading')\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    files = {
        "autograder/__init__.py": "",
        "autograder/judge/runner.py": "RUN = 1\n",
        "autograder/suites/demo/public/test_public.py": "def test_norm_small(student):\n"
        "    pass\n",
        "autograder/suites/demo/hidden/test_hidden.py": HIDDEN_TEST,
        "autograder/instructor/release.py": "# BEGIN SOLUTION in a regex\n",
        "autograder/judge/__pycache__/runner.cpython-311.pyc": "junk",
        "tests/fixtures/demo/wrong/pkg/core.py": "x = 1\n",
        "rust_kernels/Cargo.toml": "[workspace]\n",
        "rust_kernels/target/release/junk": "junk",
        "assignments/demo/README.md": "# Level demo\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def build(root: Path, dest: Path, *extra: str) -> int:
    parser = argparse.ArgumentParser()
    release.add_arguments(parser)
    args = parser.parse_args(["--student-repo", str(dest), "--root", str(root), *extra])
    return student_repo.run(args)


def listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_student_repo_has_what_students_need_and_nothing_else(tmp_path):
    """Stubs, handouts, engine, public suites, workflow, README; no solutions or hidden tests."""
    root = make_full_kit(tmp_path / "kit")
    dest = tmp_path / "student"
    assert build(root, dest) == 0
    files = listing(dest)
    assert {
        "grade.py", "pyproject.toml", "README.md", ".github/workflows/classroom.yml",
        ".github/scripts/classroom_payload.py", "assignments/demo/pkg/core.py",
        "assignments/demo/README.md", "autograder/judge/runner.py",
        "autograder/suites/demo/public/test_public.py", "rust_kernels/k/src/student.rs",
        "rust_kernels/Cargo.toml",
    } <= files
    forbidden = ("solutions/", "tests/", "hidden/", "instructor/", "__pycache__", "target/")
    assert [f for f in files if any(part in f for part in forbidden)] == []
    assert "raise NotImplementedError" in (dest / "assignments/demo/pkg/core.py").read_text()
    assert "todo!(" in (dest / "rust_kernels/k/src/student.rs").read_text()
    assert "`assignments/demo/pkg/`: `__init__.py`, `core.py`" in (dest / "README.md").read_text()
    assert student_repo.scan(dest, root).problems() == []


def test_student_repo_stubs_come_from_the_solutions_not_the_tree(tmp_path):
    """A stale or hand-edited stub in the kit never reaches students."""
    root = make_full_kit(tmp_path / "kit")
    stale = root / "assignments/demo/pkg/core.py"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("def saxpy(alpha, x, y):\n    return [alpha * a + b for a, b in zip(x, y)]\n")
    assert build(root, tmp_path / "student") == 0
    assert "zip(x, y)" not in (tmp_path / "student/assignments/demo/pkg/core.py").read_text()


def test_refuses_a_non_empty_folder_and_keeps_user_files(tmp_path, capsys):
    """A non-empty DIR needs --force; with it, files already there are kept."""
    root = make_full_kit(tmp_path / "kit")
    dest = tmp_path / "student"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    assert build(root, dest) == 2
    assert "is not empty (use --force" in capsys.readouterr().err
    assert listing(dest) == {"notes.txt"}
    assert build(root, dest, "--force") == 0
    assert (dest / "notes.txt").read_text() == "mine"
    assert build(root, root / "assignments" / "x") == 2  # never inside the kit's own folders


@pytest.mark.parametrize(
    ("path", "text", "finding"),
    [
        ("autograder/judge/runner.py",
         "for i, xi in enumerate(x):\n    updated = alpha * xi + y[i]\n"
         "    y[i] = updated  # in place\n",
         "solution lines 'for i, xi in enumerate(x): / updated = alpha * xi + y[i] / "),
        ("autograder/suites/demo/public/conftest.py",
         "# see test_sgemm_sblat_every_transpose_combination\n", "hidden test name"),
    ],
)
def test_leak_scan_refuses_to_write(tmp_path, capsys, path, text, finding):
    """Solution text or a hidden test name anywhere in the tree: exit 1, nothing written."""
    root = make_full_kit(tmp_path / "kit")
    (root / path).write_text(text)
    dest = tmp_path / "student"
    assert build(root, dest) == 1
    err = capsys.readouterr().err
    assert "leak scan failed, nothing written" in err and finding in err
    assert not dest.exists() or listing(dest) == set()


def test_classroom_payload_reports_partial_points(tmp_path):
    """The workflow's payload script turns results.json into the Classroom reporter's format."""
    import base64
    import json

    script = student_repo.TEMPLATES / "classroom_payload.py"
    results = {"score": 7.5, "tests": [
        {"name": "a", "score": 5, "max_score": 5, "output": ""},
        {"name": "b", "score": 2.5, "max_score": 10, "output": "too slow"}]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    for name, status in [("results.json", "fail"), ("missing.json", "error")]:
        out = subprocess.run([sys.executable, str(script), str(tmp_path / name)],
                             capture_output=True, text=True, check=True).stdout
        assert out.startswith("result=")
        data = json.loads(base64.b64decode(out.strip()[len("result="):]))
        assert data["status"] == status
    assert data["max_score"] == 100 and data["tests"][0]["score"] == 0


def _grade(repo: Path, level: str) -> tuple[int, dict]:
    import json

    out = repo / f"{level}.json"
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(repo)}
    proc = subprocess.run(
        [sys.executable, "grade.py", level, "--format", "json", "--output", str(out), "-q"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert out.exists(), proc.stderr[-2000:]
    return proc.returncode, json.loads(out.read_text())


@pytest.mark.slow
@pytest.mark.skipif(not load_levels(kit_root()), reason="no level manifest yet")
def test_the_kits_student_repo_grades_stubs_at_zero_and_solutions_at_full(tmp_path):
    """Inside the real student repo: stubs score 0, solution files score every public point."""
    root = kit_root()
    dest = tmp_path / "student"
    try:
        ctx = student_repo.write_student_repo(root, dest)
    except InstructorError as exc:
        pytest.fail(str(exc))
    for level in load_levels(root):
        if level.id == "level0" and shutil.which("cargo") is None:
            continue
        status, record = _grade(dest, level.id)
        assert record["points"] == 0 and status == 1, level.id
        assert all("hidden" not in t["nodeid"] for lv in record["levels"] for t in lv["tests"])
        for item in ctx.files:
            if item.level == level.id and item.kind == "source":
                shutil.copyfile(item.source, dest / item.target.relative_to(root))
        status, record = _grade(dest, level.id)
        if lost_only_speed(record) and not busy_benchmarks(record):
            status, record = _grade(dest, level.id)  # once more: see test_levels' reference test
        if lost_only_speed(record) and busy_benchmarks(record):
            pytest.skip(f"{level.id}: machine busy while timing {busy_benchmarks(record)}")
        assert (status, record["points"]) == (0, record["max_points"]), level.id
