"""Benchmarks, run with ``make bench``: figures side by side with a baseline from the same run."""
