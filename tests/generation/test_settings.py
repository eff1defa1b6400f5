"""Engine settings in one typed place: CLI flags, self-play's YAML (`prover.engine`), and `--model vllm:ID`."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from stp_prover.generation import EngineSettings, split_model

ROOT = Path(__file__).resolve().parents[2]


def _parse(*argv: str) -> EngineSettings:
    from stp_prover.cli.options import add_engine_options, engine_settings

    parser = argparse.ArgumentParser()
    add_engine_options(parser)
    return engine_settings(parser.parse_args(list(argv)))


def test_flags_set_fields_and_pass_the_rest_to_the_engine():
    s = _parse("--engine", "vllm", "--engine-arg", "tensor_parallel_size=2", "--engine-arg", "enforce_eager=true")
    assert s.engine == "vllm" and s.tensor_parallel_size == 2 and s.args == {"enforce_eager": True}
    assert _parse() == EngineSettings()
    for bad in ("nonsense", "max_batch=0", "gpu_memory_utilization=1.5"):
        with pytest.raises(ValueError):
            _parse("--engine-arg", bad)


def test_model_prefix_selects_vllm():
    assert split_model("vllm:deepseek-ai/DeepSeek-Prover-V1.5-SFT")[0] == "deepseek-ai/DeepSeek-Prover-V1.5-SFT"
    assert split_model("vllm:x")[1].engine == "vllm" and split_model("some/path")[1].engine == "hf"


def test_selfplay_yaml_carries_the_engine_and_the_gpu_config_uses_vllm():
    from stp_prover.selfplay import ConfigError, load_config, parse_overrides

    gpu = load_config(ROOT / "configs" / "selfplay_gpu_lean.yaml")
    assert gpu.prover.engine.engine == "vllm" and gpu.prover.engine.max_model_len == 1024  # STP: RL/utils/model_utils.py:80
    tiny = load_config(ROOT / "configs" / "selfplay_tiny_coq.yaml", parse_overrides(["prover.engine.max_batch=8"]))
    assert tiny.prover.engine.engine == "hf" and tiny.prover.engine.max_batch == 8
    with pytest.raises(ConfigError, match="prover.engine.engine"):
        load_config(ROOT / "configs" / "selfplay_tiny_coq.yaml", parse_overrides(["prover.engine.engine=foo"]))
