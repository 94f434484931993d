"""Grading integrity: one hostile submission per class of attack, graded as root and as an
ordinary user, each to its exact score; afterwards nothing of the grade is alive and neither
the submission nor the report changes.

The classes (issue 13): switching the import ban off from inside the worker; importing the
judge's references; reaching files through the level 0 build; escaping the sandbox with a
daemon that outlives the grade; planting code for the workers of later tests. Each submission
is written by the test, since some attacks name the kit's own absolute paths (a student who
knows where the grader lives).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import unprivileged
from conftest import KIT, run_grade, tree_hash

ESCAPE_MARK = "teenygrad-escape-8675311"  # in the argv of the attack's daemon
SOLUTIONS = KIT / "solutions"


def _without_markers(path: Path) -> str:
    return "".join(line for line in path.read_text().splitlines(keepends=True)
                   if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)


def _ban_switched_off(sub: Path, report: Path) -> None:
    """Level -1: empty the import audit through the garbage collector, hide the importing
    frame behind a made-up code file name, then use numpy for the nested tensor."""
    nested = sub / "teenygrad" / "nested.py"
    nested.write_text('''import gc

for _obj in gc.get_objects():
    if type(_obj).__name__ == "ImportAudit":
        _obj.banned = set()
        _obj.student_root = "/nowhere/"
exec(compile("import numpy as _np", "<frozen numpy_loader>", "exec"), globals())
''' + nested.read_text())


def _references_imported(sub: Path, report: Path) -> None:
    """Level -2: Bayes taken from the judge's own references (and delegated to them)."""
    bayes = sub / "probability" / "bayes.py"
    bayes.write_text("from autograder.references import level_minus2 as _answers  # noqa\n"
                     "from autograder.references.level_minus2 import *  # noqa\n"
                     + bayes.read_text())


def _build_escapes(sub: Path, report: Path) -> None:
    """Level 0: kernels that compile the reference in (`include!`, `#[path]`), read a hidden
    suite (`include_str!`), and hide `std::process` behind a use-tree rename, each on top of
    the reference kernel: none may be built. Only the untouched naive stage then scores."""
    kernels = sub / "rust_kernels/teenygrad_kernels/src/kernels"
    reference = SOLUTIONS / "level0/rust_kernels/teenygrad_kernels/src/kernels"
    hidden = sorted((KIT / "autograder/suites/level0/hidden").glob("*.py"))[0]
    (kernels / "blas1.rs").write_text(f'include!("{reference / "blas1.rs"}");\n')
    (kernels / "sgemv.rs").write_text(f'#[path = "{reference / "sgemv.rs"}"]\nmod answer;\n'
                                      "pub use answer::*;\n")
    reordered = kernels / "sgemm_reordered.rs"
    reordered.write_text(f'pub const HIDDEN: &str = include_str!("{hidden}");\n'
                         + reordered.read_text())
    blocked = kernels / "sgemm_blocked.rs"
    blocked.write_text("use std::{process as p};\npub fn quit() { p::exit(0) }\n"
                       + blocked.read_text())


def _escape_daemon(sub: Path, report: Path) -> None:
    """Level -1: at import, blas.py starts a daemon (double fork, new session, empty
    environment) that outlives the grade and then rewrites the report and the submission;
    then it copies the reference blas.py from the kit's solutions/ (unreadable: blas fails)."""
    blas = sub / "teenygrad" / "blas.py"
    tamper = (f"sleep 3; echo '{{\"points\": 100}}' > {report}; "
              f"echo tampered >> {blas}; rm -f {sub}/teenygrad/nested.py")
    blas.write_text(f'''import os as _os

if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        _os.execve("/bin/sh", ["/bin/sh", "-c", {tamper!r}, "{ESCAPE_MARK}"], {{}})
    _os._exit(0)
exec(open("{SOLUTIONS / 'level-1/teenygrad/blas.py'}").read())
''')


#: What `_planted_for_later_workers` plants: it makes numpy.linalg.solve wrong by 1.
_POISON = ("import numpy.linalg as _l; _s = _l.solve; "
           "_l.solve = lambda a, b: _s(a, b) + 1.0\n")


