"""Supervised fine-tuning with TRL's SFTTrainer: prompt tokens masked out of the loss, one weight per example
(normalised to mean 1 over the dataset), optional LoRA merged back, and a checkpoint `--model` loads as is. With
`workers > 1` the same training runs data-parallel over that many processes (training/distributed.py)."""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .examples import TrainingExample
from .layout import (
    LOAD_META,
    LOAD_ZERO_INIT,
    accumulation_steps,
    check_global_batch,
    per_device_batch,
    trainer_gpus,
    weights_loading,
)

SHARDINGS = ("none", "fsdp", "zero3")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass
class SFTSettings:
    epochs: float = 1.0
    # Examples per optimiser micro-step over all workers (split evenly among them), so that `workers` changes the
    # speed and not the optimisation; x gradient_accumulation_steps (in `extra`) per optimiser step.
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
    lr_scheduler: str = "linear"  # transformers' scheduler name (STP: constant_with_warmup)
    warmup_steps: int = 0  # capped at steps - 1, as STP caps it (RL_utils.py:681)
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    weight_decay: float = 0.0
    # True: the loss is sum(weight x token loss) / sum(weight) over the batch's completion tokens (levanter's
    # weighted_lm.py compute_weighted_loss: every token counts, long completions count more). False: the weighted
    # mean over examples of each example's mean token loss. Either is normalised over the whole optimiser step (all
    # accumulated micro-batches of all workers), so accumulation and workers do not change it.
    token_weighted_loss: bool = False
    # > 0: train exactly max(examples x epochs // effective batch, min_steps) optimiser steps, cycling through the
    # data (STP: max(len(train_ds) * epoch // BATCH_SIZE, 5), RL_step2_train.py:194). 0: whole epochs.
    min_steps: int = 0
    # Data-parallel processes on this machine: gloo on CPU, NCCL on GPU (one GPU each). 1: this process.
    workers: int = 1
    # "fsdp": PyTorch FSDP (full shard) for models whose weights, gradients and Adam state do not fit one device;
    # "zero3": DeepSpeed ZeRO-3 (needs deepspeed installed). The checkpoint is gathered and written once by rank 0.
    sharding: str = "none"
    # "auto": bf16 compute on a GPU that has it, fp32 elsewhere. The weights (and Adam's state) stay fp32 either way.
    precision: str = "auto"
    # Recompute each block's activations in the backward pass instead of keeping them: about one more forward per
    # step for activation memory that no longer grows with the layers. Off by default because the models trained
    # here on CPU and on one GPU fit without it, and TRL's SFTConfig would otherwise turn it on silently (its
    # default is True, trl/trainer/sft_config.py); a 7B model's GPU config turns it on. Non-reentrant
    # (use_reentrant False, torch's recommended form); under FSDP it is FSDP's activation checkpointing instead, as
    # transformers advises (training_args.py _process_fsdp_args).
    gradient_checkpointing: bool = False
    timeout_s: int = 1800  # a collective waiting longer than this fails the run (a dead worker) instead of hanging
    extra: dict = field(default_factory=dict)  # passed to trl.SFTConfig unchanged (gradient_accumulation_steps, ...)

    def validate(self) -> None:
        """Raise ValueError naming the setting that cannot be used."""
        if self.workers < 1:
            raise ValueError(f"sft.workers must be at least 1, got {self.workers}")
        per_device_batch(self.batch_size, self.workers)
        accumulation_steps(self.extra)
        if self.sharding not in SHARDINGS:
            raise ValueError(f"sft.sharding: {self.sharding!r}; choose one of {', '.join(SHARDINGS)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"sft.precision: {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        if self.lora and self.sharding != "none":
            raise ValueError("sft.lora with sharding: a LoRA run keeps the base on every device; use sharding: none")
        if self.sharding != "none" and self.workers < 2:
            raise ValueError(f"sft.sharding {self.sharding!r} shards over workers: set sft.workers to 2 or more")
        if self.timeout_s <= 0:
            raise ValueError("sft.timeout_s must be positive")


@dataclass
class TrainReport:
    checkpoint: str
    examples: int
    steps: int
    first_loss: Optional[float]
    last_loss: Optional[float]
    seconds: float
    world_size: int = 1
    train_loss: Optional[float] = None  # the mean loss over all optimiser steps (Trainer's `training_loss`)
    parallelism: str = "NO"  # accelerate's DistributedType as run: NO, MULTI_CPU, MULTI_GPU, FSDP, DEEPSPEED
    steps_per_second: Optional[float] = None  # optimiser steps over the training loop's time (no start-up, no save)
    loss_curve: list = field(default_factory=list)  # [step, loss] at each logging step, for plots
    gradient_checkpointing: bool = False  # whether the trained model recomputed activations (as the model ran)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _encode(tok, ex: TrainingExample, seq2seq: bool, max_length: int) -> dict:
    """The prompt's ids exactly as inference encodes them (generation/tokens.py: BOS where the tokenizer adds one,
    cut from the left), then the completion without special tokens and EOS; prompt tokens are masked out."""
    from stp_prover.generation.tokens import encode_example

    prompt, completion = encode_example(tok, ex.prompt, ex.completion, max_length, encoder=seq2seq)
    if seq2seq:  # the prompt is the encoder's input, with its own budget
        return {"input_ids": prompt or [tok.eos_token_id], "labels": completion[:max_length], "weight": ex.weight}
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


def _targets(labels, seq2seq: bool):
    """The label positions the loss predicts: a causal LM predicts token i + 1 from position i."""
    return labels if seq2seq else labels[:, 1:]


def _denominator(batch: dict, seq2seq: bool, token_weighted: bool):
    """What one micro-batch adds to the loss's normaliser: sum(weight) over its target tokens, or its examples."""
    import torch

    if token_weighted:
        mask = (_targets(batch["labels"], seq2seq) != -100).to(torch.float64)
        return (mask * batch["weight"].to(torch.float64)[:, None]).sum()
    return torch.tensor(float(batch["labels"].shape[0]), dtype=torch.float64)


def _is_seq2seq(model) -> bool:
    """Whether the model is an encoder-decoder, looking through DDP / DeepSpeed wrappers (`.module`)."""
    while not hasattr(model, "config") and hasattr(model, "module"):
        model = model.module
    return bool(getattr(model.config, "is_encoder_decoder", False))


def _weighted_trainer_class(token_weighted: bool = False):
    import torch
    import torch.nn.functional as F
    from trl import SFTTrainer

    class WeightedSFTTrainer(SFTTrainer):
        """SFTTrainer with the weighted loss of `SFTSettings.token_weighted_loss`, normalised over the optimiser step.

        Trainer (transformers 5.x trainer.py, `_inner_training_loop` / `get_batch_samples` / `training_step`) fetches
        an optimiser step's micro-batches first and passes `num_items_in_batch` to `compute_loss`; a loss normalised
        by it must not be divided again by the accumulation steps (`loss_is_scaled_for_ga`). Its own count is the
        unweighted number of target tokens, so `get_batch_samples` replaces it with the weighted normaliser, summed
        over every worker: DDP (and FSDP, ZeRO) average gradients over workers, hence the x world size below, as
        Trainer.compute_loss does with `average_tokens_across_devices`."""

        loss_is_scaled_for_ga = True
        save_dtype = None  # the checkpoint's dtype when not the fp32 of training (the base checkpoint's own)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # transformers < 5.x has no `loss_is_scaled_for_ga` and divides the loss unless the model takes loss
            # kwargs (trainer.py training_step); the loss below is already scaled for accumulation either way.
            self.model_accepts_loss_kwargs = True

        def _save(self, output_dir=None, state_dict=None):
            # save_model hands the gathered weights (FSDP full state dict, ZeRO-3's 16-bit one) to `_save` on the
            # writing rank (trainer.py save_model / _save): cast them there, so a bf16 base stays a bf16 checkpoint.
            if self.save_dtype is not None and self.args.should_save:
                if state_dict is None:
                    state_dict = self.model.state_dict()
                state_dict = {k: v.to(self.save_dtype) if v.is_floating_point() else v for k, v in state_dict.items()}
            super()._save(output_dir, state_dict=state_dict)

        def get_batch_samples(self, epoch_iterator, num_batches, *args, **kwargs):
            batches = []
            for _ in range(num_batches):
                try:
                    batches.append(next(epoch_iterator))
                except StopIteration:
                    break
            if not batches:
                return batches, None
            seq2seq = _is_seq2seq(self.model)
            total = sum(_denominator(b, seq2seq, token_weighted) for b in batches).to(self.args.device)
            if self.args.world_size > 1:
                torch.distributed.all_reduce(total, op=torch.distributed.ReduceOp.SUM)
            return batches, total

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            """The weighted loss; with `num_items_in_batch` (training), this micro-batch's share of the step's loss,
            else (a direct call, evaluation) the micro-batch's own weighted mean."""
            weights = inputs.pop("weight")
            labels = inputs["labels"]
            seq2seq = _is_seq2seq(model)
            # No key/value cache in training (it would only cost memory, and checkpointing refuses it). The Trainer
            # also sets model.config.use_cache to False (trainer.py); said here for calls outside the Trainer.
            if seq2seq:
                outputs = model(**inputs, use_cache=False)  # the model shifts labels into decoder inputs itself
                logits = outputs.logits
            else:
                outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], use_cache=False)
                logits = outputs.logits[:, :-1]
            target = _targets(labels, seq2seq)
            token_loss = F.cross_entropy(logits.float().transpose(1, 2), target, ignore_index=-100, reduction="none")
            mask = (target != -100).float()
            w = weights.to(token_loss.dtype)
            if token_weighted:
                numerator = (token_loss * mask * w[:, None]).sum()
            else:
                numerator = ((token_loss * mask).sum(1) / mask.sum(1).clamp(min=1) * w).sum()
            if num_items_in_batch is None:
                denominator = _denominator({"labels": labels, "weight": weights}, seq2seq, token_weighted)
                loss = numerator / denominator.to(numerator.dtype).clamp(min=1e-12)
            else:
                loss = numerator / num_items_in_batch.to(numerator.dtype).clamp(min=1e-12)
                loss = loss * self.args.world_size
            return (loss, outputs) if return_outputs else loss

    return WeightedSFTTrainer


