"""Supervised fine-tuning with TRL and PEFT on verified proofs and selected conjectures."""
