"""The one resolver of submission layouts (autograder/judge/layout.py), on the demo level:
which layout each folder is read in, and that each gives the workspace the same files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ENGINE_KIT

from autograder.judge.layout import Layout, LayoutKind, resolve_layout
from autograder.judge.workspace import Source, build_workspace
from autograder.levels import load_level

LEVEL = load_level("demo", ENGINE_KIT)
FILES = {key: (ENGINE_KIT / "solutions" / "demo" / key).read_text() for key in LEVEL.stub_keys()}

#: layout name -> (path of each key's file in the submission, the layout expected)
LAYOUTS = {
    "repository": ("assignments/demo/{key}", Layout(LayoutKind.REPOSITORY)),
    "by key": ("{key}", Layout(LayoutKind.BY_KEY)),
    "flat": ("{name}", Layout(LayoutKind.FLAT)),
    "nested repository": ("teenygrad-main/assignments/demo/{key}",
                          Layout(LayoutKind.REPOSITORY, "teenygrad-main")),
    "nested by key": ("upload/{key}", Layout(LayoutKind.BY_KEY, "upload")),
    "flat in a folder": ("my files/{name}", Layout(LayoutKind.FLAT)),
}


def submission(folder: Path, pattern: str) -> Path:
    for key, text in FILES.items():
        rel = pattern.format(key=key, name=Path(key).name)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_each_layout_is_found_and_gives_the_same_files(tmp_path: Path, name: str) -> None:
    """Every layout, in the folder or one folder down, gives the workspace every file."""
    pattern, expected = LAYOUTS[name]
    sub = submission(tmp_path / "sub", pattern)
    (sub / ".DS_Store").write_text("litter")  # never counts as a second entry
    if expected.base:
        (sub / "demo.ipynb").write_text("{}")  # a notebook beside the folder is fine
    assert resolve_layout(LEVEL, sub) == expected
    ws = build_workspace(LEVEL, Source("submission", sub))
    try:
        assert ws.layout == expected and ws.missing == []
        assert {key: (ws.student / key).read_text() for key in ws.keys} == FILES
    finally:
        ws.cleanup()


def test_a_second_folder_keeps_the_submission_flat(tmp_path: Path) -> None:
    """Two folders (or a student file beside the folder) are not 'one folder down': the files
    are then found by name, wherever they are."""
    sub = submission(tmp_path / "sub", "teenygrad-main/assignments/demo/{key}")
    (sub / "other").mkdir()
    assert resolve_layout(LEVEL, sub) == Layout(LayoutKind.FLAT)
    lone = submission(tmp_path / "lone", "upload/{key}")
    (lone / "ops.py").write_text("x = 1\n")
    assert resolve_layout(LEVEL, lone) == Layout(LayoutKind.FLAT)


def test_the_layout_is_described_for_the_report() -> None:
    """The report's line names the layout and, one folder down, the folder."""
    assert Layout(LayoutKind.REPOSITORY, "teenygrad-main").describe() == (
        "submission layout: repository — a copy of the student repository (assignments/...), "
        "one folder down in teenygrad-main/")
    assert Layout(LayoutKind.FLAT).describe().startswith("submission layout: flat — bare files")
