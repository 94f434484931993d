"""Shared by the judge and the worker: wire encodings and seeded inputs (never answers)."""
