"""SFT with TRL on tiny models built from a config: prompt masking, prompts encoded as inference encodes them,
per-example weights, gradient accumulation scaled right, LoRA, checkpoints that the prover loads back."""

from __future__ import annotations

import json
import math

import pytest

from stp_prover.training import (
    SFTSettings,
    TinyModelConfig,
    TrainingExample,
    init_model,
    read_examples,
    train_sft,
    write_examples,
)
from stp_prover.training.sft import _encode


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    return {kind: init_model(root / kind, TinyModelConfig(kind=kind, width=64)) for kind in ("tiny-gpt2", "tiny-t5")}


EXAMPLES = [TrainingExample(f"Complete: theorem t{i} :", " Proof. lia. Qed.", 1.0 + i % 3) for i in range(16)]


def bos_tokenizer():
    """A byte-level tokenizer that adds BOS, as Llama-family tokenizers do (built here: no download)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(["<pad>", "<s>", "</s>", "<unk>"])}
    for ch in pre_tokenizers.ByteLevel.alphabet():
        vocab[ch] = len(vocab)
    tk = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    tk.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


def test_prompt_tokens_are_masked_out_of_the_loss():
    from transformers import ByT5Tokenizer

    tok = ByT5Tokenizer()
    row = _encode(tok, TrainingExample("PROMPT", "DONE"), seq2seq=False, max_length=64)
    n_prompt = len(tok("PROMPT", add_special_tokens=False)["input_ids"])  # ByT5 adds no BOS
    assert row["labels"][:n_prompt] == [-100] * n_prompt
    assert row["labels"][n_prompt:] == row["input_ids"][n_prompt:]
    assert row["labels"][-1] == tok.eos_token_id
    # A long prompt is cut from the left: the completion always survives.
    long = _encode(tok, TrainingExample("x" * 500, "DONE"), seq2seq=False, max_length=32)
    assert len(long["input_ids"]) == 32 and long["labels"][-5:] == row["labels"][-5:]


@pytest.mark.parametrize("make", ["bos", "byt5"])
def test_training_prompt_ids_are_what_inference_encodes(make):
    """Inference encodes a prompt with generation.encode_prompt (the tokenizer's leading special tokens as
    `tokenizer(prompt)` adds them, BOS first where it has one; a long prompt cut from the left); training's prompt ids
    are the same, and the completion follows without special tokens, then EOS."""
    from transformers import ByT5Tokenizer

    from stp_prover.generation import encode_prompt

    tok = bos_tokenizer() if make == "bos" else ByT5Tokenizer()
    prompt, completion = "theorem t (n : Nat) : n + 0 = n := by\n", "simp"
    row = _encode(tok, TrainingExample(prompt, completion), seq2seq=False, max_length=256)
    inference = encode_prompt(tok, prompt, 256)
    if make == "bos":  # a BOS tokenizer: inference's ids are the default encoding, BOS first, and so are training's
        assert inference == tok(prompt)["input_ids"] and inference[0] == tok.bos_token_id
    assert row["input_ids"][: len(inference)] == inference
    assert row["labels"][: len(inference)] == [-100] * len(inference)
    completion_ids = tok(completion, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    assert row["input_ids"][len(inference) :] == row["labels"][len(inference) :] == completion_ids
    # Cut to fit: the prompt keeps its BOS and its end, as at inference with the same budget.
    short = _encode(tok, TrainingExample(prompt, completion), seq2seq=False, max_length=20)
    assert len(short["input_ids"]) == 20
    assert short["input_ids"][: 20 - len(completion_ids)] == encode_prompt(tok, prompt, 20 - len(completion_ids))
    if make == "bos":
        assert short["input_ids"][0] == tok.bos_token_id
        assert (
            short["input_ids"][1 : 20 - len(completion_ids)]
            == tok(prompt, add_special_tokens=False)["input_ids"][-(19 - len(completion_ids)) :]
        )
    # Seq2seq: the encoder input is exactly the encoder's inference encoding (the tokenizer's EOS kept).
    encoder = _encode(tok, TrainingExample(prompt, completion), seq2seq=True, max_length=256)["input_ids"]
    assert encoder == encode_prompt(tok, prompt, 256, encoder=True) == tok(prompt)["input_ids"]


@pytest.mark.parametrize("kind", ["tiny-gpt2", "tiny-t5"])
def test_training_lowers_the_loss_and_the_prover_loads_the_checkpoint(tiny, tmp_path, kind):
    from stp_prover.prover.hf import HFModel

    report = train_sft(
        EXAMPLES, tiny[kind], tmp_path / "ckpt", SFTSettings(epochs=4, learning_rate=3e-3, logging_steps=1)
    )
    assert report.steps == 8 and report.examples == 16 and report.world_size == 1
    assert report.last_loss < report.first_loss
    assert list((tmp_path / "ckpt" / "trainer" / "runs").rglob("events.out.tfevents.*"))  # TensorBoard's curves
    # The Trainer trains without a key/value cache; the checkpoint must generate with one.
    assert json.loads((tmp_path / "ckpt" / "config.json").read_text()).get("use_cache", True) is True
    model = HFModel(str(tmp_path / "ckpt"))
    assert len(model.generate("Complete: theorem t1 :", 2, 8, beam=False)) == 2


def test_weights_scale_the_loss(tiny, tmp_path):
    """Zero-weight examples are dropped; an example's weight multiplies its loss."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from stp_prover.training.sft import _Collator, _weighted_trainer_class

    tok = AutoTokenizer.from_pretrained(str(tiny["tiny-gpt2"]))
    model = AutoModelForCausalLM.from_pretrained(str(tiny["tiny-gpt2"]))
    trainer_cls = _weighted_trainer_class()
    rows = [_encode(tok, TrainingExample("p", "q", w), False, 32) for w in (1.0, 3.0)]
    batch = _Collator(tok.pad_token_id)(rows)
    loss = trainer_cls.compute_loss(None, model, dict(batch))
    single = [trainer_cls.compute_loss(None, model, dict(_Collator(tok.pad_token_id)([r]))) for r in rows]
    assert torch.isclose(loss, (single[0] + single[1]) / 2, rtol=1e-4)
    assert torch.isclose(single[1], 3 * single[0], rtol=1e-4)
    with pytest.raises(ValueError, match="no training examples"):
        train_sft([TrainingExample("p", "q", 0.0)], tiny["tiny-gpt2"], tmp_path / "none")


