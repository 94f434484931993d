"""Every channel gives the same score (issue 15).

Four submissions of level -2 (full, partial, flat bare files, nested one folder down in a
repository copy) are graded through every channel that runs here:

- `grade.py LEVEL --submission DIR` (the reference of the others);
- `grade.py batch` (one batch of the four);
- the Gradescope zip's `run_autograder`, run in a folder laid out like /autograder;
- real nbgrader: `generate_assignment`, `autograde`, and `nbgrader export` with the kit's
  exporter (its `automatic` total; the written questions are their own total);
- the GitHub Classroom workflow of a one-level student repository: the workflow file is parsed
  and each `run:` step runs in order in a clean clone, with the env the workflow sets (the
  hidden tests installed as its optional steps do), and the reporter's payload is read.

Every channel must give each submission the same total. The matrix is printed (`-s`).

Level 0's workflow is run too, twice in a clean checkout with only its cache step's paths
carried over: the second run compiles nothing and gives the same score.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import KIT, without_markers

from autograder.instructor import notebooks
from autograder.instructor.levels import kit_root
from autograder.instructor.nbgrader_export import AUTOMATIC_TOTAL, WRITTEN_TOTAL
from autograder.instructor.student_repo import write_student_repo
from autograder.judge import sandbox
from autograder.levels import load_level

ROOT = kit_root()
LEVEL = "level-2"
LEFT_OUT = {"partial": "probability/estimation.py", "flat": "probability/distributions.py",
            "nested": "probability/bayes.py"}
#: `--unsandboxed` where bubblewrap cannot run: every channel is then graded the same way.
UNSANDBOXED = [] if sandbox.probe().confined else ["--unsandboxed"]


def solution_files() -> dict[str, str]:
    """The level's reference files, by key, as a student would hand them in."""
    level = load_level(LEVEL, ROOT)
    return {key: without_markers((ROOT / "solutions" / LEVEL / key).read_text())
            for key in level.stub_keys()}


def make_submission(folder: Path, kind: str) -> dict[str, str]:
    """Write one submission in its layout; return the files it hands in, by key."""
    files = {k: v for k, v in solution_files().items() if k != LEFT_OUT.get(kind)}
    for key, text in files.items():
        rel = {"full": f"assignments/{LEVEL}/{key}", "partial": key,
               "flat": Path(key).name,
               "nested": f"teenygrad-main/assignments/{LEVEL}/{key}"}[kind]
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    if kind == "nested":  # what a zip of a GitHub repository unpacks into, with some litter
        (folder / "teenygrad-main" / "README.md").write_text("my work\n")
        (folder / "__MACOSX").mkdir()
    return files


def grade_py(*args: str | Path, cwd: Path = KIT, env: dict | None = None,
             timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(KIT / "grade.py"), *map(str, args)], cwd=cwd,
                          env=env or clean_env(), capture_output=True, text=True,
                          timeout=timeout)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.pop("TEENYGRAD_KIT_ROOT", None)
    return env


# --- the channels -------------------------------------------------------------------------


def by_cli(subs: dict[str, Path], work: Path) -> dict[str, float]:
    scores = {}
    for name, folder in subs.items():
        out = work / f"{name}.json"
        done = grade_py(LEVEL, "--submission", folder, "--format", "json", "-o", out, "-q")
        assert done.returncode in (0, 1), done.stderr
        record = json.loads(out.read_text())
        layouts = {lv["layout"] for lv in record["levels"]}
        expected = {"full": "repository", "partial": "by key", "flat": "flat",
                    "nested": "repository in teenygrad-main/"}[name]
        assert layouts == {expected}, (name, layouts)
        notes = [n for lv in record["levels"] for n in lv["notes"]]
        assert any(n.startswith(f"submission layout: {expected.split(' in ')[0]}")
                   for n in notes), notes
        scores[name] = record["points"]
    return scores


def by_batch(subs: dict[str, Path], work: Path) -> dict[str, float]:
    folder = work / "submissions"
    for name, sub in subs.items():
        shutil.copytree(sub, folder / name)
    done = grade_py("batch", LEVEL, folder, "--csv", work / "grades.csv", *UNSANDBOXED)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = list(csv.DictReader((work / "grades.csv").open()))
    return {row["student"]: float(row["score"]) for row in rows}


