"""Benchmarks (`make bench`): timings printed as tables, never asserted in tests."""