def planned_steps(n_examples: int, epochs: float, effective_batch: int, minimum: int) -> int:
    """max(n x epochs // batch, minimum): STP's number of optimiser steps (RL_step2_train.py:194, minimum 5;
    RL_step3_final_model.py:226, minimum 10)."""
    return max(int(n_examples * epochs) // max(1, effective_batch), minimum)


def usable_examples(examples: Sequence[TrainingExample], settings: SFTSettings) -> list[TrainingExample]:
    """The examples trained on: with a completion and a positive weight, sampled down to `max_examples`, weights
    normalised to mean 1."""
    kept = [e for e in examples if e.completion.strip() and e.weight > 0]
    if not kept:
        raise ValueError("no training examples with a completion and a positive weight")
    if settings.max_examples and len(kept) > settings.max_examples:
        kept = random.Random(settings.seed).sample(kept, settings.max_examples)
    mean_w = sum(e.weight for e in kept) / len(kept)
    return [TrainingExample(e.prompt, e.completion, e.weight / mean_w, e.role, e.source) for e in kept]


def train_sft(
    examples: Sequence[TrainingExample], base: str | Path, out: str | Path, settings: Optional[SFTSettings] = None
) -> TrainReport:
    """Fine-tune the checkpoint `base` on `examples` and save the result (model + tokenizer) at `out`; with
    `settings.workers > 1` over that many processes (raises distributed.TrainingFailed when one of them fails)."""
    import time

    from transformers import AutoConfig

    s = settings or SFTSettings()
    s.validate()
    import torch

    if s.sharding != "none" and not torch.cuda.is_available():
        # accelerate turns FSDP / DeepSpeed on for GPU process groups only (state.py AcceleratorState); on CPU the
        # run would quietly be plain DDP.
        raise ValueError(f"sft.sharding {s.sharding!r} needs GPUs (one per worker); on CPU use sharding: none")
    t0 = time.monotonic()
    rows = usable_examples(examples, s)
    AutoConfig.from_pretrained(str(base))  # an unusable base fails here, before any worker starts
    if s.workers > 1:
        from .distributed import launch

        args = (rows, str(base), Path(out), s)
        report = launch(f"{__name__}:train_process", args, s.workers, s.timeout_s, Path(out) / "workers")
    else:
        report = train_process(rows, str(base), Path(out), s)
    report.seconds = round(time.monotonic() - t0, 1)
    return report


def _from_pretrained_dtype():
    """The keyword that sets from_pretrained's dtype: `dtype` since transformers 4.56, `torch_dtype` before."""
    import transformers
    from packaging.version import Version

    return "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"


def _checkpoint_dtype(cfg):
    """The dtype the base checkpoint was saved in (config `dtype`, `torch_dtype` before transformers 4.56); fp32
    when it names none."""
    import torch

    value = getattr(cfg, "dtype", None) or getattr(cfg, "torch_dtype", None)
    if isinstance(value, str):
        value = getattr(torch, value, None)
    return value if isinstance(value, torch.dtype) and value.is_floating_point else torch.float32


def _finish_config(config_json: Path, dtype=None) -> None:
    """Make a written config.json describe the checkpoint for inference, in one write:
    - `dtype` named where given: save_pretrained records the fp32 of the training weights (modeling_utils.py
      save_pretrained), and vLLM's dtype "auto" serves an fp32 config in fp16 (engine arguments, `--dtype`), not in
      the bf16 the base was trained in;
    - `use_cache` on: the Trainer turns it off for training and save_pretrained records that (trainer.py), so the
      checkpoint would generate without a key/value cache, every token recomputing the whole prefix."""
    import json

    if not config_json.exists():
        return
    data = json.loads(config_json.read_text())
    before = dict(data)
    if dtype is not None:
        name = str(dtype).split(".")[-1]
        for key in ("dtype", "torch_dtype"):
            if key in data or key == "dtype":
                data[key] = name
    if data.get("use_cache") is False:
        data["use_cache"] = True
    if data != before:
        config_json.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def training_arguments(s: SFTSettings, out: Path, n_rows: int, world_size: int):
    """The SFTConfig of a run: per-device batch, schedule, precision, sharding, TensorBoard logs under `out`."""
    import torch
    from trl import SFTConfig

    accumulation = accumulation_steps(s.extra)
    if s.min_steps > 0:
        steps = planned_steps(n_rows, s.epochs, s.batch_size * accumulation, s.min_steps)
        schedule = {"max_steps": steps, "warmup_steps": min(max(steps - 1, 0), s.warmup_steps)}
    else:
        schedule = {"warmup_steps": s.warmup_steps}
    gpu = torch.cuda.is_available()
    bf16 = s.precision == "bf16" or (s.precision == "auto" and gpu and torch.cuda.is_bf16_supported())
    sharding: dict = {}
    checkpointing = s.gradient_checkpointing
    if s.sharding == "fsdp":
        # transformers 5 takes fsdp=True (FSDP2, each `_no_split_modules` block wrapped, full shard), 4.x the
        # "full_shard auto_wrap" string; FULL_STATE_DICT so that save_model gathers one checkpoint on rank 0
        # (training_args.py _process_fsdp_args, trainer.py save_model). cpu_ram_efficient_loading: rank 0's weights
        # are broadcast into the others' meta-device models (load_model; accelerate/utils/fsdp_utils.py
        # fsdp2_load_full_state_dict), which FSDP1 does through sync_module_states.
        import transformers
        from packaging.version import Version

        modern = Version(transformers.__version__) >= Version("5.0")
        fsdp_config = {"state_dict_type": "FULL_STATE_DICT", "cpu_ram_efficient_loading": True}
        if not modern:
            fsdp_config["sync_module_states"] = True
        if checkpointing:  # FSDP's own, without gradient_checkpointing's extra all-gather in the backward pass
            fsdp_config["activation_checkpointing"] = True
            checkpointing = False
        sharding = {"fsdp": True if modern else "full_shard auto_wrap", "fsdp_config": fsdp_config}
    elif s.sharding == "zero3":
        sharding = {"deepspeed": zero3_config()}
    kwargs = dict(
        output_dir=str(out / "trainer"),  # TensorBoard writes its event files under trainer/runs/
        num_train_epochs=s.epochs,
        lr_scheduler_type=s.lr_scheduler,
        adam_beta2=s.adam_beta2,
        adam_epsilon=s.adam_epsilon,
        weight_decay=s.weight_decay,
        **schedule,
        per_device_train_batch_size=per_device_batch(s.batch_size, world_size),
        learning_rate=s.learning_rate,
        logging_steps=s.logging_steps,
        save_strategy="no",
        report_to=["tensorboard"],
        seed=s.seed,
        remove_unused_columns=False,
        dataset_kwargs={"skip_prepare_dataset": True},
        max_length=None,
        use_cpu=not gpu,
        bf16=bf16,
        gradient_checkpointing=checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if checkpointing else None,
        # Every parameter of these models (and every LoRA adapter) takes part in every loss: no search for unused
        # ones, which Trainer turns on whenever checkpointing is off (trainer.py create_accelerator_and_postprocess)
        # and which costs a traversal of the autograd graph each step.
        ddp_find_unused_parameters=False,
        ddp_timeout=s.timeout_s,
        disable_tqdm=True,
        **sharding,
    )
    kwargs.update(s.extra)  # the config's own word wins (an explicit `bf16: true`, a `max_steps`)
    return SFTConfig(**kwargs)


def zero3_config() -> dict:
    """DeepSpeed ZeRO-3 with the weights gathered into one 16-bit state dict at save time ("auto": from the
    Trainer's arguments, transformers integrations/deepspeed.py trainer_config_process)."""
    try:
        import deepspeed  # noqa: F401
    except ImportError:
        raise ValueError("sft.sharding zero3 needs DeepSpeed: pip install deepspeed (or use sharding: fsdp)") from None
    return {
        "zero_optimization": {"stage": 3, "stage3_gather_16bit_weights_on_model_save": True},
        "bf16": {"enabled": "auto"},
        "train_micro_batch_size_per_gpu": "auto",
        "train_batch_size": "auto",
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
    }


def train_process(rows: list[TrainingExample], base: str, out: Path, s: SFTSettings, world_size: int = 1):
    """Train in this process, alone or as one rank of a started process group; rank 0 writes the checkpoint and
    returns the report (other ranks return None)."""
    import torch
    from datasets import Dataset
    from transformers import AutoConfig, AutoTokenizer

    cfg = AutoConfig.from_pretrained(base)
    seq2seq = bool(getattr(cfg, "is_encoder_decoder", False))
    tok = AutoTokenizer.from_pretrained(base)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    # The arguments first: under ZeRO-3 they hold the HfDeepSpeedConfig that from_pretrained must see alive to load
    # under zero.Init (integrations/deepspeed.py); the device setup they run decides the GPUs of this process.
    args = training_arguments(s, out, len(rows), world_size)
    args._n_gpu = trainer_gpus(args.n_gpu)  # never DataParallel: trainer.py does the same for model parallelism
    check_global_batch(
        args.per_device_train_batch_size, args.n_gpu, args.gradient_accumulation_steps, args.world_size, s.batch_size
    )
    model = load_model(base, cfg, s.sharding, int(os.environ.get("RANK", "0")))
    dataset = Dataset.from_list([_encode(tok, e, seq2seq, s.max_length) for e in rows])
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
    trainer = _weighted_trainer_class(s.token_weighted_loss)(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tok,
        data_collator=_Collator(tok.pad_token_id),
        peft_config=peft_config,
    )
    save_dtype = _checkpoint_dtype(cfg)
    trainer.save_dtype = None if save_dtype == torch.float32 else save_dtype
    result = trainer.train()
    out.mkdir(parents=True, exist_ok=True)
    if s.lora:  # no sharding with LoRA (validate): rank 0 holds the whole model
        if trainer.args.should_save:
            trainer.model.merge_and_unload().to(save_dtype).save_pretrained(out)
            tok.save_pretrained(out)
    else:  # gathers FSDP / ZeRO-3 shards; writes on rank 0 only
        trainer.save_model(str(out))
    if not trainer.args.should_save:
        return None
    # A merged LoRA model was saved in `save_dtype` already; a full one names it here.
    _finish_config(out / "config.json", None if s.lora or trainer.save_dtype is None else save_dtype)
    curve = [[h["step"], h["loss"]] for h in trainer.state.log_history if "loss" in h and math.isfinite(h["loss"])]
    losses = [loss for _, loss in curve]
    return TrainReport(
        str(out),
        len(rows),
        int(result.global_step),
        losses[0] if losses else None,
        losses[-1] if losses else float(result.training_loss),
        0.0,
        world_size,
        float(result.training_loss),
        str(trainer.accelerator.distributed_type).split(".")[-1],
        result.metrics.get("train_steps_per_second"),
        curve,
        _checkpointed(trainer),
    )


def _checkpointed(trainer) -> bool:
    """Whether the trained model recomputed activations: transformers' flag on the model, or FSDP's own."""
    plugin = getattr(trainer.accelerator.state, "fsdp_plugin", None)
    model = trainer.accelerator.unwrap_model(trainer.model)
    fsdp_checkpointing = getattr(plugin, "activation_checkpointing", False)
    return bool(getattr(model, "is_gradient_checkpointing", False) or fsdp_checkpointing)


def load_model(base: str, cfg, sharding: str, rank: int):
    """The model this rank trains, with fp32 master weights; under FSDP only rank 0 reads the checkpoint (the others'
    parameters stay on the meta device until accelerate broadcasts rank 0's), under ZeRO-3 each rank allocates only
    its shard (zero.Init)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    seq2seq = bool(getattr(cfg, "is_encoder_decoder", False))
    model_cls = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
    how = weights_loading(sharding, rank)
    if how == LOAD_META:
        from accelerate import init_empty_weights

        # Buffers stay real: the non-persistent ones (RoPE's inv_freq) are not in rank 0's broadcast state dict and
        # accelerate re-registers them from this model (fsdp_utils.py fsdp2_prepare_model).
        with init_empty_weights(include_buffers=False):
            return model_cls.from_config(cfg, **{_from_pretrained_dtype(): torch.float32})
    if how == LOAD_ZERO_INIT:
        from transformers.integrations import is_deepspeed_zero3_enabled

        if not is_deepspeed_zero3_enabled():
            raise RuntimeError(
                "sharding zero3: no HfDeepSpeedConfig is alive, so from_pretrained would load the whole model on "
                "every rank; build the training arguments (which hold it) before loading the model"
            )
    # fp32 master weights whatever the checkpoint holds: bf16 is the compute type only (bf16=True autocasts), so
    # Adam does not update bf16 weights (transformers 5 loads a checkpoint's own dtype by default).
    return model_cls.from_pretrained(base, **{_from_pretrained_dtype(): torch.float32})
