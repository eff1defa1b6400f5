"""The self-play round's stages, one job each: conjecture (A), sample (B), selection (C), training (D), evaluation
(E)."""
