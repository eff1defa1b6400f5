"""Policies (Hugging Face, vLLM, the built-in tactic portfolio), prompt formats and the `prove` entry point."""

from stp_prover.policy import Candidate, PolicyUnavailable, ProofPolicy, TacticPolicy, dedupe

from .factory import make_policies
from .portfolio import PortfolioProofPolicy, PortfolioTacticPolicy
from .prompts import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt

__all__ = [
    "Candidate",
    "PolicyUnavailable",
    "PortfolioProofPolicy",
    "PortfolioTacticPolicy",
    "ProofPolicy",
    "TacticPolicy",
    "clean_tactic",
    "cut_whole_proof",
    "dedupe",
    "make_policies",
    "tactic_prompt",
    "whole_proof_prompt",
]
