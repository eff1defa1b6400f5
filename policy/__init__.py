"""The policy interfaces every search and every model implementation share: a layer below `search/` and `prover/`,
so a search never imports a model implementation."""

from .interfaces import Candidate, PolicyUnavailable, ProofPolicy, TacticPolicy, dedupe

__all__ = ["Candidate", "PolicyUnavailable", "ProofPolicy", "TacticPolicy", "dedupe"]
