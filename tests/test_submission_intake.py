"""A submission is plain files (issue 24): a symbolic link, special file, hard link or oversized
file at a student path is never followed or opened, it is graded as the untouched stub, and the
report says why in one line; huge trees cost nothing; every channel grades through the one gate
(`build_workspace`). Links and special files cannot live in git: each test makes its own.

Level -1's exact scores: the reference earns 100; `teenygrad/nested.py` graded as its stub loses
the `nested` part (20 points: 80); the whole `teenygrad` folder refused leaves only stubs (0).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from conftest import ENGINE_KIT, KIT, Graded, build_submission, run_grade

from autograder.instructor import batch, gradescope, notebooks
from autograder.judge import intake
from autograder.judge.workspace import Source, SourceError, build_workspace
from autograder.levels import SubmissionLimits, load_level

SOLUTIONS = KIT / "solutions" / "level-1"
NESTED = "teenygrad/nested.py"
SECRET = "root:$6$SECRET-HOST-LINE:19000:0:99999:7:::"
SCHEMA = json.loads((KIT / "autograder/report/gradescope_schema.json").read_text())

LINK = f"{NESTED} is a symbolic link: submit the file itself"
FIFO = f"{NESTED} is a named pipe (FIFO), not a regular file: submit the file itself"
BIG = f"{NESTED} is too large (3.2 GB; a student file may have at most 1 MB)"
DIR_LINK = "teenygrad is a symbolic link: submit the folder itself"
ALL_KEYS = ["teenygrad/__init__.py", NESTED, "teenygrad/strided.py", "teenygrad/blas.py"]


def reference(dest: Path) -> Path:
    """A level -1 submission: the reference files, as a student would hand them in."""
    empty = dest.parent / f".{dest.name}-overlay"
    empty.mkdir(parents=True, exist_ok=True)
    return build_submission(dest, SOLUTIONS, empty)


def host_file(tmp_path: Path) -> Path:
    """A file of the host, outside the kit and the submission, that no report may show."""
    path = tmp_path / "host" / "shadow"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SECRET + "\n")
    return path


def replace(path: Path, make) -> None:
    """Replace the file at `path` by what `make(path)` creates there."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    make(path)


# --- the cases: (what to do to a reference submission, missing keys, reason line, score) ---

def link_to_solutions(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, lambda p: p.symlink_to(SOLUTIONS / NESTED))


def link_to_host_file(sub: Path, tmp: Path) -> None:
    replace(sub / NESTED, lambda p: p.symlink_to(host_file(tmp)))


def fifo(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, os.mkfifo)


def oversized(sub: Path, _tmp: Path) -> None:
    os.truncate(sub / NESTED, 3 * 2**30)  # sparse: no disk used, no time to make


def folder_link(sub: Path, tmp: Path) -> None:
    other = reference(tmp / "other")
    replace(sub / "teenygrad", lambda p: p.symlink_to(os.path.relpath(other / "teenygrad",
                                                                      sub)))


