"""vLLM policies (GPU). vLLM is an optional extra: without it the constructors raise PolicyUnavailable."""

from __future__ import annotations

from typing import Any, Optional

from itp import State, Theorem
from policy import Candidate, PolicyUnavailable, ProofPolicy, TacticPolicy, dedupe

from .portfolio import PremiseSource
from .prompts import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt

INSTALL_HINT = "pip install 'stp-prover[vllm]' on a machine with a CUDA GPU"


class VLLMModel:
    def __init__(self, name_or_path: str, **engine_args: Any):
        try:
            import vllm  # noqa: PLC0415 - optional extra
        except ImportError as exc:
            raise PolicyUnavailable(f"vLLM is not installed; {INSTALL_HINT}") from exc
        self.vllm = vllm
        self.llm = vllm.LLM(model=name_or_path, **engine_args)

    def generate(self, prompt: str, n: int, max_tokens: int, temperature: float) -> list[tuple[str, float]]:
        params = self.vllm.SamplingParams(n=n, max_tokens=max_tokens, temperature=temperature, logprobs=0)
        [request] = self.llm.generate([prompt], params, use_tqdm=False)
        return [(o.text, float(o.cumulative_logprob or 0.0)) for o in request.outputs]


class VLLMTacticPolicy(TacticPolicy):
    def __init__(self, model: VLLMModel, premises: Optional[PremiseSource] = None, temperature: float = 1.0):
        self.model, self.premises, self.temperature = model, premises, temperature

    def suggest(self, state: State, n: int) -> list[Candidate]:
        premises = self.premises(state) if self.premises else []
        outs = self.model.generate(tactic_prompt(state.text, premises), n, 128, self.temperature)
        return dedupe([Candidate(clean_tactic(t), lp) for t, lp in outs], n)


class VLLMProofPolicy(ProofPolicy):
    def __init__(self, model: VLLMModel, temperature: float = 1.0, max_tokens: int = 2048):
        self.model, self.temperature, self.max_tokens = model, temperature, max_tokens

    def sample(self, theorem: Theorem, n: int, prefix: str = "") -> list[Candidate]:
        # A prefix is put at the end of the prompt: the model continues the proof from there.
        outs = self.model.generate(whole_proof_prompt(theorem) + prefix, n, self.max_tokens, self.temperature)
        return [Candidate(cut_whole_proof(theorem, prefix + t), lp) for t, lp in outs]
