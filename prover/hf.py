"""Hugging Face checkpoints as policies: `HFModel` loads one behind a generation service (engine `hf`); the policies
are the engine-independent ones of model_policies.py. Kept for callers of the former API (`HFModel.generate`)."""

from __future__ import annotations

import dataclasses
from typing import Optional, Union

from stp_prover.generation import EngineSettings, GenerationRequest, GenerationService

from .model_policies import GenerationConfig, ModelProofPolicy, ModelTacticPolicy
from .portfolio import PremiseSource

__all__ = ["GenerationConfig", "HFModel", "HFProofPolicy", "HFTacticPolicy"]


class HFModel:
    """A checkpoint (path or hub id) loaded once in a generation service; thread-safe, batched across callers."""

    def __init__(
        self,
        name_or_path: str,
        device: Optional[str] = None,
        config: Optional[GenerationConfig] = None,
        engine: Optional[EngineSettings] = None,
    ):
        self.config = config or GenerationConfig()
        settings = engine or EngineSettings(max_input_tokens=self.config.max_input_tokens)
        settings = dataclasses.replace(settings, engine="hf", device=device or settings.device)
        self.service = GenerationService.start(name_or_path, settings)
        self.engine = self.service.engine
        self.seq2seq = self.engine.seq2seq

    def generate(self, prompt: str, n: int, max_new_tokens: int, beam: bool) -> list[tuple[str, float]]:
        """n continuations of `prompt` with their log-probabilities (sum over generated tokens)."""
        c = self.config
        request = GenerationRequest(prompt, n, max_new_tokens, c.temperature, c.top_p, (), c.seed, beam)
        [completions] = self.service.generate([request])
        return [(x.text, x.logprob) for x in completions]


def _service(model: Union[HFModel, GenerationService]) -> tuple[GenerationService, Optional[GenerationConfig]]:
    return (model.service, model.config) if isinstance(model, HFModel) else (model, None)


class HFTacticPolicy(ModelTacticPolicy):
    def __init__(
        self, model: Union[HFModel, GenerationService], premises: Optional[PremiseSource] = None, premises_k: int = 8
    ):
        service, config = _service(model)
        super().__init__(service, premises, premises_k, config)
        self.model = model


class HFProofPolicy(ModelProofPolicy):
    def __init__(self, model: Union[HFModel, GenerationService], informal: bool = False):
        service, config = _service(model)
        super().__init__(service, informal, config)
        self.model = model