def tiny_files(sub: Path, _tmp: Path) -> None:
    (sub / "junk").mkdir()
    folder = os.open(sub / "junk", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(10_000):
            fd = os.open(f"{i:05d}.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folder)
            os.write(fd, b"x")
            os.close(fd)
    finally:
        os.close(folder)


TOO_MANY = ("the submission folder has more than 2,000 files and folders: the list of ignored "
            "files stops there")
CASES = {
    "link to the kit's solutions": (link_to_solutions, [NESTED], LINK, 80),
    "link to a host file": (link_to_host_file, [NESTED], LINK, 80),
    "named pipe": (fifo, [NESTED], FIFO, 80),
    "3 GB sparse file": (oversized, [NESTED], BIG, 80),
    "symlinked folder": (folder_link, ALL_KEYS, DIR_LINK, 0),
    "10,000 tiny files": (tiny_files, [], TOO_MANY, 100),
}


def graded_level(graded: Graded) -> dict:
    assert graded.record is not None, graded.stderr
    return graded.record["levels"][0]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert "SECRET-HOST-LINE" not in text


# --- channel 1: grade.py LEVEL --submission DIR (exact scores of the whole level) -----------

@pytest.mark.parametrize("case", list(CASES))
def test_submission_channel(tmp_path: Path, case: str) -> None:
    """Each case: exact score, the stubbed keys, the one reason line in text and JSON."""
    make, missing, line, score = CASES[case]
    sub = reference(tmp_path / "sub")
    make(sub, tmp_path)
    graded = run_grade("level-1", "--submission", sub, json_out=tmp_path / "r.json")
    level = graded_level(graded)
    assert graded.record["points"] == score, graded.stdout[-3000:]
    assert level["missing_files"] == missing
    assert level["notes"].count(line) == 1
    assert graded.stdout == ""  # --output FILE: the report is in the file
    assert graded.returncode == (0 if score == 100 else 1)
    assert_no_secret(graded.stdout, graded.stderr, json.dumps(graded.record))
    if case == "10,000 tiny files":
        assert len(level["ignored_files"]) < 2000


def test_oversized_file_is_refused_at_once(tmp_path: Path) -> None:
    """Refusing a 3 GB (sparse) student file costs no reading: the workspace is built in < 1 s."""
    sub = reference(tmp_path / "sub")
    oversized(sub, tmp_path)
    started = time.monotonic()
    ws = build_workspace(load_level("level-1"), Source("submission", sub))
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 1.0
        assert ws.missing == [NESTED] and ws.notes == [BIG]
        assert (ws.student / NESTED).read_bytes() == (KIT / "assignments/level-1" / NESTED
                                                      ).read_bytes()
    finally:
        ws.cleanup()


def test_ten_thousand_tiny_files_cost_little(tmp_path: Path) -> None:
    """The ignored-files listing stops after the level's scan limit, quickly."""
    sub = reference(tmp_path / "sub")
    tiny_files(sub, tmp_path)
    started = time.monotonic()
    ws = build_workspace(load_level("level-1"), Source("submission", sub))
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 1.0
        assert ws.missing == [] and ws.notes == [TOO_MANY]
        assert ws.ignored[:2] == ["junk/00000.txt", "junk/00001.txt"]
    finally:
        ws.cleanup()


# --- the gate itself, case by case (no grading: milliseconds each) ---------------------------

def workspace(sub: Path, level=None):
    return build_workspace(level or load_level("level-1"), Source("submission", sub))


def hard_link(sub: Path, tmp: Path) -> None:
    elsewhere = tmp / "elsewhere.py"  # a copy: the kit's own file keeps its one name
    shutil.copyfile(SOLUTIONS / NESTED, elsewhere)
    replace(sub / NESTED, lambda p: os.link(elsewhere, p))


def link_inside(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, lambda p: p.symlink_to("strided.py"))


def link_to_etc_shadow(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, lambda p: p.symlink_to("/etc/shadow"))


def dangling_link(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, lambda p: p.symlink_to("/no/such/file"))


def unix_socket(sub: Path, tmp: Path) -> None:
    (sub / NESTED).unlink()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sub / NESTED))
    server.close()


def device(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, lambda p: os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 5)))


def folder_at_key(sub: Path, _tmp: Path) -> None:
    replace(sub / NESTED, lambda p: p.mkdir())


GATE = {
    "link inside the tree": (link_inside, LINK),
    "link to /etc/shadow": (link_to_etc_shadow, LINK),
    "dangling link": (dangling_link, LINK),
    "hard link": (
        hard_link, f"{NESTED} is a hard link (one file with 2 names): submit a plain copy of "
                   "the file"),
    "socket": (unix_socket, f"{NESTED} is a socket, not a regular file: submit the file itself"),
    "device": (device, f"{NESTED} is a device, not a regular file: submit the file itself"),
    "folder": (folder_at_key, f"{NESTED} is a folder, not a file: submit the file itself"),
}


@pytest.mark.parametrize("case", list(GATE))
def test_gate_refuses_what_is_not_a_plain_file(tmp_path: Path, case: str) -> None:
    """Each kind of entry is graded as the stub, with its one-line reason, and not listed."""
    make, line = GATE[case]
    if case == "device" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    sub = reference(tmp_path / "sub")
    make(sub, tmp_path)
    ws = workspace(sub)
    try:
        assert ws.missing == [NESTED] and ws.notes == [line] and ws.refused == {NESTED: line}
        assert ws.ignored == []
        assert (ws.student / NESTED).read_bytes() == (KIT / "assignments/level-1" / NESTED
                                                      ).read_bytes()
    finally:
        ws.cleanup()


