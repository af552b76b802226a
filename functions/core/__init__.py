"""Shared code of every Anubandh function: domain models, rules, data access and plumbing."""