def by_gradescope(subs: dict[str, Path], work: Path) -> dict[str, float]:
    zip_path = work / "autograder.zip"
    done = grade_py("gradescope", LEVEL, "-o", zip_path, *UNSANDBOXED)
    assert done.returncode == 0, done.stderr
    scores = {}
    for name, sub in subs.items():
        root = work / name
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(root / "source")
        for script in ("run_autograder", "setup.sh"):
            (root / "source" / script).chmod(0o755)
        shutil.copytree(sub, root / "submission")
        env = {**clean_env(), "AUTOGRADER_ROOT": str(root), "TEENYGRAD_PYTHON": sys.executable}
        run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                             capture_output=True, text=True, timeout=1800)
        assert run.returncode == 0, run.stderr
        scores[name] = json.loads((root / "results" / "results.json").read_text())["score"]
    return scores


def by_nbgrader(subs: dict[str, Path], work: Path) -> dict[str, float]:
    course = work / "course"
    notebooks.build_course(ROOT, course, [LEVEL])
    env = {**clean_env(), "TEENYGRAD_GRADE_PY": str(ROOT / "grade.py")}

    def nbgrader(*argv: str) -> None:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *argv], cwd=course, env=env,
                              capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    nbgrader("generate_assignment", LEVEL, "--force")
    released = course / "release" / LEVEL / f"{LEVEL}.ipynb"
    for name, sub in subs.items():  # the submission as handed in, beside its notebook
        folder = course / "submitted" / name / LEVEL
        shutil.copytree(sub, folder)
        shutil.copyfile(released, folder / released.name)
    nbgrader("autograde", LEVEL, "--force")
    # The written questions: an assignment of their own, not handed in here (0 of its points)
    nbgrader("generate_assignment", notebooks.written_assignment(LEVEL), "--force")
    nbgrader("export", "--to", str(work / "grades.csv"))
    rows = list(csv.DictReader((work / "grades.csv").open()))
    assert "score" not in rows[0] and "max_score" not in rows[0]  # never automatic + written
    assert {row["assignment"] for row in rows} == {LEVEL}  # one row per level and student
    for row in rows:
        assert float(row[f"{AUTOMATIC_TOTAL}_max_score"]) == 100
        assert float(row[f"{WRITTEN_TOTAL}_max_score"]) > 0
        assert float(row[f"{WRITTEN_TOTAL}_score"]) == 0  # the questions were not answered
    return {row["student_id"]: float(row[f"{AUTOMATIC_TOTAL}_score"]) for row in rows}


def workflow_steps(repo: Path) -> tuple[dict[str, str], list[dict]]:
    """The Classroom workflow's env and steps, parsed from the repository's file."""
    workflow = yaml.safe_load((repo / ".github/workflows/classroom.yml").read_text())
    (job,) = workflow["jobs"].values()
    return dict(workflow.get("env", {})), job["steps"]


