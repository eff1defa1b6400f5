"""Supervised fine-tuning of the one model that plays both roles (TRL, optional PEFT LoRA), in one process or
data-parallel over several (gloo on CPU, NCCL on GPU, optional FSDP / ZeRO-3)."""

from .distributed import TrainingFailed
from .examples import ROLES, TrainingExample, read_examples, write_examples
from .models import TINY_KINDS, TinyModelConfig, init_model, is_checkpoint
from .sft import SFTSettings, TrainReport, train_sft

__all__ = [
    "ROLES",
    "TINY_KINDS",
    "SFTSettings",
    "TinyModelConfig",
    "TrainReport",
    "TrainingFailed",
    "TrainingExample",
    "init_model",
    "is_checkpoint",
    "read_examples",
    "train_sft",
    "write_examples",
]
