"""Turn `--model` into policies: none means the built-in portfolio; `vllm:ID` uses vLLM; anything else is a
Hugging Face checkpoint (path or hub id)."""

from __future__ import annotations

from typing import Optional

from itp import ProofEnv
from policy import ProofPolicy, TacticPolicy

from .portfolio import PortfolioProofPolicy, PortfolioTacticPolicy, PremiseSource


def make_policies(
    env: ProofEnv, model: Optional[str] = None, premises: Optional[PremiseSource] = None, shared: Optional[dict] = None
) -> tuple[TacticPolicy, ProofPolicy]:
    """(tactic policy, proof policy) for `model`; `shared` caches loaded models across calls (threads)."""
    if not model:
        return PortfolioTacticPolicy(env, premises), PortfolioProofPolicy(env)
    cache = shared if shared is not None else {}
    if model.startswith("vllm:"):
        from .vllm_policy import VLLMModel, VLLMProofPolicy, VLLMTacticPolicy

        m = cache.get(model) or cache.setdefault(model, VLLMModel(model[len("vllm:") :]))
        return VLLMTacticPolicy(m, premises), VLLMProofPolicy(m)
    from .hf import HFModel, HFProofPolicy, HFTacticPolicy

    m = cache.get(model) or cache.setdefault(model, HFModel(model))
    return HFTacticPolicy(m, premises), HFProofPolicy(m)
