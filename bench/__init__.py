"""Benchmarks run through `yiyang bench <name>` (see docs/benchmarks.md)."""
