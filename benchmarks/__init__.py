"""Benchmarks of the generated client, each reported as a ratio against a baseline of the same run.

Run with `nox -s bench` or `python -m benchmarks [--only NAME ...]`. Every figure compares two
measurements taken on the same machine in the same run, so the ratios travel between machines
where absolute timings would not. Nothing here asserts on time.
"""
