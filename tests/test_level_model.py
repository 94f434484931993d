"""One level model: the engine and the instructor tools read the same manifests the same way;
the names a level's files use (module, part labels) and docs/writing-a-level.md agree with
the files they describe."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from autograder.instructor import handouts
from autograder.instructor.levels import USER_ERRORS, kit_root, select_levels
from autograder.levels import Level, ManifestError, all_levels, load_level

KIT = Path(__file__).resolve().parent.parent
DOC = KIT / "docs" / "writing-a-level.md"
QUOTE = re.compile(r"<!-- quoted from (\S+) -->\n```\w*\n(.*?)```", re.DOTALL)
RUST_LABEL = re.compile(r"//! # Part `(\w+)` — (.+)")


def _kit(root: Path, manifest: str) -> Path:
    """A kit at `root` with one manifest, `demo.toml` unless the text names another id."""
    level_id = re.search(r'^id = "([^"]+)"', manifest, re.MULTILINE).group(1)
    folder = root / "autograder" / "levels"
    folder.mkdir(parents=True)
    (folder / f"{level_id}.toml").write_text(textwrap.dedent(manifest))
    return root


MANIFEST = """\
id = "{id}"
title = "t"
editable = ["a.py"]
{extra}
[parts.all]
title = "all"
points = 100
"""


def test_the_instructor_tools_use_the_engines_levels():
    """select_levels gives the engine's Level objects, in course order, from any kit root."""
    levels = select_levels(kit_root(), None)
    assert levels and all(isinstance(level, Level) for level in levels)
    assert [lv.id for lv in levels] == [lv.id for lv in all_levels()]
    assert [lv.order for lv in levels] == sorted(lv.order for lv in levels)
    assert select_levels(kit_root(), "level0") == [load_level("level0")]


def test_an_unknown_level_is_one_manifest_error(tmp_path):
    """Engine and instructor tools refuse an unknown level with the same one-line error."""
    root = _kit(tmp_path, MANIFEST.format(id="demo", extra=""))
    with pytest.raises(ManifestError, match=r"unknown level 'nope' \(known levels: demo\)"):
        select_levels(root, "nope")
    assert ManifestError in USER_ERRORS


def test_module_defaults_to_a_python_id_and_is_required_otherwise(tmp_path):
    """`module` may be left out when the id is a Python name; a `level-3` must name it."""
    root = _kit(tmp_path / "a", MANIFEST.format(id="demo", extra=""))
    assert load_level("demo", root).module == "demo"
    root = _kit(tmp_path / "b", MANIFEST.format(id="level-3", extra=""))
    with pytest.raises(ManifestError, match="`module` must be a Python name"):
        load_level("level-3", root)
    root = _kit(tmp_path / "c", MANIFEST.format(id="level-3", extra='module = "level_minus3"'))
    assert load_level("level-3", root).module == "level_minus3"


def test_the_instructor_tools_refuse_a_manifest_the_engine_refuses(tmp_path):
    """A manifest whose parts do not total 100 is refused by every tool, not only by grading."""
    root = _kit(tmp_path, MANIFEST.format(id="demo", extra="").replace("100", "90"))
    with pytest.raises(ManifestError, match="parts total 90 points"):
        select_levels(root, None)


@pytest.mark.parametrize("level", all_levels(), ids=lambda lv: lv.id)
def test_every_level_names_the_modules_it_has(level):
    """A level's `module` names its probes, references and handout modules."""
    for folder in ("autograder/probes", "autograder/references", "autograder/instructor/handouts"):
        path = KIT / folder / f"{level.module}.py"
        assert path.is_file() or path.with_suffix("").is_dir(), f"{folder}/{level.module}"
    assert level.id in handouts.available_levels()


@pytest.mark.parametrize("level", all_levels(), ids=lambda lv: lv.id)
def test_rust_task_labels_match_the_manifest(level):
    """Each Rust student file opens with ``//! # Part `id` — title``, as the manifest spells
    the part, in the solution and in the generated stub."""
    keys = [key for key in level.solution_keys() if key.endswith(".rs")]
    seen: list[str] = []
    for key in keys:
        for path in (level.solutions_dir / key, level.student_path(key)):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            label = RUST_LABEL.fullmatch(first)
            assert label, f"{path}: first line {first!r} is not a part label"
            part, title = label.groups()
            assert part in level.parts, f"{path}: no part {part!r} in {level.id}.toml"
            assert title == level.parts[part].title, f"{path}: {title!r} != the manifest's"
        seen.append(part)
    assert len(seen) == len(set(seen)), f"two files claim one part: {seen}"


def test_writing_a_level_quotes_real_files():
    """Every block of docs/writing-a-level.md marked `quoted from` is in the file it names."""
    quotes = QUOTE.findall(DOC.read_text(encoding="utf-8"))
    named = {path for path, _ in quotes}
    assert {"tests/engine_kit/autograder/levels/demo.toml",
            "tests/engine_kit/autograder/suites/demo/public/test_arith.py"} <= named
    for path, block in quotes:
        text = (KIT / path).read_text(encoding="utf-8")
        assert block in text, f"docs/writing-a-level.md quotes {path}, which no longer holds:\n" \
                              f"{block}"
