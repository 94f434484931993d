"""Probes: kit functions that run inside the worker and turn student objects into plain data."""
