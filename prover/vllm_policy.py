"""vLLM checkpoints as policies: the same engine-independent policies over a generation service whose engine is
`vllm` (generation/vllm_engine.py; on a machine without a GPU, vLLM's CPU build). Without vLLM installed, loading
raises PolicyUnavailable. Run for real in tests/generation/test_vllm_real.py."""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

from stp_prover.generation import EngineSettings, GenerationService
from stp_prover.generation.vllm_engine import INSTALL_HINT

from .model_policies import ModelProofPolicy, ModelTacticPolicy

__all__ = ["INSTALL_HINT", "VLLMProofPolicy", "VLLMTacticPolicy", "load_vllm"]

VLLMTacticPolicy = ModelTacticPolicy
VLLMProofPolicy = ModelProofPolicy


def load_vllm(name_or_path: str, settings: Optional[EngineSettings] = None, **engine_args: Any) -> GenerationService:
    """A generation service with the vLLM engine; `engine_args` go to `vllm.LLM` (EngineArgs). Closing the service
    shuts the engine's processes down."""
    settings = settings or EngineSettings()
    settings = dataclasses.replace(settings, engine="vllm", args={**settings.args, **engine_args})
    return GenerationService.start(name_or_path, settings)
