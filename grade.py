#!/usr/bin/env python3
"""Grade teenygrad levels: `python grade.py --help`. A thin entry point over `autograder.cli`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # works before `pip install -e .` too

from autograder.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
