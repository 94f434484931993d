"""`python -m autograder.worker` (started by the judge only)."""

from autograder.worker.main import main

main()