def _one_step(base, rows, token_weighted: bool, batch: int, accumulation: int, out):
    """One optimiser step of the real trainer; returns (its reported loss, the gradients it stepped with)."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback

    from stp_prover.training.sft import _Collator, _weighted_trainer_class, training_arguments

    grads = {}

    class Grads(TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
            grads.update({n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None})

    tok = AutoTokenizer.from_pretrained(str(base))
    # No dropout: both runs must see the same function. No clipping: it would hide a scale error.
    model = AutoModelForCausalLM.from_pretrained(str(base), resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    s = SFTSettings(
        batch_size=batch,
        token_weighted_loss=token_weighted,
        logging_steps=1,
        extra={"gradient_accumulation_steps": accumulation, "max_steps": 1, "max_grad_norm": 0.0},
    )
    trainer = _weighted_trainer_class(token_weighted)(
        model=model,
        args=training_arguments(s, out, len(rows), 1),
        train_dataset=Dataset.from_list([_encode(tok, e, False, 64) for e in rows]),
        processing_class=tok,
        data_collator=_Collator(tok.pad_token_id),
        callbacks=[Grads()],
    )
    return trainer.train().training_loss, grads


@pytest.mark.parametrize("token_weighted", [True, False])
def test_gradient_accumulation_4x2_is_one_batch_of_8(tiny, tmp_path, token_weighted):
    """The loss of a step is normalised over all its micro-batches: 4 accumulated batches of 2 give the same loss
    and gradients as one batch of 8, and both equal the weighted loss of the 8 examples computed directly."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from stp_prover.training.sft import _Collator, _weighted_trainer_class, usable_examples

    # Different lengths (padding differs between the batchings) and weights (the two losses differ).
    rows = usable_examples(
        [TrainingExample(f"goal {i}:", " tac" * (1 + i % 4), 1.0 + (i % 3)) for i in range(8)], SFTSettings()
    )
    base = tiny["tiny-gpt2"]
    loss8, grads8 = _one_step(base, rows, token_weighted, 8, 1, tmp_path / "b8")
    loss2, grads2 = _one_step(base, rows, token_weighted, 2, 4, tmp_path / "b2")
    assert grads8 and grads8.keys() == grads2.keys()
    for name in grads8:
        torch.testing.assert_close(grads2[name], grads8[name], rtol=1e-4, atol=1e-5, msg=name)
    assert loss2 == pytest.approx(loss8, abs=1e-5)

    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForCausalLM.from_pretrained(str(base), resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    batch = _Collator(tok.pad_token_id)([_encode(tok, e, False, 64) for e in rows])
    direct = _weighted_trainer_class(token_weighted).compute_loss(None, model, dict(batch))
    direct.backward()
    assert loss8 == pytest.approx(float(direct), abs=1e-5)
    for name, p in model.named_parameters():
        torch.testing.assert_close(grads8[name], p.grad, rtol=1e-4, atol=1e-5, msg=name)


def test_a_bf16_base_trains_in_fp32_and_stays_a_bf16_checkpoint(tiny, tmp_path):
    """fp32 master weights (from_pretrained with an explicit dtype), the checkpoint written in the base's dtype and
    its config saying so (vLLM's dtype "auto" reads it)."""
    import torch
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = tmp_path / "bf16"
    AutoModelForCausalLM.from_pretrained(str(tiny["tiny-gpt2"])).to(torch.bfloat16).save_pretrained(base)
    AutoTokenizer.from_pretrained(str(tiny["tiny-gpt2"])).save_pretrained(base)
    for lora in (False, True):
        out = tmp_path / f"out-{lora}"
        report = train_sft(EXAMPLES[:4], base, out, SFTSettings(batch_size=4, lora=lora, lora_r=4, logging_steps=1))
        assert report.steps == 1 and math.isfinite(report.train_loss)
        assert json.loads((out / "config.json").read_text())["dtype"] == "bfloat16"
        with safe_open(str(out / "model.safetensors"), "pt") as fh:
            assert {fh.get_slice(k).get_dtype() for k in fh.keys()} == {"BF16"}
        model = AutoModelForCausalLM.from_pretrained(out)
        assert next(model.parameters()).dtype == torch.bfloat16


def test_lora_is_merged_into_a_plain_checkpoint(tiny, tmp_path):
    train_sft(EXAMPLES, tiny["tiny-gpt2"], tmp_path / "lora", SFTSettings(epochs=1, lora=True, lora_r=4))
    assert not (tmp_path / "lora" / "adapter_config.json").exists()
    assert json.loads((tmp_path / "lora" / "config.json").read_text())["model_type"] == "gpt2"


@pytest.mark.parametrize(
    "settings, message",
    [
        (SFTSettings(workers=0), "workers"),
        (SFTSettings(workers=2, batch_size=3), "multiple"),
        (SFTSettings(sharding="tp"), "sharding"),
        (SFTSettings(workers=2, sharding="fsdp", lora=True), "lora"),
        (SFTSettings(precision="fp8"), "precision"),
        (SFTSettings(workers=2, sharding="fsdp"), "needs GPUs"),  # on CPU it would be DDP under another name
    ],
)
def test_unusable_settings_are_named(tiny, tmp_path, settings, message):
    import torch

    if message == "needs GPUs" and torch.cuda.is_available():
        pytest.skip("a GPU machine runs FSDP")
    with pytest.raises(ValueError, match=message):
        train_sft(EXAMPLES, tiny["tiny-gpt2"], tmp_path / "x", settings)


def test_examples_round_trip_and_bad_lines_are_named(tmp_path):
    path = tmp_path / "ex.jsonl"
    assert write_examples(path, EXAMPLES[:3]) == 3
    assert list(read_examples(path)) == EXAMPLES[:3]
    path.write_text('{"prompt": "p"}\n')
    with pytest.raises(ValueError, match="ex.jsonl:1"):
        list(read_examples(path))


def _block_calls(base, s: SFTSettings, out) -> tuple[int, bool, object]:
    """Train one step with the real trainer; (the first block's forward calls, whether the model had checkpointing
    on, the model's config) as it trained."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from stp_prover.training.sft import _Collator, _weighted_trainer_class, training_arguments

    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForCausalLM.from_pretrained(str(base))
    calls = []
    block = model.transformer.h[0]
    forward = block.forward

    def counted(*args, **kwargs):  # not a forward hook: torch runs none while it recomputes
        calls.append(1)
        return forward(*args, **kwargs)

    block.forward = counted
    trainer = _weighted_trainer_class()(
        model=model,
        args=training_arguments(s, out, 4, 1),
        train_dataset=Dataset.from_list([_encode(tok, e, False, 64) for e in EXAMPLES[:4]]),
        processing_class=tok,
        data_collator=_Collator(tok.pad_token_id),
    )
    trainer.train()
    return len(calls), trainer.model.is_gradient_checkpointing, trainer.model.config


@pytest.mark.parametrize("on", [False, True])
def test_gradient_checkpointing_is_what_the_settings_say(tiny, tmp_path, on):
    """Set explicitly, not TRL's silent default (on, trl/trainer/sft_config.py): with it on, the backward pass
    recomputes each block's forward (non-reentrant torch checkpointing, transformers' GradientCheckpointingLayer), so
    the first block runs twice per step; off, once. No key/value cache while training (transformers' Trainer sets
    model.config.use_cache to TrainingArguments.use_cache, False, trainer.py). The run's report says which."""
    s = SFTSettings(batch_size=4, gradient_checkpointing=on, extra={"max_steps": 1})
    calls, flag, config = _block_calls(tiny["tiny-gpt2"], s, tmp_path / "probe")
    assert (calls, flag) == ((2, True) if on else (1, False))
    assert config.use_cache is False
    assert training_arguments_of(s).gradient_checkpointing_kwargs == ({"use_reentrant": False} if on else None)
    report = train_sft(EXAMPLES[:4], tiny["tiny-gpt2"], tmp_path / "out", s)
    assert report.gradient_checkpointing is on


