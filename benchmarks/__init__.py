"""Benchmarks, each against the raw library in the same run (results in BENCHMARKS.md)."""
