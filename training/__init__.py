"""Supervised fine-tuning of the one model that plays both roles (TRL, optional PEFT LoRA), in one process or
data-parallel over several (gloo on CPU, NCCL on GPU, optional FSDP / ZeRO-3); models built from a config; `stp
train`'s configuration and `stp pretrain` (a tokenizer and a base model trained from scratch on traced proofs)."""

from .distributed import TrainingFailed
from .examples import ROLES, TrainingExample, read_examples, write_examples
from .layout import check_training_layout
from .models import MODEL_KINDS, TinyModelConfig, count_parameters, init_model, is_checkpoint
from .pretrain import PretrainConfig, PretrainData, PretrainReport, PromptFormats, pretrain_examples, run_pretrain
from .run_config import ModelSettings, TrainRunConfig
from .sft import SFTSettings, TrainReport, train_sft

__all__ = [
    "MODEL_KINDS",
    "ROLES",
    "ModelSettings",
    "PretrainConfig",
    "PretrainData",
    "PretrainReport",
    "PromptFormats",
    "SFTSettings",
    "TinyModelConfig",
    "TrainReport",
    "TrainRunConfig",
    "TrainingExample",
    "TrainingFailed",
    "check_training_layout",
    "count_parameters",
    "init_model",
    "is_checkpoint",
    "pretrain_examples",
    "read_examples",
    "run_pretrain",
    "train_sft",
    "write_examples",
]
