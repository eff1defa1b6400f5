"""What `stp train` (and self-play's model) are configured with: where the model comes from, the data, the SFT
settings; read from YAML by stp_prover.settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from stp_prover.settings import ConfigError

from .models import TinyModelConfig
from .sft import SFTSettings


@dataclass
class ModelSettings:
    base: Optional[str] = None  # checkpoint path or hub id; or:
    init: Optional[TinyModelConfig] = None  # a model built from a config (no download), saved in the run folder

    def validate(self) -> None:
        """Raise ConfigError unless exactly one of `base` and `init` is given (and `init` can be built)."""
        if bool(self.base) == bool(self.init):
            raise ConfigError(
                "model: give exactly one of `base` (a checkpoint) or `init` (a model built from a config)"
            )
        if self.init is not None:
            try:
                self.init.validate()
            except ValueError as exc:
                raise ConfigError(f"model.init.{exc}") from None


@dataclass
class TrainRunConfig:
    """`stp train`: a model, data, and SFT settings."""

    out: str = "runs/train/checkpoint"  # where the fine-tuned checkpoint is written
    model: ModelSettings = field(default_factory=ModelSettings)
    examples: list[str] = field(default_factory=list)  # JSONL files of {prompt, completion, weight?, role?}
    traced: Optional[str] = None  # a traced-data folder: its tactic pairs (ReProver prompt) become examples
    traced_limit: Optional[int] = None  # at most this many traced tactic pairs
    sft: SFTSettings = field(default_factory=SFTSettings)

    def validate(self) -> None:
        self.model.validate()
        if not self.examples and not self.traced:
            raise ConfigError("give training data: `examples` (JSONL files) and/or `traced` (a traced-data folder)")
