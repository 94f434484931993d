"""The worker: the only process where student code runs (see `autograder.worker.main`)."""
