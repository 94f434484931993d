"""Handout notebooks: built from the handout modules and the manifests, in sync, well-formed."""

from __future__ import annotations

import json

import nbformat
import pytest

from autograder.instructor import handouts, notebooks
from autograder.instructor.levels import kit_root
from autograder.instructor.markers import notebook_regions


def test_answer_digests_use_the_notebooks_own_rounding():
    """The setup cell's canonical form (students' side) equals the builder's."""
    scope: dict = {}
    exec(handouts.SETUP.replace("@LEVEL@", "x").replace("@SIG@", str(handouts.SIG_FIGS)), scope)
    for value in [0.16101694915, 5 / 36, 12, True, (12, 4, -2), [[2 / 3, 0.0], [0.0, 2 / 9]],
                  -0.0, 1e-12, 22.369]:
        assert scope["_canonical"](value) == handouts.canonical(value)
    assert handouts.canonical(0.1610169) == handouts.canonical(0.16102)
    assert handouts.canonical(0.1610169) != handouts.canonical(0.1612)
    assert not handouts._stable(0.12345)  # on a rounding boundary: refused by the builder


@pytest.mark.parametrize("level", handouts.available_levels())
def test_source_notebook_is_in_sync_with_its_handout_and_manifest(level):
    """solutions/<id>/<id>.ipynb is what the handout module builds (`notebooks --sources`)."""
    path = kit_root() / "solutions" / level / f"{level}.ipynb"
    assert path.read_text() == handouts.notebook_text(level), (
        "run `python grade.py notebooks --sources`")
    notebook_regions(path)  # markers valid, in solution cells only, no hidden tests
    data = json.loads(path.read_text())
    engine = [c for c in data["cells"] if c["metadata"]["nbgrader"]["grade"]
              and c["metadata"]["nbgrader"]["grade_id"].startswith("engine_")]
    assert sum(c["metadata"]["nbgrader"]["points"] for c in engine) == 100


def test_course_layout_has_stubs_not_solutions(tmp_path):
    """`notebooks --course` puts the source notebook and the generated stubs in source/."""
    level = handouts.available_levels()[0]
    notebooks.build_course(kit_root(), tmp_path, [level])
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert str(kit_root()) in config and "@KIT_ROOT@" not in config
    files = sorted(p.relative_to(tmp_path / "source" / level).as_posix()
                   for p in (tmp_path / "source" / level).rglob("*") if p.is_file())
    assert f"{level}.ipynb" in files
    for rel in files:
        if rel.endswith(".py"):
            assert "BEGIN SOLUTION" not in (tmp_path / "source" / level / rel).read_text()


@pytest.mark.parametrize("level", handouts.available_levels())
def test_course_has_the_written_questions_as_an_assignment_apart(tmp_path, level):
    """`notebooks --course`: the level's notebook grades only its engine cells (100 points);
    every question of the source notebook, and no engine cell, is in `<level>-written`."""
    notebooks.build_course(kit_root(), tmp_path, [level])

    def graded(path):
        cells = nbformat.read(path, as_version=4).cells
        return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
                for c in cells if c.metadata.get("nbgrader", {}).get("grade")}

    source = graded(kit_root() / "solutions" / level / f"{level}.ipynb")
    engine = graded(tmp_path / "source" / level / f"{level}.ipynb")
    assert all(name.startswith("engine_") for name in engine) and sum(engine.values()) == 100
    questions = {k: v for k, v in source.items() if not k.startswith("engine_")}
    apart = tmp_path / "source" / notebooks.written_assignment(level)
    if not questions:
        assert not apart.exists()
        return
    assert graded(apart / f"{notebooks.written_assignment(level)}.ipynb") == questions
    assert [p.name for p in apart.iterdir()] == [f"{notebooks.written_assignment(level)}.ipynb"]


def _kit_copy(tmp_path):
    """A copy of the kit's levels, solutions and assignments (never write into the kit)."""
    import shutil

    root = tmp_path / "kit"
    for name in ["autograder", "solutions", "assignments", "rust_kernels"]:
        shutil.copytree(kit_root() / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "target"))
    return root


def _notebooks(*argv):
    import argparse

    parser = argparse.ArgumentParser()
    notebooks.add_arguments(parser)
    return notebooks.run(parser.parse_args(list(argv)))


def test_a_refused_course_run_changes_nothing_and_force_keeps_what_it_replaces(tmp_path, capsys):
    """A run refused for an existing folder leaves an edited nbgrader_config.py alone; the
    written questions' folder is never deleted without --force; --force keeps the old ones."""
    level = handouts.available_levels()[-1]
    course = tmp_path / "C"
    assert _notebooks(level, "--course", str(course)) == 0
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + "# my own setting\n")
    assert _notebooks(level, "--course", str(course)) == 2
    assert config.read_text().endswith("# my own setting\n")
    written = course / "source" / notebooks.written_assignment(level)
    if written.is_dir():
        import shutil

        shutil.rmtree(course / "source" / level)
        (written / "mine.txt").write_text("an instructor's file")
        capsys.readouterr()
        assert _notebooks(level, "--course", str(course)) == 2
        assert "exists (use --force" in capsys.readouterr().err
        assert (written / "mine.txt").exists()
    assert _notebooks(level, "--course", str(course), "--force") == 0
    out = capsys.readouterr().out
    assert (course / "nbgrader_config.py.~1~").read_text().endswith("# my own setting\n")
    assert "kept as nbgrader_config.py.~1~" in out
    if written.is_dir():
        assert (course / "replaced" / f"{written.name}.~1~" / "mine.txt").exists()


def test_check_with_course_is_a_usage_error(tmp_path, capsys):
    """--check belongs to --sources: with --course it is refused before anything is written."""
    course = tmp_path / "C"
    assert _notebooks(handouts.available_levels()[0], "--course", str(course), "--check") == 2
    assert not course.exists()
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("text", [
    "[]", "{}", '{"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    '{"cells": [{"cell_type": "code", "source": "x", "outputs": [], "execution_count": null,'
    ' "id": "a"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'])
def test_a_source_notebook_that_is_not_a_notebook_is_one_line(tmp_path, capsys, text):
    """Valid JSON that is not a notebook: exit 2 naming the file, no course written."""
    level = handouts.available_levels()[0]
    root = _kit_copy(tmp_path)
    (root / "solutions" / level / f"{level}.ipynb").write_text(text)
    course = tmp_path / "C"
    assert _notebooks(level, "--course", str(course), "--root", str(root)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{level}.ipynb" in err[0] and "not a notebook" in err[0]
    assert not course.exists()