def test_a_link_swapped_in_after_the_check_is_not_followed(tmp_path: Path, monkeypatch) -> None:
    """Race: the file becomes a link between its lstat and its open; O_NOFOLLOW refuses it."""
    sub = reference(tmp_path / "sub")
    secret = host_file(tmp_path)
    real_open = os.open

    def swapping_open(path, flags, *args, **kwargs):
        if path == "nested.py" and not flags & os.O_DIRECTORY:
            replace(sub / NESTED, lambda p: p.symlink_to(secret))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(intake.os, "open", swapping_open)
    ws = workspace(sub)
    monkeypatch.undo()
    try:
        assert ws.missing == [NESTED] and ws.notes == [LINK]
        assert SECRET not in (ws.student / NESTED).read_text()
    finally:
        ws.cleanup()


def test_repository_layout_with_a_linked_assignments_folder(tmp_path: Path) -> None:
    """A copy of the student repository whose `assignments` is a link to the kit's solutions."""
    sub = tmp_path / "repo"
    sub.mkdir()
    (sub / "assignments").symlink_to(KIT / "solutions")
    ws = workspace(sub)
    try:
        assert ws.missing == ALL_KEYS
        assert ws.notes == ["assignments is a symbolic link: submit the folder itself"]
    finally:
        ws.cleanup()


def test_flat_upload_link_and_duplicate_names(tmp_path: Path) -> None:
    """A flat (Gradescope) upload goes through the same gate: a link by file name is refused,
    and two uploads of the same name are not guessed between."""
    sub = tmp_path / "flat"
    (sub / "old").mkdir(parents=True)
    for name in ("strided.py", "__init__.py"):
        shutil.copy(SOLUTIONS / "teenygrad" / name, sub / name)
    (sub / "nested.py").symlink_to(SOLUTIONS / NESTED)
    shutil.copy(SOLUTIONS / "teenygrad/blas.py", sub / "blas.py")
    shutil.copy(SOLUTIONS / "teenygrad/blas.py", sub / "old" / "blas.py")
    ws = workspace(sub)
    try:
        assert ws.missing == [NESTED, "teenygrad/blas.py"]
        assert ws.notes == [
            "nested.py is a symbolic link: submit the file itself",
            "2 uploaded files are named blas.py (blas.py, old/blas.py): upload yours as "
            "teenygrad/blas.py"]
    finally:
        ws.cleanup()


def test_odd_names_are_listed_escaped(tmp_path: Path) -> None:
    """Control characters in an ignored file's name reach the report escaped, on one line."""
    sub = reference(tmp_path / "sub")
    (sub / "evil\x1b[2J\nname.txt").write_text("x")
    ws = workspace(sub)
    try:
        assert ws.ignored == ["evil\\x1b[2J\\nname.txt"]
    finally:
        ws.cleanup()


def test_odd_key_names_and_depth_are_refused() -> None:
    """What the gate says of a path that is not plain: `..`, absolute, control characters,
    too deep (keys found by a level's globs come from the student)."""
    limits = SubmissionLimits(depth=2)
    with intake.opened_root(KIT) as root:
        for rel, says in [("../etc/passwd", "is not a plain path"),
                          ("/etc/passwd", "is an absolute path"),
                          ("a\x07b.py", "has control characters"),
                          ("a/b/c/d.py", "is more than 2 folders deep")]:
            refused = intake.open_file(root, rel, limits)
            assert isinstance(refused, intake.Refusal) and says in refused.line
            assert "\n" not in refused.line and "\x07" not in refused.line


def test_deep_folders_are_not_looked_at(tmp_path: Path) -> None:
    """The look at the rest of the folder stops at the depth limit, and says so."""
    deep = tmp_path / "sub" / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x")
    (tmp_path / "sub" / "top.txt").write_text("x")
    listing = intake.scan(tmp_path / "sub", SubmissionLimits(depth=2))
    assert [e.rel for e in listing.entries] == ["top.txt"] and listing.too_deep


