"""Benchmarks: figures and targets, never assertions; run with `python -m tests.benchmarks.run`."""
