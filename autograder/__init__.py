"""teenygrad-kit's autograder: a judge that never runs student code, and workers that do."""

import os
from pathlib import Path

__version__ = "0.1.0"

#: The root of the trusted kit (the folder holding grade.py, assignments/, solutions/, ...).
KIT_ROOT = Path(__file__).resolve().parent.parent


def content_root() -> Path:
    """Where levels, suites, solutions and assignments are read from.

    The kit itself, unless TEENYGRAD_KIT_ROOT names another tree (the kit's own tests use it
    to grade small made-up levels with the real engine).
    """
    return Path(os.environ.get("TEENYGRAD_KIT_ROOT") or KIT_ROOT).resolve()