def test_whole_submission_limits_are_one_line_exit_2(tmp_path: Path) -> None:
    """Student files over the level's total (2 MB for level -1): refused before any grading,
    exit status 2, one line."""
    sub = reference(tmp_path / "sub")
    for key in ("nested.py", "strided.py", "blas.py"):
        (sub / "teenygrad" / key).write_text("#" * 900_000 + "\n")
    started = time.monotonic()
    graded = run_grade("level-1", "--submission", sub)
    assert time.monotonic() - started < 10
    assert graded.returncode == 2
    assert graded.stderr.strip().splitlines() == [
        "grade.py: error: level-1: the submission's student files are too large together "
        "(2.7 MB; a submission may have at most 2 MB)"]
    few = dataclasses.replace(load_level("level-1"),
                              submission=SubmissionLimits(files=3))
    with pytest.raises(SourceError, match="has 4 student files, more than the 3"):
        build_workspace(few, Source("submission", reference(tmp_path / "four")))


# --- channel 2: grade.py batch (one folder per student; siblings link to each other) ---------

def test_batch_channel(tmp_path: Path) -> None:
    """A batch folder: links to a sibling's work are not followed (a file: 80, the folder: 0),
    a student folder that is a link and a submission over the limits get a one-line row and
    the others are graded; ignored named pipes and 3 GB files neither block nor cost time."""
    subs = tmp_path / "subs"
    reference(subs / "victim")
    copycat = reference(subs / "copycat")
    replace(copycat / NESTED, lambda p: p.symlink_to("../../victim/teenygrad/nested.py"))
    os.mkfifo(copycat / "notes.fifo")
    (copycat / "data.bin").touch()
    os.truncate(copycat / "data.bin", 3 * 2**30)
    dircat = reference(subs / "dircat")
    replace(dircat / "teenygrad", lambda p: p.symlink_to("../victim/teenygrad"))
    (subs / "alias").symlink_to("victim")
    hoarder = reference(subs / "hoarder")
    for key in ("nested.py", "strided.py", "blas.py"):
        (hoarder / "teenygrad" / key).write_text("#" * 900_000 + "\n")
    out = tmp_path / "grades.csv"
    proc = subprocess.run([sys.executable, str(KIT / "grade.py"), "batch", "level-1", str(subs),
                           "--csv", str(out)], cwd=KIT, capture_output=True, text=True,
                          timeout=900)
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert proc.returncode == 1, proc.stderr  # two rows need a look
    assert {s: (r["score"], r["status"]) for s, r in rows.items()} == {
        "victim": ("100", "graded"), "copycat": ("80", "graded"), "dircat": ("0", "graded"),
        "alias": ("", "bad input"), "hoarder": ("", "bad input")}
    # The status says "bad input"; each message says only what is wrong, in the same form
    # whether batch saw it (a link) or the grading did (too large).
    assert rows["alias"]["message"] == "alias is a symbolic link: batch grades real folders only"
    assert rows["hoarder"]["message"] == (
        "level-1: the submission's student files are too large together "
        "(2.7 MB; a submission may have at most 2 MB)")
    with sqlite3.connect(out.with_suffix(".sqlite3")) as db:
        records = {s: json.loads(r) for s, r in db.execute(
            "SELECT student, record_json FROM grades WHERE record_json IS NOT NULL")}
    assert records["copycat"]["levels"][0]["notes"].count(LINK) == 1
    assert records["dircat"]["levels"][0]["notes"].count(DIR_LINK) == 1
    assert "notes.fifo" in records["copycat"]["levels"][0]["ignored_files"]


def test_batch_content_hash_never_follows_or_blocks(tmp_path: Path) -> None:
    """The batch's change detection reads no link target, named pipe or huge file."""
    sub = tmp_path / "s"
    sub.mkdir()
    target = tmp_path / "target.py"
    target.write_text("a")
    (sub / "link.py").symlink_to(target)
    os.mkfifo(sub / "pipe")
    (sub / "big.bin").touch()
    os.truncate(sub / "big.bin", 3 * 2**30)
    started = time.monotonic()
    first = batch.content_hash(sub)
    assert time.monotonic() - started < 1.0
    target.write_text("b")  # what the link points to is not the submission
    assert batch.content_hash(sub) == first
    (sub / "link.py").unlink()
    (sub / "link.py").symlink_to(tmp_path / "elsewhere.py")
    assert batch.content_hash(sub) != first


# --- channel 3: Gradescope's run_autograder ------------------------------------------------

def gradescope_root(tmp_path: Path) -> Path:
    root = tmp_path / "autograder"
    reference(root / "submission")
    return root


