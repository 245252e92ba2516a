"""Benchmarks of the AIC platform: ``python bench/run.py`` (``--smoke`` proves they still run)."""
