"""Anubandh's infrastructure: the SAM template and the embedded local stack built from it."""