def test_gradescope_channel(tmp_path: Path) -> None:
    """A link to the kit's solutions in a Gradescope upload: 80, the reason in the output."""
    root = gradescope_root(tmp_path)
    link_to_solutions(root / "submission", tmp_path)
    results = gradescope.run_autograder(root, "level-1", timeout=900, source=KIT)
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 80
    assert f"note: {LINK}" in results["output"]
    assert results == json.loads((root / "results" / "results.json").read_text())


def test_gradescope_refused_submission_writes_the_reason(tmp_path: Path) -> None:
    """Over the whole-submission limit: a valid results.json with 0 and the one-line reason."""
    root = gradescope_root(tmp_path)
    for key in ("nested.py", "strided.py", "blas.py"):
        (root / "submission" / "teenygrad" / key).write_text("#" * 900_000 + "\n")
    results = gradescope.run_autograder(root, "level-1", timeout=900, source=KIT)
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0
    assert results["output"] == (
        "Your submission could not be graded: level-1: the submission's student files are too "
        "large together (2.7 MB; a submission may have at most 2 MB)")


# --- channel 4: nbgrader's autograde copy ----------------------------------------------------

def test_nbgrader_copy_takes_plain_files_only(tmp_path: Path, monkeypatch, caplog) -> None:
    """The course config's guard replaces nbgrader's copy of a submission (submitted/ to
    autograded/): links, named pipes and oversized files are left out with their reason (the
    engine cells then grade the stub); a submitted notebook that is a link fails that student."""
    from nbgrader.converters.base import BaseConverter

    monkeypatch.setattr(BaseConverter, "init_assignment", BaseConverter.init_assignment)
    course = tmp_path / "course"
    notebooks.build_course(KIT, course, ["level-1"])
    config = (course / "nbgrader_config.py").read_text()
    exec(compile(config, "nbgrader_config.py", "exec"),  # what nbgrader does with the file
         {"get_config": lambda: SimpleNamespace(CourseDirectory=SimpleNamespace(),
                                                Autograde=SimpleNamespace(),
                                                Execute=SimpleNamespace(),
                                                ExportApp=SimpleNamespace()),
          "__file__": str(course / "nbgrader_config.py")})
    assert getattr(BaseConverter.init_assignment, "teenygrad_guard", False)

    submitted = reference(course / "submitted" / "mallory" / "level-1")
    link_to_solutions(submitted, tmp_path)
    os.mkfifo(submitted / "teenygrad" / "pipe")
    (submitted / "big.bin").touch()
    os.truncate(submitted / "big.bin", 3 * 2**30)
    autograded = course / "autograded" / "mallory" / "level-1"
    converter = SimpleNamespace(
        notebooks=[], coursedir=SimpleNamespace(ignore=[".ipynb_checkpoints", "__pycache__"]),
        log=logging.getLogger("nbgrader-test"),
        _format_source=lambda *_: str(submitted), _format_dest=lambda *_: str(autograded))
    with caplog.at_level(logging.WARNING, logger="nbgrader-test"):
        BaseConverter.init_assignment(converter, "level-1", "mallory")
    assert sorted(p.relative_to(autograded).as_posix() for p in autograded.rglob("*")
                  if not p.is_dir()) == ["teenygrad/__init__.py", "teenygrad/blas.py",
                                         "teenygrad/strided.py"]
    logged = [r.getMessage() for r in caplog.records]
    assert f"mallory: not copied: {LINK}" in logged
    assert "mallory: not copied: big.bin is too large (3.2 GB; a student file may have at most " \
           "1 MB)" in logged
    notebook = submitted / "level-1.ipynb"
    notebook.symlink_to(course / "source" / "level-1" / "level-1.ipynb")
    converter.notebooks = [str(notebook)]
    with pytest.raises(RuntimeError, match="level-1.ipynb is a symbolic link"):
        BaseConverter.init_assignment(converter, "level-1", "mallory")


@pytest.mark.slow
def test_nbgrader_channel(tmp_path: Path) -> None:
    """The real nbgrader autograde: a link to the kit's solutions earns the engine nothing for
    `nested` (its cell 0, the others full: 80 in all)."""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    notebooks.build_course(KIT, course, ["level-1"])
    env = {**os.environ, "TEENYGRAD_GRADE_PY": str(KIT / "grade.py")}

    def nbgrader(*argv: str) -> None:
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *argv], cwd=course, env=env,
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]

    nbgrader("generate_assignment", "level-1", "--force")
    submitted = course / "submitted" / "mallory" / "level-1"
    shutil.copytree(course / "release" / "level-1", submitted)
    for key in ALL_KEYS:
        shutil.copyfile(SOLUTIONS / key, submitted / key)
    link_to_solutions(submitted, tmp_path)
    nbgrader("autograde", "level-1", "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = {g.name: g.score for g in
                  gb.find_submission_notebook("level-1", "level-1", "mallory").grades
                  if g.name.startswith("engine_")}
    assert grades == {"engine_nested": 0, "engine_strided": 35, "engine_broadcast": 15,
                      "engine_blas": 30}


