"""Benchmarks that build large data and print figures: `make bench` runs them all."""