def run_workflow(checkout: Path, bin_dir: Path, hidden: Path | None, work: Path,
                 runner: dict[str, str | None] | None = None,
                 restore: Callable[[list[str]], None] | None = None) -> dict:
    """Run the workflow's steps in order in `checkout` as a runner would: each `run:` with
    bash -eo pipefail and the env the workflow sets (and `runner`'s, e.g. its HOME; None
    unsets); `uses:`
    steps done by hand where they matter (the hidden tests' checkout, the reporter's payload,
    and `restore(paths)` for the cache step: a Python-only level's workflow has none, nor any
    Rust step, when `restore` is None). Returns the payload."""
    env_vars, steps = workflow_steps(checkout)
    work.mkdir(parents=True, exist_ok=True)
    output, summary = work / "github_output", work / "step_summary"
    output.write_text("")
    summary.write_text("")
    env = {**clean_env(), **env_vars, "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(checkout),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           # the test's venv shares the kit's packages: pip has nothing to fetch
           "PIP_NO_BUILD_ISOLATION": "1", "PIP_NO_DEPS": "1"}
    env = {k: v for k, v in {**env, **(runner or {})}.items() if v is not None}
    failed, seconds = False, {}
    for step in steps:
        condition = str(step.get("if", ""))
        if "HIDDEN_TESTS_REPO" in condition and hidden is None:
            continue
        if condition not in ("", "always()") and "HIDDEN_TESTS_REPO" not in condition:
            continue
        if failed and condition != "always()":
            continue
        if "uses" in step:
            if step["uses"].startswith("actions/checkout") and "path" in step.get("with", {}):
                shutil.copytree(hidden, checkout / step["with"]["path"])
            if restore is not None and step["uses"].startswith("actions/cache"):
                restore(step["with"]["path"].split())
            assert restore is not None or not step["uses"].startswith(
                ("dtolnay/", "actions/cache")), f"a Python-only level sets up Rust: {step}"
            continue
        assert "${{" not in step["run"], step["run"]
        started = time.monotonic()
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=checkout, capture_output=True, text=True,
                              env={**env, **step.get("env", {})}, timeout=1800)
        seconds[step["name"]] = round(time.monotonic() - started, 1)
        if done.returncode != 0 and not step.get("continue-on-error"):
            failed = True
            pytest.fail(f"step {step['name']!r} failed: {done.stdout[-2000:]}"
                        f"{done.stderr[-2000:]}")
    line = next(x for x in output.read_text().splitlines() if x.startswith("result="))
    payload = json.loads(base64.b64decode(line.removeprefix("result=")))
    payload["summary"] = summary.read_text()
    payload["seconds"] = seconds  # each `run:` step's wall time
    return payload


def by_classroom(subs: dict[str, Path], files: dict[str, dict[str, str]],
                 work: Path) -> dict[str, float]:
    repo = work / "student-repo"
    write_student_repo(ROOT, repo, level=LEVEL)
    assert not (repo / "rust_kernels").exists()
    assert sorted(p.name for p in (repo / "assignments").iterdir()) == [LEVEL]
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "template"], cwd=repo, check=True)
    hidden = work / "hidden-tests"  # the instructors' private repository
    shutil.copytree(ROOT / "autograder" / "suites" / LEVEL / "hidden",
                    hidden / "autograder" / "suites" / LEVEL / "hidden")
    shutil.copytree(ROOT / "autograder" / "references", hidden / "autograder" / "references",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env_dir = work / "venv"  # the runner's Python: the kit's packages, its own site
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    scores = {}
    for name in subs:
        checkout = work / f"checkout-{name}"
        subprocess.run(["git", "clone", "-q", str(repo), str(checkout)], check=True)
        for key, text in files[name].items():  # the student's commits
            (checkout / "assignments" / LEVEL / key).write_text(text)
        payload = run_workflow(checkout, env_dir / "bin", hidden, work / name)
        scores[name] = sum(t["score"] for t in payload["tests"])
        assert payload["max_score"] == 100
    # Without the hidden tests: the public tests only, and the summary says so.
    checkout = work / "checkout-public"
    subprocess.run(["git", "clone", "-q", str(repo), str(checkout)], check=True)
    for key, text in files["full"].items():
        (checkout / "assignments" / LEVEL / key).write_text(text)
    payload = run_workflow(checkout, env_dir / "bin", None, work / "public")
    public = sum(t["max_score"] for t in payload["tests"])
    assert 0 < public < 100
    assert f"public {public:g}/{public:g}; hidden tests are graded after the deadline" in \
        payload["summary"]
    return scores


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict]:
    """The four submissions (folders, and their files by key) and the reference channel's
    scores: `grade.py LEVEL --submission DIR`."""
    root = tmp_path_factory.mktemp("channels")
    subs, files = {}, {}
    for name in ("full", "partial", "flat", "nested"):
        subs[name] = root / "subs" / name
        subs[name].mkdir(parents=True)
        files[name] = make_submission(subs[name], name)
    (root / "cli").mkdir()
    reference = by_cli(subs, root / "cli")
    print(f"\n{'grade.py --submission':<24}" + "".join(f"{reference[n]:>10g}" for n in subs))
    assert reference["full"] == 100 and all(0 < reference[n] < 100 for n in LEFT_OUT)
    return subs, files, reference


