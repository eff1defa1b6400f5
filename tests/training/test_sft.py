"""SFT with TRL on tiny models built from a config: prompt masking, per-example weights, LoRA, checkpoints that the
prover loads back."""

from __future__ import annotations

import pytest

from training import SFTSettings, TinyModelConfig, TrainingExample, init_model, read_examples, train_sft, write_examples
from training.sft import _encode


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    return {kind: init_model(root / kind, TinyModelConfig(kind=kind, width=64)) for kind in ("tiny-gpt2", "tiny-t5")}


EXAMPLES = [TrainingExample(f"Complete: theorem t{i} :", " Proof. lia. Qed.", 1.0 + i % 3) for i in range(16)]


def test_prompt_tokens_are_masked_out_of_the_loss():
    from transformers import ByT5Tokenizer

    tok = ByT5Tokenizer()
    row = _encode(tok, TrainingExample("PROMPT", "DONE"), seq2seq=False, max_length=64)
    n_prompt = len(tok("PROMPT", add_special_tokens=False)["input_ids"])
    assert row["labels"][:n_prompt] == [-100] * n_prompt
    assert row["labels"][n_prompt:] == row["input_ids"][n_prompt:]
    assert row["labels"][-1] == tok.eos_token_id
    # A long prompt is cut from the left: the completion always survives.
    long = _encode(tok, TrainingExample("x" * 500, "DONE"), seq2seq=False, max_length=32)
    assert len(long["input_ids"]) == 32 and long["labels"][-5:] == row["labels"][-5:]


@pytest.mark.parametrize("kind", ["tiny-gpt2", "tiny-t5"])
def test_training_lowers_the_loss_and_the_prover_loads_the_checkpoint(tiny, tmp_path, kind):
    from prover.hf import HFModel

    report = train_sft(
        EXAMPLES, tiny[kind], tmp_path / "ckpt", SFTSettings(epochs=4, learning_rate=3e-3, logging_steps=1)
    )
    assert report.steps == 8 and report.examples == 16
    assert report.last_loss < report.first_loss
    model = HFModel(str(tmp_path / "ckpt"))
    assert len(model.generate("Complete: theorem t1 :", 2, 8, beam=False)) == 2


def test_weights_scale_the_loss(tiny, tmp_path):
    """Zero-weight examples are dropped; an example's weight multiplies its loss."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from training.sft import _Collator, _weighted_trainer_class

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


def test_lora_is_merged_into_a_plain_checkpoint(tiny, tmp_path):
    import json

    train_sft(EXAMPLES, tiny["tiny-gpt2"], tmp_path / "lora", SFTSettings(epochs=1, lora=True, lora_r=4))
    assert not (tmp_path / "lora" / "adapter_config.json").exists()
    assert json.loads((tmp_path / "lora" / "config.json").read_text())["model_type"] == "gpt2"


def test_examples_round_trip_and_bad_lines_are_named(tmp_path):
    path = tmp_path / "ex.jsonl"
    assert write_examples(path, EXAMPLES[:3]) == 3
    assert list(read_examples(path)) == EXAMPLES[:3]
    path.write_text('{"prompt": "p"}\n')
    with pytest.raises(ValueError, match="ex.jsonl:1"):
        list(read_examples(path))
