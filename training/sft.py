"""Supervised fine-tuning with TRL's SFTTrainer: prompt tokens masked out of the loss, one weight per example
(normalised to mean 1 over the dataset), optional LoRA merged back, and a checkpoint `--model` loads as is."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .examples import TrainingExample


@dataclass
class SFTSettings:
    epochs: float = 1.0
    batch_size: int = 8
    learning_rate: float = 1e-4
    max_length: int = 1024  # prompt + completion tokens; the prompt is cut from the left when longer
    max_examples: Optional[int] = None  # a random subset of this size, for budgets
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: Optional[list[str]] = None  # None: PEFT's default for the architecture
    seed: int = 0
    logging_steps: int = 10
    # The optimiser and loss. Defaults are Hugging Face's; STP's (levanter/config/RL_base.yaml, RL/utils/RL_utils.py
    # train_model) are lr_scheduler "constant_with_warmup", warmup_steps 5, adam_beta2 0.95, adam_epsilon 1e-5,
    # token_weighted_loss, min_steps 5 (10 for the final model): selfplay/config.py sets them for self-play.
    lr_scheduler: str = "linear"
    warmup_steps: int = 0  # capped at steps - 1, as STP caps it (RL_utils.py:681)
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    weight_decay: float = 0.0
    # True: the loss is sum(weight x token loss) / sum(weight) over the batch's completion tokens (levanter's
    # weighted_lm.py compute_weighted_loss: every token counts, long completions count more). False: the weighted
    # mean over examples of each example's mean token loss.
    token_weighted_loss: bool = False
    # > 0: train exactly max(examples x epochs // effective batch, min_steps) optimiser steps, cycling through the
    # data (STP: max(len(train_ds) * epoch // BATCH_SIZE, 5), RL_step2_train.py:194). 0: whole epochs.
    min_steps: int = 0
    extra: dict = field(default_factory=dict)  # passed to trl.SFTConfig unchanged (bf16, gradient_checkpointing, ...)


@dataclass
class TrainReport:
    checkpoint: str
    examples: int
    steps: int
    first_loss: Optional[float]
    last_loss: Optional[float]
    seconds: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _encode(tok, ex: TrainingExample, seq2seq: bool, max_length: int) -> dict:
    prompt = tok(ex.prompt, add_special_tokens=False)["input_ids"]
    completion = tok(ex.completion, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    completion = completion[:max_length]
    if seq2seq:
        prompt = prompt[-max_length:]
        return {"input_ids": prompt or [tok.eos_token_id], "labels": completion, "weight": ex.weight}
    prompt = prompt[max(0, len(prompt) + len(completion) - max_length) :]
    return {
        "input_ids": prompt + completion,
        "labels": [-100] * len(prompt) + completion,
        "weight": ex.weight,
    }


class _Collator:
    """Pads a batch; labels padded with -100, weights kept as a float tensor."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        def pad(rows, value):
            width = max(len(r) for r in rows)
            return torch.tensor([list(r) + [value] * (width - len(r)) for r in rows])

        ids = [b["input_ids"] for b in batch]
        return {
            "input_ids": pad(ids, self.pad_id),
            "attention_mask": pad([[1] * len(r) for r in ids], 0),
            "labels": pad([b["labels"] for b in batch], -100),
            "weight": torch.tensor([float(b["weight"]) for b in batch]),
        }


def _weighted_trainer_class(token_weighted: bool = False):
    import torch.nn.functional as F
    from trl import SFTTrainer

    class WeightedSFTTrainer(SFTTrainer):
        """SFTTrainer whose loss is the weighted mean over examples of each example's mean completion-token loss."""

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            weights = inputs.pop("weight")
            labels = inputs["labels"]
            seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
            if seq2seq:
                outputs = model(**inputs)  # the model shifts labels into decoder inputs itself
                logits, target = outputs.logits, labels
            else:
                outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
                logits, target = outputs.logits[:, :-1], labels[:, 1:]
            token_loss = F.cross_entropy(logits.float().transpose(1, 2), target, ignore_index=-100, reduction="none")
            mask = (target != -100).float()
            w = weights.to(token_loss.dtype)
            if token_weighted:
                weighted_mask = mask * w[:, None]
                loss = (token_loss * weighted_mask).sum() / weighted_mask.sum().clamp(min=1e-12)
            else:
                per_example = (token_loss * mask).sum(1) / mask.sum(1).clamp(min=1)
                loss = (per_example * w).mean()
            return (loss, outputs) if return_outputs else loss

    return WeightedSFTTrainer


