"""Policies (Hugging Face, vLLM, the built-in tactic portfolio), prompt formats and the `prove` entry point."""
