"""Minimal programs the benchmarks compare the platform against, measured in the same run."""
