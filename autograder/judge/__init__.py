"""The judge: builds workspaces, drives workers, runs the graded suites, scores."""