# --- channel 5: the GitHub Classroom workflow (grade.py LEVEL --submission . on the checkout) -

def test_classroom_channel(tmp_path: Path) -> None:
    """The Classroom workflow grades the checkout as a submission, through the same gate: a
    student file that is a link is refused with one line and graded as its stub."""
    workflow = (KIT / "autograder/instructor/templates/classroom.yml").read_text()
    assert 'run: python grade.py "$LEVEL" --submission . --format gradescope' in workflow
    checkout = tmp_path / "checkout"  # the student's repository, files as committed
    shutil.copytree(ENGINE_KIT / "assignments", checkout / "assignments")
    for key in ("calc/__init__.py", "calc/ops.py"):
        shutil.copyfile(ENGINE_KIT / "solutions/demo" / key, checkout / "assignments/demo" / key)
    ops = checkout / "assignments/demo/calc/ops.py"
    replace(ops, lambda p: p.symlink_to(ENGINE_KIT / "solutions/demo/calc/ops.py"))
    graded = run_grade("demo", "--submission", checkout, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    assert graded.returncode == 1
    level = graded.record["levels"][0]
    assert level["missing_files"] == ["calc/ops.py"] and graded.record["points"] == 0
    assert level["notes"].count(
        "assignments/demo/calc/ops.py is a symbolic link: submit the file itself") == 1


def test_an_empty_or_zipped_submission_says_so(tmp_path: Path) -> None:
    """Nothing of the student's found: one note saying so; a lone zip file: "unzip it"."""
    empty = tmp_path / "empty"
    empty.mkdir()
    ws = workspace(empty)
    try:
        assert any("no student files found in" in n and "right folder" in n for n in ws.notes)
    finally:
        ws.cleanup()
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    (zipped / "sub.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    ws = workspace(zipped)
    try:
        assert any("sub.zip is a zip file: unzip it" in n for n in ws.notes)
    finally:
        ws.cleanup()


def test_a_binary_student_file_is_named_as_such(tmp_path: Path) -> None:
    """A .py file holding null bytes is refused as "not a text file", graded as its stub."""
    sub = reference(tmp_path / "sub")
    (sub / NESTED).write_bytes(b"\x7fELF\x00\x00binary")
    ws = workspace(sub)
    try:
        assert ws.refused[NESTED] == f"{NESTED} is not a text file (it holds null bytes): " \
                                     "submit the source file itself"
        assert NESTED in ws.missing
    finally:
        ws.cleanup()


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_an_unreadable_submission_folder_is_one_line(tmp_path: Path) -> None:
    """chmod 000 on the submission folder: SourceError (exit 2), not a PermissionError."""
    sub = reference(tmp_path / "sub")
    sub.chmod(0)
    try:
        if os.access(sub, os.R_OK):
            pytest.skip("this user reads any folder (root with CAP_DAC_OVERRIDE)")
        with pytest.raises(SourceError, match="cannot be read"):
            workspace(sub)
    finally:
        sub.chmod(0o755)


def test_a_submission_path_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    """A folder name with a byte that is not UTF-8: the text and HTML reports are written,
    the path escaped, and the history takes the row."""
    sub = reference(Path(os.fsdecode(bytes(tmp_path) + b"/dan\xff")))
    db = tmp_path / "h.sqlite"
    for fmt in ["text", "html"]:
        out = tmp_path / f"r.{fmt}"
        graded = run_grade("level-1", "--submission", sub, "--format", fmt, "-o", out,
                           env={"TEENYGRAD_HISTORY": str(db)})
        assert graded.returncode == 0, graded.stderr
        assert "dan\\udcff" in out.read_text() or "dan\\xff" in out.read_text()
        assert "history not saved" not in graded.stderr
    assert len(history_rows(db)) == 2


def history_rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT source FROM runs").fetchall()
