"""Conjecture prompts, generation, well-formedness checks and STP selection."""
