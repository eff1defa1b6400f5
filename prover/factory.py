"""Turn `--model` into policies: none means the built-in portfolio; `vllm:ID` (or `--engine vllm`) uses vLLM;
anything else is a Hugging Face checkpoint (path or hub id). Every caller asking for the same model and settings
shares one generation service (one model in memory, requests batched together)."""

from __future__ import annotations

from typing import Optional

from generation import EngineSettings, shared_service, split_model
from itp import ProofEnv
from policy import ProofPolicy, TacticPolicy

from .model_policies import GenerationConfig, ModelProofPolicy, ModelTacticPolicy
from .portfolio import PortfolioProofPolicy, PortfolioTacticPolicy, PremiseSource


def make_policies(
    env: ProofEnv,
    model: Optional[str] = None,
    premises: Optional[PremiseSource] = None,
    shared: Optional[dict] = None,
    engine: Optional[EngineSettings] = None,
    config: Optional[GenerationConfig] = None,
) -> tuple[TacticPolicy, ProofPolicy]:
    """(tactic policy, proof policy) for `model`; `shared` is the cache of loaded models (default: process-wide),
    safe to share between threads."""
    if not model:
        return PortfolioTacticPolicy(env, premises), PortfolioProofPolicy(env)
    checkpoint, settings = split_model(model, engine)
    service = shared_service(checkpoint, settings, shared)
    return ModelTacticPolicy(service, premises, config=config), ModelProofPolicy(service, config=config)
