"""Whole-proof sampling and best-first tactic search over the `itp` proof-environment interface."""

from .best_first import BestFirstConfig, BestFirstSearch
from .results import SearchResult
from .sampling import SamplingConfig, pass_at_k, sample_proofs

__all__ = ["BestFirstConfig", "BestFirstSearch", "SamplingConfig", "SearchResult", "pass_at_k", "sample_proofs"]