CHANNELS = {"batch": by_batch, "gradescope": by_gradescope, "nbgrader": by_nbgrader,
            "classroom": by_classroom}


@pytest.mark.slow
@pytest.mark.parametrize("channel", list(CHANNELS))
def test_every_channel_gives_the_same_score(tmp_path: Path, submissions, channel: str) -> None:
    """Full, partial, flat and nested submissions: the total `grade.py --submission` gives."""
    subs, files, reference = submissions
    grade = CHANNELS[channel]
    scores = grade(subs, files, tmp_path) if channel == "classroom" else grade(subs, tmp_path)
    print(f"{channel:<24}" + "".join(f"{scores.get(n, float('nan')):>10g}" for n in subs))
    assert scores == pytest.approx(reference, abs=1e-6), channel


@pytest.mark.parametrize("level_id", ["level-2", "level0"])
def test_the_workflow_sets_up_rust_only_for_a_rust_level(tmp_path: Path, monkeypatch,
                                                         level_id: str) -> None:
    """A Python-only level's workflow has no Rust step; level 0's caches the folder the
    grader's build really writes to (the kit's user cache folder, not rust_kernels/target)."""
    from autograder.instructor.release import generate
    from autograder.instructor.student_repo import workflow_text
    from autograder.judge.build import cache_dir
    from autograder.judge.build_cache import BuildStore

    workflow = yaml.safe_load(workflow_text(generate(ROOT, level_id), level_id))
    assert workflow["env"]["LEVEL"] == level_id
    (job,) = workflow["jobs"].values()
    uses = [step.get("uses", "") for step in job["steps"]]
    grade = next(step["run"] for step in job["steps"] if step.get("id") == "grade")
    assert '--submission .' in grade
    if level_id == "level-2":
        assert not [u for u in uses if u.startswith(("dtolnay/", "actions/cache"))]
        return
    (cache,) = [step for step in job["steps"] if step.get("uses", "").startswith("actions/cache")]
    paths = cache["with"]["path"].split()
    assert "rust_kernels/target" not in paths
    home = tmp_path / "runner"  # where the runner's ~ is, with the kit's default settings
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TEENYGRAD_CACHE", raising=False)
    target = cache_dir()
    cached = [Path(p.replace("~", str(home), 1)) for p in paths]
    assert target in cached and BuildStore.beside(target).folder in cached, (target, cached)


@pytest.mark.slow
def test_a_second_build_compiles_no_dependency_again() -> None:
    """What the workflow caches is what the build reuses: after one level 0 build, a second
    (a new workspace, as the next push gets) compiles none of the crate's dependencies again:
    their artifacts in the kit's user cache folder are untouched."""
    from autograder.judge.build import build_maturin, cache_dir
    from autograder.judge.workspace import Source, build_workspace

    level = load_level("level0", ROOT)

    def build() -> None:
        ws = build_workspace(level, Source("solutions"))
        try:
            assert build_maturin(level, ws) == {}
        finally:
            ws.cleanup()

    def dependencies() -> dict[str, int]:
        deps = cache_dir() / "release" / "deps"
        return {p.name: p.stat().st_mtime_ns for p in deps.glob("lib*.rlib")
                if not p.name.startswith("libteenygrad")}

    build()
    before = dependencies()
    assert any(name.startswith("libpyo3") for name in before), sorted(before)
    build()
    assert dependencies() == before


def _restore(saved: Path, home: Path, paths: list[str]) -> None:
    """What actions/cache does with `paths` (~ is the runner's HOME): copies from `saved`
    (hard links, times kept: both folders are this test's own)."""
    for path in paths:
        rel = Path(path.removeprefix("~/"))
        assert path.startswith("~/") and not rel.is_absolute(), path
        if (saved / rel).exists():
            shutil.copytree(saved / rel, home / rel, symlinks=True, dirs_exist_ok=True,
                            copy_function=os.link)


def _save(home: Path, saved: Path, paths: list[str]) -> None:
    """What actions/cache saves after the job: exactly `paths`, nothing else of the HOME."""
    shutil.rmtree(saved, ignore_errors=True)
    for path in paths:
        rel = Path(path.removeprefix("~/"))
        if (home / rel).exists():
            shutil.copytree(home / rel, saved / rel, symlinks=True, copy_function=os.link)


