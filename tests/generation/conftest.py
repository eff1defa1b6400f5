"""Tiny Hugging Face checkpoints built from a config (no download): a decoder like DeepSeek-Prover, an
encoder-decoder like ReProver."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    from training import TinyModelConfig, init_model

    root = tmp_path_factory.mktemp("generation-models")
    for name, kind in (("t5", "tiny-t5"), ("gpt", "tiny-gpt2")):
        init_model(root / name, TinyModelConfig(kind=kind, width=64, layers=2, heads=2, context=1024))
    return root
