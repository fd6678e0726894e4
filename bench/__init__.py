"""Benchmarks (`make bench`): results as JSON plus a markdown summary under bench/results/."""