def _planted_for_later_workers(sub: Path, report: Path) -> None:
    """Level -2: at import, bayes.py (the reference) plants code for the workers of later
    tests where Python would run it at start-up: an `autograder` package and a
    `sitecustomize.py` in its working folder (first on sys.path under `python -m`) and a `.pth`
    in HOME's user site-packages; each makes numpy.linalg.solve wrong, which estimation (the
    reference, untouched) relies on."""
    bayes = sub / "probability" / "bayes.py"
    bayes.write_text(bayes.read_text() + f'''

def _plant():
    import os
    import sys

    site = os.path.join(os.path.expanduser("~"), ".local", "lib",
                        "python%d.%d" % sys.version_info[:2], "site-packages")
    shadow = ("import os\\n__path__[:] = [os.path.join(p, 'autograder') for p in "
              "os.environ['PYTHONPATH'].split(':') if os.path.isfile(os.path.join(p, "
              "'autograder', '__init__.py'))][:1]\\n" + {_POISON!r})
    for folder, name, text in [("autograder", "__init__.py", shadow),
                               (".", "sitecustomize.py", {_POISON!r}),
                               (site, "zz-teenygrad.pth", {_POISON!r})]:
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "w") as planted:
                planted.write(text)
        except OSError:
            pass


_plant()
''')


@dataclass(frozen=True)
class Case:
    """One class of attack: the level, how the submission is made, the exact score and why."""

    level: str
    make: Callable[[Path, Path], None]
    score: float
    why: str
    stubs: tuple[str, ...] = ()


CASES = {
    "ban_switched_off": Case("level-1", _ban_switched_off, 80,
                             "numpy is absent at level -1: nested.py fails to import (20)"),
    "references_imported": Case("level-2", _references_imported, 86,
                                "autograder.references is not in the worker: bayes (14) lost"),
    "build_escapes": Case(
        "level0", _build_escapes, 5,
        "blas1, sgemv, reordered, blocked not built or not compiling: graded as stubs; the "
        "other stages are stubs; only naive (5, no timing) is the student's",
        stubs=tuple(f"rust_kernels/teenygrad_kernels/src/kernels/{name}.rs"
                    for name in ("sgemm_microkernel", "sgemm_simd", "sgemm_parallel"))),
    "planted_for_later_workers": Case(
        "level-2", _planted_for_later_workers, 100,
        "each worker writes in a folder of its own, and python -P -s runs nothing from it: "
        "the planted code never runs, estimation keeps its points"),
    "escape_daemon": Case("level-1", _escape_daemon, 70,
                          "solutions/ is not in the view: blas.py fails at import (30)"),
}


def _submission(case: Case, dest: Path, report: Path) -> Path:
    level_dir = SOLUTIONS / case.level
    shutil.copytree(level_dir, dest, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    for path in dest.rglob("*"):
        if path.suffix in (".py", ".rs"):
            path.write_text(_without_markers(path))
    for key in case.stubs:
        shutil.copyfile(KIT / key, dest / key)
    case.make(dest, report)
    return dest


def _survivors() -> list[str]:
    done = subprocess.run(["pgrep", "-af", ESCAPE_MARK], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if "pgrep" not in line]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


@pytest.fixture(scope="module")
def user_caches() -> tuple[Path, Path]:
    """The unprivileged user's home and grading cache, kept for the module (level 0's
    dependencies then compile once)."""
    return unprivileged.user_dir("grader-home-"), unprivileged.user_dir("grader-cache-")


@pytest.mark.parametrize("who", ["root", "user"])
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=[pytest.mark.slow] if case.level == "level0" else [], id=name)
    for name, case in CASES.items()])
def test_attack_gets_its_exact_score_and_leaves_nothing_behind(
        name: str, who: str, user_caches: tuple[Path, Path]) -> None:
    """Graded to its exact score; 5 s after the grade no process of it is alive and the
    submission and the report are unchanged; the report quotes no hidden suite."""
    case = CASES[name]
    if who == "user" and unprivileged.missing_tools():
        pytest.skip(f"cannot grade as an ordinary user: {unprivileged.missing_tools()}")
    if who == "root" and unprivileged.os.geteuid() != 0:
        pytest.skip("not root: the 'user' run covers this machine")
    work = unprivileged.user_dir(f"integrity-{name}-")
    try:
        report = work / "report.json"
        sub = _submission(case, work / "sub", report)
        env = None
        if who == "user":
            unprivileged.give(work)
            env = unprivileged.user_environment(*user_caches)
        before = tree_hash(sub)
        cmd = [sys.executable, str(KIT / "grade.py"), case.level, "--submission", str(sub),
               "--quiet", "--format", "json", "--output", str(report)]
        if who == "user":
            cmd = unprivileged.wrap(cmd)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env,
                              cwd=KIT)
        after_grade = _digest(report)
        assert report.exists(), done.stderr[-2000:]
        time.sleep(5)
        assert not _survivors(), "a process of the grade outlived it"
        assert _digest(report) == after_grade, "the report changed after the grade"
        assert tree_hash(sub) == before, "the submission changed"
        record = __import__("json").loads(report.read_text())
        lost = {t["name"]: t["message"] for t in record["levels"][0]["tests"]
                if t["points"] < t["max_points"]}
        assert record["points"] == case.score, (case.why, lost)
        assert not any("sandbox" in note for note in record["levels"][0]["notes"]), \
            record["levels"][0]["notes"]
        hidden_text = "\n".join(p.read_text() for p in
                                (KIT / f"autograder/suites/{case.level}/hidden").glob("*.py"))
        distinctive = [line.strip() for line in hidden_text.splitlines()
                       if len(line.strip()) > 40][:20]
        shown = report.read_text() + done.stdout
        assert not [line for line in distinctive if line in shown], "hidden suite quoted"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_without_a_sandbox_the_report_says_what_is_missing(tmp_path: Path) -> None:
    """With no usable bubblewrap the grade still runs and one note names what was lost."""
    graded = run_grade("level-1", "--solutions", "-k", "nested_shape",
                       json_out=tmp_path / "r.json",
                       env={"TEENYGRAD_BWRAP": str(tmp_path / "no-such-bwrap")})
    assert graded.record is not None, graded.stderr
    notes = [n for n in graded.record["levels"][0]["notes"] if n.startswith("no sandbox")]
    assert len(notes) == 1 and "PID namespace" in notes[0], graded.record["levels"][0]["notes"]


