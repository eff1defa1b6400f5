"""Turn `--model` into policies: none means the built-in portfolio; `vllm:ID` (or `--engine vllm`) uses vLLM;
anything else is a Hugging Face checkpoint (path or hub id). Every caller asking for the same model and settings
shares one generation service (one model in memory, requests batched together). A caller whose model lives
elsewhere (self-play's driver: in a policy actor on the generation GPUs) passes `service` and nothing is loaded here."""

from __future__ import annotations

import dataclasses
import os
from typing import Optional, Protocol, Sequence

from stp_prover.generation import Completion, EngineSettings, GenerationRequest, shared_service, split_model
from stp_prover.itp import ProofEnv
from stp_prover.policy import ProofPolicy, TacticPolicy

from .memory import MemoryTacticPolicy, TacticMemory
from .mixture import MixturePart, MixtureTacticPolicy
from .model_policies import GenerationConfig, ModelProofPolicy, ModelTacticPolicy
from .policy_settings import PolicySettings
from .portfolio import PortfolioProofPolicy, PortfolioTacticPolicy, PremiseSource


class RequestGenerator(Protocol):
    """What the model policies need of a generation service: completions for typed requests, one list each."""

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Completion]]: ...


def make_policies(
    env: ProofEnv,
    model: Optional[str] = None,
    premises: Optional[PremiseSource] = None,
    shared: Optional[dict] = None,
    engine: Optional[EngineSettings] = None,
    config: Optional[GenerationConfig] = None,
    policy: Optional[PolicySettings] = None,
    memory: Optional[TacticMemory] = None,
    service: Optional[RequestGenerator] = None,
) -> tuple[TacticPolicy, ProofPolicy]:
    """(tactic policy, proof policy) for `model`; `shared` is the cache of loaded models (default: process-wide),
    safe to share between threads; `service`, when given, generates for `model` and this process loads nothing.
    `policy` picks the tactic policy (default: the mixture of the model, `memory` and the portfolio when either is
    given, else the portfolio)."""
    settings = policy or PolicySettings()
    settings.validate()
    settings.require_model(model)
    portfolio = PortfolioTacticPolicy(env, premises)
    model_tactics, proof_policy = None, PortfolioProofPolicy(env)
    if model:
        if service is None:
            checkpoint, engine_settings = split_model(model, engine)
            service = shared_service(checkpoint, pinned(engine_settings), shared)
        model_tactics = ModelTacticPolicy(service, premises, config=config)
        proof_policy = ModelProofPolicy(service, config=config)
    kind = settings.resolved(model)
    if kind == "model":
        return model_tactics, proof_policy
    if kind == "portfolio":
        return portfolio, proof_policy
    parts = [MixturePart(portfolio, settings.portfolio_weight, "portfolio", keep=True)]
    if model_tactics is not None:
        # The model is asked only where the portfolio's and the memory's candidates of a node are spent: seconds of
        # CPU a call must not delay the closing tactics (the mixture never proves less than the portfolio).
        tactic_beam = (config or GenerationConfig()).tactic_beam
        parts.append(MixturePart(model_tactics, settings.model_weight, "model", deferred=True, limit=tactic_beam))
    if memory is not None:
        parts.insert(0, MixturePart(MemoryTacticPolicy(memory), settings.memory_weight, "memory"))
    return MixtureTacticPolicy(parts), proof_policy


def pinned(settings: EngineSettings) -> EngineSettings:
    """`settings` with the Hugging Face engine's torch threads pinned to half the cores when unset: the proof
    assistant runs beside it, and torch's default (every core) slows both."""
    if settings.engine != "hf" or settings.threads is not None:
        return settings
    return dataclasses.replace(settings, threads=max(1, (os.cpu_count() or 2) // 2))