def training_arguments_of(s: SFTSettings):
    from pathlib import Path

    from stp_prover.training.sft import training_arguments

    return training_arguments(s, Path("/nonexistent"), 4, 1)


def test_the_step_takes_the_batch_the_config_asks_for(tiny, tmp_path):
    """per-device batch x accumulation x processes (x DataParallel's GPUs, transformers/training_args.py
    train_batch_size) is sft.batch_size x accumulation; a setting that would change it is refused by name."""
    s = SFTSettings(batch_size=4, extra={"gradient_accumulation_steps": 2, "max_steps": 1})
    args = training_arguments_of(s)
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps, args.n_gpu) == (4, 2, 0)
    report = train_sft(EXAMPLES[:8], tiny["tiny-gpt2"], tmp_path / "ok", s)
    assert report.steps == 1
    overridden = SFTSettings(batch_size=8, extra={"per_device_train_batch_size": 16})
    with pytest.raises(ValueError, match="16 examples per optimiser step.*not the 8"):
        train_sft(EXAMPLES[:8], tiny["tiny-gpt2"], tmp_path / "x", overridden)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        train_sft(EXAMPLES[:8], tiny["tiny-gpt2"], tmp_path, SFTSettings(extra={"gradient_accumulation_steps": 0}))


def test_zero3_refuses_to_load_the_whole_model_without_its_deepspeed_config(tiny):
    """from_pretrained loads under deepspeed.zero.Init only while an HfDeepSpeedConfig is alive
    (transformers/integrations/deepspeed.py, modeling_utils.py get_init_context); train_process builds the training
    arguments, which hold it, before loading, and load_model refuses to load a ZeRO-3 model without it rather than
    materialise it whole on every rank. (The live-config half needs DeepSpeed, which a GPU node installs.)"""
    from transformers import AutoConfig

    from stp_prover.training.sft import load_model

    with pytest.raises(RuntimeError, match="HfDeepSpeedConfig"):
        load_model(str(tiny["tiny-gpt2"]), AutoConfig.from_pretrained(str(tiny["tiny-gpt2"])), "zero3", 0)


@pytest.mark.parametrize("checkpointing", [False, True])
def test_fsdp_arguments_load_on_rank_0_only_and_checkpoint_the_fsdp_way(monkeypatch, checkpointing):
    """cpu_ram_efficient_loading makes accelerate broadcast rank 0's weights into the other ranks' meta models
    (accelerate/utils/fsdp_utils.py fsdp2_prepare_model; test_distributed.py runs that broadcast for real);
    checkpointing under FSDP is FSDP's activation checkpointing, as transformers advises (training_args.py
    _process_fsdp_args), not gradient_checkpointing's extra all-gather."""
    monkeypatch.setenv("FSDP_CPU_RAM_EFFICIENT_LOADING", "false")  # SFTConfig sets it; undone after the test
    args = training_arguments_of(SFTSettings(workers=2, sharding="fsdp", gradient_checkpointing=checkpointing))
    assert args.fsdp_plugin_args["cpu_ram_efficient_loading"] is True
    assert args.fsdp_plugin_args["state_dict_type"] == "FULL_STATE_DICT"
    assert args.fsdp_plugin_args.get("activation_checkpointing", False) is checkpointing
    assert args.gradient_checkpointing is False and args.ddp_find_unused_parameters is False