SCAN = """
import os, sys
banned = set(sys.argv[1].split(","))
found = []
for top in ("/usr", "/lib", "/etc", "/root", "/home", "/opt", "/tmp", "/work", "/srv", "/var"):
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            stem, _, suffix = name.partition(".")
            if not (stem in banned or (stem.startswith("_") and stem[1:] in banned)):
                continue
            path = os.path.join(folder, name)
            if os.path.isdir(path):  # a package (what is left of a blocked one: its blocker)
                module = os.listdir(path) != ["__init__.py"] and \\
                    os.path.exists(os.path.join(path, "__init__.py"))
            else:  # a module: source, bytecode or an extension (blocked: the small blocker)
                module = suffix in ("py", "pyc") or suffix.endswith("so")
                module = module and os.path.getsize(path) > 300
            if module:
                found.append(path)
for name in sorted(banned):
    try:
        __import__(name)
        found.append("import " + name)
    except ImportError:
        pass
print("\\n".join(found))
"""


@pytest.mark.parametrize("level_id", ["level-1", "level-2", "level1"])
def test_banned_modules_are_absent_from_the_whole_view(level_id: str) -> None:
    """In the worker's view of a level, no file of a banned module is anywhere (a banned
    stdlib module is only the blocker that raises) and importing one fails; the judge's
    modules are absent too."""
    from autograder.judge import sandbox
    from autograder.judge.runner import worker_spec
    from autograder.judge.workspace import Source, build_workspace
    from autograder.levels import load_level

    if not sandbox.probe().confined:
        pytest.skip(f"no sandbox here: {sandbox.probe().reason}")
    level = load_level(level_id)
    ws = build_workspace(level, Source("solutions"))
    try:
        spec = worker_spec(level, ws)
        banned = [*level.banned_imports, "autograder.references", "autograder.judge",
                  "autograder.suites", "pytest", "hypothesis"]
        cmd, pythonpath = sandbox.command(spec.sandbox, spec.view(spec.scratch),
                                          [sandbox.interpreter(), "-c", SCAN, ",".join(banned)])
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(pythonpath)}
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    finally:
        ws.cleanup()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", done.stdout


def test_official_channels_refuse_without_a_sandbox(tmp_path: Path) -> None:
    """Without a sandbox, `batch` stops with one line (exit 2) unless --unsandboxed, and
    Gradescope's run gives no grade, saying it is not the student's fault."""
    env = {**__import__("os").environ, "TEENYGRAD_BWRAP": str(tmp_path / "no-such-bwrap")}
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    cmd = [sys.executable, str(KIT / "grade.py"), "batch", "level-1", str(subs), "--csv",
           str(tmp_path / "grades.csv")]
    refused = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=KIT,
                             timeout=300)
    assert refused.returncode == 2, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "--unsandboxed" in lines[0] and "no sandbox" in lines[0]
    assert not (tmp_path / "grades.csv").exists()
    allowed = subprocess.run([*cmd, "--unsandboxed"], capture_output=True, text=True,
                             env=env, cwd=KIT, timeout=600)
    assert allowed.returncode in (0, 1), allowed.stderr
    assert (tmp_path / "grades.csv").exists()

    root = tmp_path / "gradescope"
    (root / "submission").mkdir(parents=True)
    code = ("import sys; from pathlib import Path; "
            "from autograder.instructor import gradescope as g; "
            f"r = g.run_autograder(Path({str(root)!r}), 'level-1'); print(r['score'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=KIT, timeout=300)
    results = __import__("json").loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "cannot sandbox" in results["output"], done.stderr
