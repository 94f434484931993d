"""The release: markers, stubs, leak checks, --check, on a small synthetic kit and on the kit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from instructor_kit import SOLUTION_PY, SOLUTION_RS, STUB_PY, make_kit  # noqa: E402

from autograder.instructor import release  # noqa: E402
from autograder.instructor.levels import InstructorError, kit_root
from autograder.instructor.markers import MarkerError, find_regions
from autograder.instructor.stubs import stub_python, stub_rust
from autograder.levels import all_levels


def run_release(root: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    release.add_arguments(parser)
    return release.run(parser.parse_args([*argv, "--root", str(root)]))


def test_python_stub_keeps_signatures_and_docstrings():
    """A region in a def becomes a NotImplementedError naming the qualname; others vanish."""
    assert stub_python(SOLUTION_PY) == STUB_PY


def test_rust_stub_replaces_fn_bodies_and_drops_helpers():
    """A region in a fn becomes todo!() naming the fn; a region outside any fn is removed."""
    stub = stub_rust(SOLUTION_RS)
    assert "dot_unrolled" not in stub
    assert 'todo!("sgemm_naive: not implemented yet — see the doc comment above")\n}' in stub
    mid = stub_rust("fn f() {\n    // BEGIN SOLUTION\n    g();\n    // END SOLUTION\n    h();\n}\n")
    assert 'todo!("f: not implemented yet — see the doc comment above");\n    h();' in mid
    assert "c[i] *= 2.0" not in stub and "let _brace = '{';" in stub


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n### END SOLUTION\n", "without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "cannot nest"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "malformed marker"),
        ("x = 1  ### BEGIN SOLUTION\n", "malformed marker"),
        ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n### END SOLUTION\n", "indented"),
    ],
)
def test_bad_markers_are_refused(text, message):
    """Unbalanced, nested, misspelt or misplaced markers raise, naming the line."""
    with pytest.raises(MarkerError, match=message):
        find_regions(text.splitlines(), "python", "f.py")


def test_release_writes_then_check_passes(tmp_path, capsys):
    """A release writes every student file; --check then passes and writes nothing."""
    root = make_kit(tmp_path)
    assert run_release(root) == 0
    assert (root / "assignments" / "demo" / "pkg" / "core.py").read_text() == STUB_PY
    assert (root / "assignments" / "demo" / "pkg" / "__init__.py").exists()
    assert "todo!" in (root / "rust_kernels" / "k" / "src" / "student.rs").read_text()
    assert not (root / "assignments" / "demo" / "rust_kernels").exists()
    assert run_release(root, "--check") == 0
    assert "up to date" in capsys.readouterr().out


def test_check_names_the_drifted_files(tmp_path, capsys):
    """--check exits 1 naming a stub edited by hand and a missing stub, and changes nothing."""
    root = make_kit(tmp_path)
    run_release(root)
    stub = root / "assignments" / "demo" / "pkg" / "core.py"
    stub.write_text(stub.read_text() + "# edited by hand\n")
    (root / "rust_kernels" / "k" / "src" / "student.rs").unlink()
    capsys.readouterr()
    assert run_release(root, "--check", "--diff") == 1
    out = capsys.readouterr().out
    assert "assignments/demo/pkg/core.py: differs" in out
    assert "rust_kernels/k/src/student.rs: missing" in out
    assert "-# edited by hand" in out
    assert stub.read_text().endswith("# edited by hand\n")


def test_a_malformed_marker_fails_before_anything_is_written(tmp_path, capsys):
    """A one-hash marker would ship the solution: the release refuses, exit 2, one line."""
    bad = SOLUTION_PY.replace("    ### BEGIN SOLUTION\n    for", "    # BEGIN SOLUTION\n    for")
    root = make_kit(tmp_path, bad)
    assert run_release(root) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "solutions/demo/pkg/core.py:23: malformed marker" in err[0]
    assert not (root / "assignments").exists()


def test_a_leaked_solution_line_is_caught(monkeypatch, tmp_path, capsys):
    """If stubbing ever kept a solution line, the leak check stops the release."""
    from autograder.instructor.steps import make_stubs

    monkeypatch.setattr(make_stubs, "stub_text", lambda path, text: text.replace("###", "#~"))
    root = make_kit(tmp_path)
    assert run_release(root) == 2
    err = capsys.readouterr().err
    assert "marker left in the stub" in err
    assert "solution line in the stub: 'return math.sqrt(sum(v * v for v in values))'" in err
    assert not (root / "assignments").exists()


def test_missing_solution_and_unknown_level(tmp_path, capsys):
    """A key without a solution file, and an unknown level, are one-line errors (exit 2)."""
    root = make_kit(tmp_path)
    (root / "solutions" / "demo" / "rust_kernels" / "k" / "src" / "student.rs").unlink()
    assert run_release(root) == 2
    assert "student.rs: missing (listed in the demo manifest)" in capsys.readouterr().err
    assert run_release(root, "nope") == 2
    assert "unknown level 'nope'" in capsys.readouterr().err


def test_handout_notebook_is_released_with_solutions_cleared(tmp_path):
    """solutions/<id>/*.ipynb → assignments/<id>/ through nbgrader's ClearSolutions."""
    root = make_kit(tmp_path)
    cell = {
        "cell_type": "code", "execution_count": 3, "id": "q1", "outputs": [],
        "metadata": {"nbgrader": {"solution": True, "grade": False, "locked": False,
                                  "grade_id": "q1", "schema_version": 3}},
        "source": "### BEGIN SOLUTION\npeak_gflops_per_core = 4.0 * 16 * 2\n### END SOLUTION",
    }
    notebook = {"cells": [cell], "metadata": {"kernelspec": {"language": "python",
                "name": "python3", "display_name": "Python 3"}}, "nbformat": 4,
                "nbformat_minor": 5}
    (root / "solutions" / "demo" / "demo.ipynb").write_text(json.dumps(notebook))
    assert run_release(root) == 0
    released = json.loads((root / "assignments" / "demo" / "demo.ipynb").read_text())
    source = released["cells"][0]["source"]
    assert "raise NotImplementedError()" in source and "peak_gflops" not in source
    assert run_release(root, "--check") == 0


REFERENCE = '''"""The demo level's references."""


def optimizer_step(p, g, state, lr=0.1, momentum=0.9):
    """One SGD step with momentum (PyTorch's rule)."""
    state["buf"] = g.copy() if "buf" not in state else momentum * state["buf"] + g
    return p - lr * state["buf"]
'''


def test_check_names_reference_code_in_student_facing_files(tmp_path, capsys):
    """--check exits 1 with one line per copy of a reference function (renamed, here) in a
    public suite or a handout's Python block, and per import of the references."""
    root = make_kit(tmp_path)
    assert run_release(root) == 0
    (root / "autograder/references").mkdir(parents=True)
    (root / "autograder/references/demo.py").write_text(REFERENCE)
    copy = ("def sgd(param, grad, memo, rate=0.1, mu=0.9):\n"
            "    memo['buf'] = grad.copy() if 'buf' not in memo else mu * memo['buf'] + grad\n"
            "    return param - rate * memo['buf']\n")
    suite = root / "autograder/suites/demo/public/test_demo.py"
    suite.parent.mkdir(parents=True)
    suite.write_text("from autograder.references import demo\n\n\n" + copy)
    (root / "autograder/suites/demo/hidden").mkdir()
    (root / "autograder/suites/demo/hidden/test_hidden.py").write_text(REFERENCE)
    (root / "assignments/demo/README.md").write_text(f"# Demo\n\n```python\n{copy}```\n")
    capsys.readouterr()
    assert run_release(root, "--check") == 1
    out = [line for line in capsys.readouterr().out.splitlines() if "reference code" in line]
    prefix = "release --check: reference code in a student-facing file: "
    assert out == [
        prefix + "assignments/demo/README.md:1: 'sgd' is a copy of 'optimizer_step' from "
                 "autograder/references/demo.py",
        prefix + "autograder/suites/demo/public/test_demo.py:4: 'sgd' is a copy of "
                 "'optimizer_step' from autograder/references/demo.py",
        prefix + "autograder/suites/demo/public/test_demo.py:1: imports "
                 "autograder.references.demo (the judge's references, which are never shipped)"]


@pytest.mark.skipif(not all_levels(kit_root()), reason="no level manifest yet")
def test_the_kits_student_facing_files_hold_no_reference_code():
    """No public suite, stub, handout or notebook of the kit holds or imports reference code."""
    assert release.reference_code(kit_root()) == []


@pytest.mark.skipif(not all_levels(kit_root()), reason="no level manifest yet")
def test_the_kits_stubs_match_the_solutions():
    """The committed stubs are exactly what the release generates (no drift)."""
    try:
        ctx = release.generate(kit_root(), None, check_only=True, steps=release.STEPS)
    except InstructorError as exc:
        pytest.fail(f"the release refuses the kit's solutions:\n{exc}")
    assert [ctx.rel(f.target) for f in ctx.differing] == []


@pytest.mark.parametrize("argv", [["--check", "--student-repo", "REPO"], ["--diff"],
                                  ["--force"]])
def test_a_flag_of_another_mode_is_a_usage_error(tmp_path, capsys, argv):
    """--check with --student-repo, --diff without --check, --force without --student-repo:
    exit 2, one line, nothing written."""
    root = make_kit(tmp_path / "kit")
    repo = tmp_path / "repo"
    assert run_release(root, *[str(repo) if a == "REPO" else a for a in argv]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not repo.exists() and not (root / "assignments").exists()


@pytest.mark.parametrize("text", ["[]", "{}", '{"cells": 5, "metadata": {}}'])
def test_a_handout_that_is_not_a_notebook_is_one_line(tmp_path, capsys, text):
    """A solutions/ notebook that is JSON but no notebook: exit 2 naming it, not exit 3."""
    root = make_kit(tmp_path)
    (root / "solutions" / "demo" / "demo.ipynb").write_text(text)
    assert run_release(root, "--check") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "demo.ipynb" in err[0] and "not a notebook" in err[0]


def test_a_student_repo_below_a_file_is_one_line(tmp_path, capsys):
    """--student-repo under a file: exit 2, one line, before anything is built."""
    root = make_kit(tmp_path / "kit")
    (tmp_path / "afile").write_text("x")
    assert run_release(root, "--student-repo", str(tmp_path / "afile" / "sub")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a file, not a folder" in err[0]
