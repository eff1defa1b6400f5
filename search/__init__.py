"""Whole-proof sampling and best-first tactic search over the `itp` proof-environment interface."""
