"""Workers load the kit's worker-side modules from the judge's bytecode, never stale bytecode.

Python names every module it compiles from source in a `compile` audit event, so a process
that imports the modules with a hook installed shows which of them had no usable bytecode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import KIT_ROOT
from autograder.judge import sandbox
from autograder.judge.bytecode import (
    compile_student_modules,
    compile_worker_modules,
    worker_module_sources,
)


def compile_report(imports: str, under: str) -> str:
    """A program that runs `imports` and prints (JSON) the files whose path holds `under`
    that it compiled from source meanwhile."""
    return ("import json, sys\nseen = []\n"
            "sys.addaudithook(lambda e, a: e == 'compile' and seen.append(str(a[1])))\n"
            f"{imports}\nprint(json.dumps([s for s in seen if {under!r} in s]))\n")


#: The kit files this process compiled from source while importing the worker-side modules.
REPORT = compile_report("import autograder.worker.main, autograder.probes.level1, "
                        "autograder.cases.indexing", "/autograder/")


def compiled_from_source(python: list[str], pythonpath: list[str]) -> list[str]:
    """The kit files a fresh `python` compiled from source, run as a worker is (no bytecode
    written, the working folder and the user's site-packages off the path)."""
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(pythonpath),
           "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([*python], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_bytecode_is_used_and_an_edited_module_is_compiled_again(tmp_path: Path) -> None:
    """In a copy of the worker-side modules: without bytecode each is compiled from source;
    after `compile_worker_modules` none is; after an edit, only the edited one."""
    copy = tmp_path / "autograder"
    for name in sandbox.WORKER_KIT_MODULES:
        source = KIT_ROOT / "autograder" / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copyfile(source, copy / name)
    python = [sys.executable, "-P", "-s", "-c", REPORT]
    before = compiled_from_source(python, [str(tmp_path)])
    assert str(copy / "probes" / "level1.py") in before and str(copy / "__init__.py") in before

    sources = worker_module_sources(copy)
    assert compile_worker_modules(sources) == len(sources)
    assert compiled_from_source(python, [str(tmp_path)]) == []
    assert compile_worker_modules(sources) == 0  # up to date: nothing written again

    edited = copy / "probes" / "level1.py"
    edited.write_text(edited.read_text() + "\nEDITED = True\n")
    assert compiled_from_source(python, [str(tmp_path)]) == [str(edited)]
    assert compile_worker_modules(sources) == 1


def test_a_sandboxed_worker_compiles_no_kit_module(tmp_path: Path) -> None:
    """The real modules, in the worker's view (bubblewrap, where it runs here): the bytecode
    the judge wrote beside them is what the worker's interpreter loads."""
    compile_worker_modules()
    view = sandbox.View(packages=("numpy",), writable=[tmp_path], chdir=tmp_path)
    cmd, pythonpath = sandbox.command(sandbox.probe(), view,
                                      [sandbox.interpreter(), "-P", "-s", "-c", REPORT])
    assert compiled_from_source(cmd, pythonpath) == []


@pytest.mark.skipif(not sandbox.probe().confined, reason="student files are compiled only "
                    "in the sandbox (unconfined, each worker compiles them, as before)")
def test_student_files_are_compiled_in_the_sandbox_and_used(tmp_path: Path) -> None:
    """The student's package gets bytecode from the sandboxed compiler (a file that does not
    compile gets none, one that warns gets it, and nothing of theirs runs); a worker-like
    interpreter then compiles none of the files that had bytecode."""
    student = tmp_path / "student"
    (student / "pkg").mkdir(parents=True)
    (student / "pkg" / "__init__.py").write_text("from pkg.core import twice\n")
    (student / "pkg" / "core.py").write_text(
        "import pathlib\n\ntry:  # a trace, where the folder is writable: the compiler's view\n"
        "    pathlib.Path(__file__).with_name('ran').write_text('x')\nexcept OSError:\n"
        "    pass\n\n"
        "def twice(x):\n    return 2 * x\n")
    (student / "pkg" / "broken.py").write_text("def oops(:\n")
    (student / "pkg" / "warns.py").write_text("def f(x):\n    return x is 1\n" * 2000)
    report = compile_report("import pkg", "/student/")
    (tmp_path / "home").mkdir()
    view = sandbox.View(read_only=[student], writable=[tmp_path / "home"],
                        chdir=tmp_path / "home")
    cmd, _ = sandbox.command(sandbox.probe(), view,
                             [sandbox.interpreter(), "-P", "-s", "-c", report])

    def compiled() -> list[str]:
        return compiled_from_source(cmd, [str(student)])

    assert sorted(compiled()) == [str(student / "pkg" / "__init__.py"),
                                  str(student / "pkg" / "core.py")]
    assert compile_student_modules(student, sandbox.probe())
    assert not (student / "pkg" / "ran").exists()  # compiling ran none of the student's code
    cached = {p.name for p in (student / "pkg" / "__pycache__").iterdir()}
    # not broken.py; warns.py, whose 2000 SyntaxWarnings nobody reads, has its bytecode
    assert cached == {f"{name}.{sys.implementation.cache_tag}.pyc"
                      for name in ("__init__", "core", "warns")}
    assert compiled() == []
