"""Tactic and whole-proof policies over a generation service: one code path for every engine (Hugging Face, vLLM);
concurrent searches holding the same service have their requests batched into shared engine calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from stp_prover.generation import GenerationRequest, GenerationService
from stp_prover.itp import State, Theorem
from stp_prover.policy import Candidate, ProofPolicy, TacticPolicy, dedupe

from .portfolio import PremiseSource
from .prompts import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt

FENCE = "```"  # whole proofs end at the closing code fence (cut_whole_proof cuts there too)


@dataclass
class GenerationConfig:
    """How the policies ask for text (the engine's own settings are generation.EngineSettings)."""

    max_input_tokens: int = 2048  # kept for callers of the old API; the engine's max_input_tokens applies
    # A tactic is one line (clean_tactic keeps the first): generation stops at the newline, and a short cap bounds
    # the rare run-on (seconds of CPU a node otherwise).
    max_new_tokens_tactic: int = 64
    tactic_stop: tuple[str, ...] = ("\n",)
    tactic_beam: int = 8  # tactics asked of the model per node inside a mixture (where it is the deferred part)
    max_new_tokens_proof: int = 1024
    temperature: float = 1.0
    top_p: float = 0.95
    seed: Optional[int] = None


class ModelTacticPolicy(TacticPolicy):
    """ReProver-style: premises then the state in, tactics out (beam search where the engine has it, else sampled),
    deduplicated, best first."""

    def __init__(
        self,
        service: GenerationService,
        premises: Optional[PremiseSource] = None,
        premises_k: int = 8,
        config: Optional[GenerationConfig] = None,
    ):
        self.service = service
        self.premises = premises
        self.premises_k = premises_k
        self.config = config or GenerationConfig()

    def request(self, state: State, n: int) -> GenerationRequest:
        premises = self.premises(state)[: self.premises_k] if self.premises else []
        c = self.config
        return GenerationRequest(
            tactic_prompt(state.text, premises),
            n,
            c.max_new_tokens_tactic,
            c.temperature,
            c.top_p,
            c.tactic_stop,
            c.seed,
            True,
        )

    def suggest(self, state: State, n: int) -> list[Candidate]:
        [completions] = self.service.generate([self.request(state, n)])
        return dedupe([Candidate(clean_tactic(c.text), c.logprob) for c in completions], n)


class ModelProofPolicy(ProofPolicy):
    """DeepSeek-Prover / STP style: the whole-proof prompt (and a proof prefix, if any) in; sampled completions, cut at
    the closing fence, out as whole proofs starting with the prefix."""

    def __init__(self, service: GenerationService, informal: bool = False, config: Optional[GenerationConfig] = None):
        self.service = service
        self.informal = informal
        self.config = config or GenerationConfig()

    def request(self, theorem: Theorem, n: int, prefix: str = "") -> GenerationRequest:
        c = self.config
        prompt = whole_proof_prompt(theorem, self.informal) + prefix
        return GenerationRequest(prompt, n, c.max_new_tokens_proof, c.temperature, c.top_p, (FENCE,), c.seed)

    def sample(self, theorem: Theorem, n: int, prefix: str = "") -> list[Candidate]:
        if n <= 0:
            return []
        [completions] = self.service.generate([self.request(theorem, n, prefix)])
        return [Candidate(cut_whole_proof(theorem, prefix + c.text), c.logprob) for c in completions]
