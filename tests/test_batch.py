"""grade.py batch: one grade per submission, committed as it finishes, resumable, re-grading
only changed submissions; the CSV after an interrupted-and-resumed run equals a clean run's."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from instructor_kit import make_kit  # noqa: E402

from autograder.instructor.levels import kit_root  # noqa: E402
from autograder.levels import all_levels  # noqa: E402

#: A stand-in for grade.py: the submission's `behaviour` file says what to do.
FAKE_GRADER = '''\
import json, os, sys, time
args = sys.argv[1:]
sub = args[args.index("--submission") + 1]
out = args[args.index("--output") + 1]
what = open(os.path.join(sub, "behaviour")).read().split()
if what[0] == "crash":
    print("Traceback ...\\nRuntimeError: the grader crashed", file=sys.stderr)
    sys.exit(3)
if what[0] == "hang":
    time.sleep(3600)
if what[0] == "slow":
    time.sleep(float(what[2]))
points = float(what[1])
json.dump({"points": points, "max_points": 100.0, "levels": []}, open(out, "w"))
sys.exit(0 if points == 100 else 1)
'''

SUBMISSIONS = {
    "alice": "full 100",
    "bob": "zero 0",
    "carol": "partial 42.5",
    "dave": "crash",
    "erin": "hang",
    "frank": "slow 77 1.5",
}

EXPECTED = [
    ["student", "score", "max_score", "status", "content_hash", "message"],
    ["alice", "100", "100", "graded"],
    ["bob", "0", "100", "graded"],
    ["carol", "42.5", "100", "graded"],
    ["dave", "", "", "grader error"],
    ["erin", "", "", "timeout"],
    ["frank", "77", "100", "graded"],
]


@pytest.fixture
def setup(tmp_path):
    """A kit with one level, the fake grader, and six submissions."""
    kit = make_kit(tmp_path / "kit")
    grader = tmp_path / "fake_grade.py"
    grader.write_text(FAKE_GRADER)
    subs = tmp_path / "submissions"
    for student, behaviour in SUBMISSIONS.items():
        (subs / student).mkdir(parents=True)
        (subs / student / "behaviour").write_text(behaviour)
    (subs / ".hidden").mkdir()
    return kit, grader, subs


def batch(kit: Path, grader: Path, subs: Path, out: Path, *extra: str,
          wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder.instructor.batch", "demo", str(subs),
           "--csv", str(out), "--grade-py", str(grader), "--timeout", "3", *extra]
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(kit)}
    if wait:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open()))


def rows_in_db(path: Path) -> int:
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]
    except sqlite3.OperationalError:  # the batch has not created the table yet
        return 0


def test_batch_grades_every_kind_of_submission(setup, tmp_path):
    """Full, zero, partial, crashing and hanging submissions each get the right row."""
    kit, grader, subs = setup
    proc = batch(kit, grader, subs, tmp_path / "grades.csv")
    assert proc.returncode == 1, proc.stderr  # a crash and a timeout need a look
    rows = read_csv(tmp_path / "grades.csv")
    assert [r[:4] for r in rows[1:]] == [r[:4] for r in EXPECTED[1:]]
    assert rows[0] == EXPECTED[0]
    assert "the grader crashed" in rows[4][5] and "longer than 3 s" in rows[5][5]
    assert "6/6" in proc.stderr and "6 graded, 0 unchanged, 2 need a look" in proc.stdout


def test_interrupted_and_resumed_gives_the_same_csv(setup, tmp_path):
    """Kill the batch mid-run, run it again: same CSV as an uninterrupted run, and every
    grade finished before the kill is kept, not redone."""
    kit, grader, subs = setup
    clean = tmp_path / "clean" / "grades.csv"
    clean.parent.mkdir()
    batch(kit, grader, subs, clean)

    resumed = tmp_path / "resumed" / "grades.csv"
    resumed.parent.mkdir()
    db = resumed.with_suffix(".sqlite3")
    proc = batch(kit, grader, subs, resumed, wait=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the first three grades are committed
        if db.exists() and rows_in_db(db) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    done_before = rows_in_db(db)
    assert 3 <= done_before < len(SUBMISSIONS)
    exported = len(read_csv(resumed)) - 1  # a valid CSV: rewritten atomically after each
    assert exported in (done_before - 1, done_before)  # commit (the kill may fall between)

    again = batch(kit, grader, subs, resumed)
    assert f"{done_before} unchanged" in again.stdout
    assert rows_in_db(db) == len(SUBMISSIONS)  # nothing graded twice
    assert read_csv(resumed) == read_csv(clean)


def test_only_changed_submissions_are_regraded(setup, tmp_path):
    """A second run grades nothing; after one submission changes, only it is graded, and the
    previous grade stays in the gradebook."""
    kit, grader, subs = setup
    out = tmp_path / "grades.csv"
    batch(kit, grader, subs, out)
    second = batch(kit, grader, subs, out)
    assert "0 graded, 6 unchanged" in second.stdout
    (subs / "bob" / "behaviour").write_text("partial 10")
    third = batch(kit, grader, subs, out)
    assert "1 graded, 5 unchanged" in third.stdout
    assert read_csv(out)[2][:4] == ["bob", "10", "100", "graded"]
    with sqlite3.connect(out.with_suffix(".sqlite3")) as db:
        bob = db.execute("SELECT score FROM grades WHERE student = 'bob' ORDER BY id").fetchall()
    assert bob == [(0.0,), (10.0,)]
    retry = batch(kit, grader, subs, out, "--retry-errors")
    assert "2 graded, 4 unchanged" in retry.stdout


def test_bad_input_is_one_line(setup, tmp_path):
    """Unknown level, missing folder: exit 2 with one line."""
    kit, grader, subs = setup
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(kit)}
    for argv in (["nope", str(subs)], ["demo", str(tmp_path / "missing")]):
        proc = subprocess.run([sys.executable, "-m", "autograder.instructor.batch", *argv,
                               "--csv", str(tmp_path / "g.csv")], env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.skipif(not any(lv.id == "level-1" for lv in all_levels(kit_root())),
                    reason="level-1 not written yet")
def test_real_engine_batch(tmp_path):
    """The real grade.py on level -1: solutions 100, stubs 0, one stubbed file in between,
    a crash at import and a hang at import score what grade.py gives them one by one."""
    root = kit_root()
    subs = tmp_path / "subs"
    sol, stub = root / "solutions" / "level-1", root / "assignments" / "level-1"
    ignore = shutil.ignore_patterns("__pycache__", "*.ipynb", "*.md")
    shutil.copytree(sol, subs / "full", ignore=ignore)
    shutil.copytree(stub, subs / "zero", ignore=ignore)
    shutil.copytree(sol, subs / "partial", ignore=ignore)
    first_py = sorted((stub / "teenygrad").glob("[!_]*.py"))[-1]
    shutil.copyfile(first_py, subs / "partial" / "teenygrad" / first_py.name)
    shutil.copytree(sol, subs / "crash", ignore=ignore)
    (subs / "crash" / "teenygrad" / "__init__.py").write_text("import os\nos._exit(0)\n")
    shutil.copytree(sol, subs / "hang", ignore=ignore)
    (subs / "hang" / "teenygrad" / "__init__.py").write_text("while True:\n    pass\n")
    out = tmp_path / "grades.csv"
    proc = subprocess.run([sys.executable, "grade.py", "batch", "level-1", str(subs), "--csv",
                           str(out)], cwd=root, capture_output=True, text=True, timeout=3000)
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert rows["full"]["score"] == "100" and rows["zero"]["score"] == "0", proc.stderr
    assert 0 < float(rows["partial"]["score"]) < 100
    assert rows["crash"]["score"] == "0" and rows["hang"]["score"] == "0"


def add_level(kit: Path, level: str) -> None:
    """A second level in the kit, with the same manifest as demo."""
    manifests = kit / "autograder" / "levels"
    text = (manifests / "demo.toml").read_text().replace('id = "demo"', f'id = "{level}"')
    (manifests / f"{level}.toml").write_text(text.replace("order = 1", "order = 2"))


def test_a_file_at_the_csv_path_is_kept_unless_it_is_our_own_export(setup, tmp_path):
    """A roster at --csv, or another level's CSV, is kept as FILE.~1~ (and the batch says so);
    the batch's own earlier CSV of the level is replaced without a copy, on a resume too."""
    kit, grader, subs = setup
    shutil.rmtree(subs / "erin")  # no 3 s timeout in this test
    add_level(kit, "other")
    out = tmp_path / "grades.csv"
    out.write_text("student,email\nalice,alice@example.org\n")
    first = batch(kit, grader, subs, out)
    assert "kept as" in first.stderr and "~1~" in first.stderr
    assert (tmp_path / "grades.csv.~1~").read_text() == "student,email\nalice,alice@example.org\n"
    level_demo = read_csv(out)
    assert len(level_demo) == 6 and not (tmp_path / "grades.csv.~2~").exists()

    (subs / "bob" / "behaviour").write_text("partial 10")  # a resume that changes the CSV
    batch(kit, grader, subs, out)
    assert not (tmp_path / "grades.csv.~2~").exists()  # our own export: nothing to keep
    level_demo = read_csv(out)

    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(kit)}
    other = subprocess.run([sys.executable, "-m", "autograder.instructor.batch", "other",
                            str(subs), "--csv", str(out), "--grade-py", str(grader),
                            "--timeout", "3"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert other.returncode == 1, other.stderr
    assert "not this gradebook's CSV of other" in other.stderr
    assert read_csv(tmp_path / "grades.csv.~2~") == level_demo  # demo's rows are not lost
    assert not (tmp_path / "grades.csv.~3~").exists()  # one copy, not one per grade


@pytest.mark.parametrize("where", ["gradebook", "wal", "folder", "below-a-file"])
def test_a_csv_path_that_cannot_take_it_is_refused_before_grading(setup, tmp_path, where):
    """--csv X.sqlite3 (the gradebook itself), a folder, a path below a file: exit 2 with one
    line, before anyone is graded and without a gradebook left behind."""
    kit, grader, subs = setup
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    out = {"gradebook": tmp_path / "grades.sqlite3", "wal": tmp_path / "grades.sqlite3-wal",
           "folder": tmp_path / "a-folder", "below-a-file": tmp_path / "a-file" / "g.csv"}[where]
    proc = batch(kit, grader, subs, out)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not list(tmp_path.glob("*.sqlite3")) and not list(tmp_path.glob("*/*.sqlite3"))


@pytest.mark.parametrize("timeout", ["-5", "0", "nan", "inf", "soon"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(setup, tmp_path, timeout):
    """--timeout -5 / nan / ...: exit 2, one line, nothing graded."""
    kit, grader, subs = setup
    proc = batch(kit, grader, subs, tmp_path / "g.csv", "--timeout", timeout)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "--timeout" in proc.stderr and not (tmp_path / "g.sqlite3").exists()


def test_an_entry_that_cannot_be_graded_gets_a_row_and_the_batch_goes_on(setup, tmp_path):
    """A zip or a file where a folder should be, a folder name that is not UTF-8 and a folder
    that cannot be read: each gets a "bad input" row saying why, the students after them are
    graded, and the exit says some need a look; hidden files get no row."""
    kit, grader, subs = setup
    for student in ("dave", "erin", "frank"):
        shutil.rmtree(subs / student)
    shutil.make_archive(str(subs / "zed"), "zip", subs / "alice")  # zed.zip, after everyone
    (subs / "notes.txt").write_text("late: 2 days")
    (subs / ".DS_Store").write_text("")
    bad_name = os.fsdecode(b"dan\xff")
    (subs / bad_name).mkdir()
    (subs / bad_name / "behaviour").write_text("full 100")
    locked = subs / "eve"
    locked.mkdir()
    (locked / "behaviour").write_text("full 100")
    locked.chmod(0)
    drop = []  # root reads any folder: without the capabilities that let it, as a user would
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root without setpriv: a chmod 000 folder stays readable")
        drop = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search"]
    cmd = [*drop, sys.executable, "-m", "autograder.instructor.batch", "demo", str(subs),
           "--csv", str(tmp_path / "grades.csv"), "--grade-py", str(grader), "--timeout", "3"]
    try:
        proc = subprocess.run(cmd, env={**os.environ, "TEENYGRAD_KIT_ROOT": str(kit)},
                              capture_output=True, text=True, timeout=120)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = {r[0]: r for r in read_csv(tmp_path / "grades.csv")[1:]}
    assert sorted(rows) == ["alice", "bob", "carol", "dan\\xff", "eve", "notes.txt", "zed.zip"]
    assert [rows[s][3] for s in ("alice", "bob", "carol")] == ["graded"] * 3
    for student, says in [("dan\\xff", "not UTF-8"), ("eve", "cannot be read"),
                          ("notes.txt", "not a folder"), ("zed.zip", "zip file: unzip it")]:
        assert rows[student][3] == "bad input" and says in rows[student][5], rows[student]
    assert "need a look" in proc.stdout


def test_help_says_where_the_gradebook_is_and_the_exit_statuses(setup):
    """--help: the gradebook of grades.csv is grades.sqlite3; what is kept; exit statuses."""
    kit, _grader, _subs = setup
    proc = subprocess.run([sys.executable, "-m", "autograder.instructor.batch", "--help"],
                          env={**os.environ, "TEENYGRAD_KIT_ROOT": str(kit)},
                          capture_output=True, text=True)
    text = " ".join(proc.stdout.split())
    assert proc.returncode == 0
    assert "grades.csv -> grades.sqlite3" in text and "FILE.sqlite3" not in text
    assert "exit status: 0" in text and "FILE.~1~" in text
