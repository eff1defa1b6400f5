"""Policies (Hugging Face, vLLM, the built-in tactic portfolio), prompt formats, the `prove` entry point and the
client for `stp serve`."""

from stp_prover.policy import Candidate, PolicyUnavailable, ProofPolicy, TacticPolicy, dedupe

from .client import (
    CheckResult,
    ClientError,
    Generated,
    Health,
    JobRecord,
    ServerClient,
    ServerError,
    ServerTimeout,
    ServerUnreachable,
)
from .factory import make_policies
from .portfolio import PortfolioProofPolicy, PortfolioTacticPolicy
from .prompts import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt

__all__ = [
    "Candidate",
    "CheckResult",
    "ClientError",
    "Generated",
    "Health",
    "JobRecord",
    "PolicyUnavailable",
    "PortfolioProofPolicy",
    "PortfolioTacticPolicy",
    "ProofPolicy",
    "ServerClient",
    "ServerError",
    "ServerTimeout",
    "ServerUnreachable",
    "TacticPolicy",
    "clean_tactic",
    "cut_whole_proof",
    "dedupe",
    "make_policies",
    "tactic_prompt",
    "whole_proof_prompt",
]