def planned_steps(n_examples: int, epochs: float, effective_batch: int, minimum: int) -> int:
    """max(n x epochs // batch, minimum): STP's number of optimiser steps (RL_step2_train.py:194, minimum 5;
    RL_step3_final_model.py:226, minimum 10)."""
    return max(int(n_examples * epochs) // max(1, effective_batch), minimum)


def train_sft(
    examples: Sequence[TrainingExample], base: str | Path, out: str | Path, settings: Optional[SFTSettings] = None
) -> TrainReport:
    """Fine-tune the checkpoint `base` on `examples` and save the result (model + tokenizer) at `out`."""
    import time

    import torch
    from datasets import Dataset
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
    from trl import SFTConfig

    s = settings or SFTSettings()
    t0 = time.monotonic()
    out = Path(out)
    examples = [e for e in examples if e.completion.strip() and e.weight > 0]
    if not examples:
        raise ValueError("no training examples with a completion and a positive weight")
    if s.max_examples and len(examples) > s.max_examples:
        examples = random.Random(s.seed).sample(examples, s.max_examples)
    mean_w = sum(e.weight for e in examples) / len(examples)
    cfg = AutoConfig.from_pretrained(str(base))
    seq2seq = bool(getattr(cfg, "is_encoder_decoder", False))
    tok = AutoTokenizer.from_pretrained(str(base))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model_cls = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
    model = model_cls.from_pretrained(str(base))
    rows = [
        _encode(tok, TrainingExample(e.prompt, e.completion, e.weight / mean_w), seq2seq, s.max_length)
        for e in examples
    ]
    dataset = Dataset.from_list(rows)
    peft_config = None
    if s.lora:
        from peft import LoraConfig, TaskType

        peft_config = LoraConfig(
            r=s.lora_r,
            lora_alpha=s.lora_alpha,
            lora_dropout=s.lora_dropout,
            target_modules=s.lora_target_modules,
            task_type=TaskType.SEQ_2_SEQ_LM if seq2seq else TaskType.CAUSAL_LM,
        )
    schedule: dict = {}
    if s.min_steps > 0:
        accumulation = int(s.extra.get("gradient_accumulation_steps", 1))
        steps = planned_steps(len(rows), s.epochs, s.batch_size * accumulation, s.min_steps)
        schedule = {"max_steps": steps, "warmup_steps": min(max(steps - 1, 0), s.warmup_steps)}
    else:
        schedule = {"warmup_steps": s.warmup_steps}
    args = SFTConfig(
        output_dir=str(out / "trainer"),
        num_train_epochs=s.epochs,
        lr_scheduler_type=s.lr_scheduler,
        adam_beta2=s.adam_beta2,
        adam_epsilon=s.adam_epsilon,
        weight_decay=s.weight_decay,
        **schedule,
        per_device_train_batch_size=s.batch_size,
        learning_rate=s.learning_rate,
        logging_steps=s.logging_steps,
        save_strategy="no",
        report_to=[],
        seed=s.seed,
        remove_unused_columns=False,
        dataset_kwargs={"skip_prepare_dataset": True},
        max_length=None,
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=True,
        **s.extra,
    )
    trainer = _weighted_trainer_class(s.token_weighted_loss)(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tok,
        data_collator=_Collator(tok.pad_token_id),
        peft_config=peft_config,
    )
    result = trainer.train()
    trained = trainer.model
    if s.lora:
        trained = trained.merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    trained.save_pretrained(out)
    tok.save_pretrained(out)
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h and math.isfinite(h["loss"])]
    return TrainReport(
        str(out),
        len(examples),
        int(result.global_step),
        losses[0] if losses else None,
        losses[-1] if losses else float(result.training_loss),
        round(time.monotonic() - t0, 1),
    )
