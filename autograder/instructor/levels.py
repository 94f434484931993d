"""What the instructor tools add to the level model (`autograder.levels`): the kit's root,
the choice of levels on a command line, and the errors they print as one line."""

from __future__ import annotations

from pathlib import Path

from autograder import content_root
from autograder.levels import Level, ManifestError, all_levels, load_level


class InstructorError(Exception):
    """A problem the instructor must fix; its message is one line, shown without a traceback."""


#: What an instructor command reports as one line and exit status 2: its own problems and
#: unusable or unknown level manifests.
USER_ERRORS: tuple[type[Exception], ...] = (InstructorError, ManifestError)


def kit_root() -> Path:
    """The kit's content root: the repository, or the tree named by TEENYGRAD_KIT_ROOT."""
    return content_root()


def select_levels(root: Path, wanted: str | None) -> list[Level]:
    """All levels of the kit at `root` in course order, or the one named `wanted` (`all` means
    all); ManifestError for an unknown name or an unusable manifest."""
    if wanted in (None, "all"):
        return all_levels(root)
    return [load_level(wanted, root)]