def _compiled(home: Path) -> dict[str, int]:
    """The kit crate's and the roofline probe's build outputs in the runner's cargo target
    folder, with their times: a compilation writes them again."""
    release = home / ".cache" / "teenygrad-kit" / "cargo-target" / "release"
    return {p.relative_to(release).as_posix(): p.stat().st_mtime_ns for p in release.rglob("*")
            if p.is_file() and ("teenygrad_kernels" in p.name or p.name.startswith("roofline"))}


@pytest.mark.slow
def test_level0_workflow_run_again_compiles_nothing(tmp_path: Path) -> None:
    """Level 0's workflow, every `run:` step in order in a clean checkout, twice, carrying to
    the second run only the paths its cache step lists: the second run compiles neither the
    kit's crate with the student's kernels nor the roofline probe, and gives the same score."""
    from autograder.judge.build import _owning, cache_dir

    level, started = load_level("level0", ROOT), time.monotonic()
    repo = tmp_path / "student-repo"
    write_student_repo(ROOT, repo, level="level0")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "template"], cwd=repo, check=True)
    env_dir = tmp_path / "venv"  # the runner's Python: the kit's packages, its own site
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    saved, home = tmp_path / "actions-cache", tmp_path / "home"
    # The cache an earlier push left (other sources): the kit's downloaded crates and its
    # compiled dependencies, to keep this test's cost down; no build store.
    cargo_home = Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")
    shutil.copytree(cargo_home / "registry", saved / ".cargo" / "registry", symlinks=True)
    with _owning(cache_dir()):
        shutil.copytree(cache_dir(), saved / ".cache" / "teenygrad-kit" / "cargo-target",
                        symlinks=True)
    # The tools the runner's setup steps install, found where this machine keeps them.
    runner: dict[str, str | None] = {
        "HOME": str(home), "RUSTUP_HOME": os.environ.get("RUSTUP_HOME")
        or str(Path.home() / ".rustup"), "CARGO_HOME": None, "CARGO_TARGET_DIR": None,
        "TEENYGRAD_CACHE": None,  # the kit's defaults under the runner's HOME
        "PATH": os.pathsep.join([str(env_dir / "bin"), sysconfig.get_path("scripts"),
                                 os.environ["PATH"]])}
    naive = "rust_kernels/teenygrad_kernels/src/kernels/sgemm_naive.rs"
    scores, compiled, stored = [], [], []
    print(f"\nlevel 0 workflow: set up in {time.monotonic() - started:.0f} s")
    for run in (1, 2):
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir()
        checkout = tmp_path / "checkout"  # a runner's checkout: the same path, new file times
        shutil.rmtree(checkout, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(repo), str(checkout)], check=True)
        (checkout / naive).write_text(without_markers(level.solution_path(naive).read_text()))
        paths: list[str] = []

        def restore(listed: list[str], paths: list[str] = paths) -> None:
            paths += listed
            _restore(saved, home, listed)

        payload = run_workflow(checkout, env_dir / "bin", None, tmp_path / f"run{run}",
                               runner=runner, restore=restore)
        assert paths, "level 0's workflow has no cache step"
        scores.append(sum(t["score"] for t in payload["tests"]))
        print(f"level 0 workflow, run {run}: {payload['seconds']} "
              f"({time.monotonic() - started:.0f} s since the start)")
        compiled.append(_compiled(home))
        stored.append(sorted(p.name for p in (home / ".cache" / "teenygrad-kit"
                                              / "cargo-target-built").iterdir()))
        if run == 1:  # what the second run starts from: the first's, through the cache
            _save(home, saved, paths)
            restored = _compiled(saved)
    print(f"\nlevel 0 workflow: scores {scores}, build store {stored}")
    assert scores[0] == scores[1] and scores[0] > 0, scores
    assert compiled[0] and restored == compiled[0], "the cache step lost the build outputs"
    assert compiled[1] == restored, "the second run compiled again"
    assert stored[0] == stored[1] and len(stored[0]) == 2, stored  # the wheel and the probe
