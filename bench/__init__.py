"""Benchmarks (`make bench`): not tests. They measure and report; they assert nothing about time."""
