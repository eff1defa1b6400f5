"""One builder for every model built from a config (tiny GPT-2 and T5 with the byte tokenizer, Llama around a
trained tokenizer), and `stp train`'s configuration, which now lives in training."""

from __future__ import annotations

import json

import pytest

from stp_prover.settings import ConfigError, load_config
from stp_prover.training import (
    MODEL_KINDS,
    ModelSettings,
    TinyModelConfig,
    TrainRunConfig,
    count_parameters,
    init_model,
)
from stp_prover.training.tokenizer import train_bpe_tokenizer


@pytest.mark.parametrize(
    "kind, model_type, width_key, ffn_key",
    [
        ("tiny-gpt2", "gpt2", "n_embd", "n_inner"),
        ("tiny-t5", "t5", "d_model", "d_ff"),
        ("llama", "llama", "hidden_size", "intermediate_size"),
    ],
)
def test_every_kind_builds_a_checkpoint_of_its_architecture(tmp_path, kind, model_type, width_key, ffn_key):
    from transformers import AutoTokenizer

    config = TinyModelConfig(kind=kind, width=32, layers=1, heads=2, intermediate=48, context=64)
    out = init_model(tmp_path / kind, config)
    saved = json.loads((out / "config.json").read_text())
    assert saved["model_type"] == model_type and saved[width_key] == 32 and saved[ffn_key] == 48
    assert len(AutoTokenizer.from_pretrained(out)) == saved["vocab_size"]  # the byte tokenizer, saved beside it
    assert count_parameters(out) > 0
    assert set(MODEL_KINDS) == {"tiny-gpt2", "tiny-t5", "llama"}


def test_a_trained_tokenizer_is_built_around_and_seeds_make_the_same_weights(tmp_path):
    from transformers import AutoModelForCausalLM

    texts = [f"Theorem t{i} : {i} + 0 = {i}. Proof. lia. Qed." for i in range(200)]
    tok = train_bpe_tokenizer(texts, tmp_path / "tok", vocab_size=300)
    config = TinyModelConfig(kind="llama", width=32, layers=1, heads=2, context=64)
    a = init_model(tmp_path / "a", config, tmp_path / "tok")
    b = init_model(tmp_path / "b", config, tmp_path / "tok")
    saved = json.loads((a / "config.json").read_text())
    assert saved["vocab_size"] == len(tok) and saved["bos_token_id"] == tok.bos_token_id
    assert saved["intermediate_size"] == 128  # 8/3 x 32 = 85.3, rounded up to a multiple of 64
    wa, wb = (AutoModelForCausalLM.from_pretrained(p).state_dict() for p in (a, b))
    assert all((wa[k] == wb[k]).all() for k in wa)


@pytest.mark.parametrize(
    "config, message",
    [
        (TinyModelConfig(kind="tiny-bert"), "kind: 'tiny-bert' is not one of tiny-gpt2, tiny-t5, llama"),
        (TinyModelConfig(width=30, heads=4), r"width \(30\) must be a multiple of heads \(4\)"),
    ],
)
def test_a_model_that_cannot_be_built_is_refused_before_any_work(tmp_path, config, message):
    with pytest.raises(ValueError, match=message):
        init_model(tmp_path / "m", config)
    assert not (tmp_path / "m").exists()


def test_the_train_configuration_is_read_by_the_settings_loader(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("model: {init: {kind: tiny-t5, width: 32}}\nexamples: [a.jsonl]\nsft: {epochs: 2}\n")
    config = load_config(path, cls=TrainRunConfig)
    assert config.model == ModelSettings(init=TinyModelConfig(kind="tiny-t5", width=32))
    assert config.sft.epochs == 2 and config.sft.batch_size == 8
    for text, message in [
        ("model: {base: x, init: {}}\nexamples: [a]\n", "model: give exactly one of"),
        ("model: {base: x}\n", "give training data"),
        ("model: {init: {heads: 3}}\nexamples: [a]\n", r"model.init.width \(128\) must be a multiple of heads"),
        ("model: {init: {kind: bert}}\nexamples: [a]\n", "model.init.kind: 'bert'"),
        ("model: {base: x}\nexamples: [a]\nsft: {lr: 1}\n", r"sft: unknown key\(s\) lr"),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_config(path, cls=TrainRunConfig)
