"""The engine interface and the one registry of engines (`hf`, `vllm`); implementations load lazily so importing
this module costs nothing."""

from __future__ import annotations

import abc
import importlib
from typing import Sequence

from .records import Completions, GenerationRequest
from .settings import ENGINE_NAMES, EngineSettings

# name -> "module:class"; imported on first use (torch / vllm are heavy and vllm is optional).
ENGINES = {"hf": "stp_prover.generation.hf:HFEngine", "vllm": "stp_prover.generation.vllm_engine:VLLMEngine"}
assert tuple(ENGINES) == ENGINE_NAMES


class Engine(abc.ABC):
    """One loaded model. Not thread-safe: a GenerationService's engine thread is its only caller."""

    name: str = ""

    @abc.abstractmethod
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completions]:
        """For each request, its n completions, in order; the whole chunk goes through the model together. A request
        the engine refuses gets none and the reason (`Completions.error`); the rest of the chunk is served."""

    def embed(self, texts: Sequence[str], max_length: int = 512) -> list[list[float]]:
        """Mean-pooled last hidden states of `texts` (engines without hidden states raise NotImplementedError)."""
        raise NotImplementedError(f"the {self.name} engine does not give hidden states")

    def sleep(self, level: int = 1) -> bool:
        """Free the accelerator while something else (training) uses it; False where the engine cannot."""
        return False

    def wake_up(self) -> None:
        """Undo `sleep`."""

    def close(self) -> None:
        """Release the model."""


def engine_class(name: str) -> type[Engine]:
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    module, cls = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_engine(model: str, settings: EngineSettings) -> Engine:
    """Load `model` (path or hub id) in the engine `settings.engine` names; PolicyUnavailable when it cannot."""
    settings.validate()
    return engine_class(settings.engine)(model, settings)
