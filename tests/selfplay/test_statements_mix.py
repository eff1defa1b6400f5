"""Targets as STP's dataset configs give them: several sources, each with its weight (RL_utils.py:710-726)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stp_prover.data import DataError, load_benchmark
from stp_prover.data.proofnet_splits import VALID_NAMES
from stp_prover.selfplay.config import TargetSettings, load_config
from stp_prover.selfplay.statements import benchmark_targets
from stp_prover.settings import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "fixtures" / "lean_workbook_sample.json"


def test_stps_mix_loads_each_source_with_its_weight(shared_data):
    settings = TargetSettings(
        data_dir=str(shared_data),
        sources=[
            {"benchmark": "LeanWorkbook", "path": str(SAMPLE), "weight": 1},
            {"benchmark": "miniF2F", "split": "valid", "weight": 256},
            {"benchmark": "ProofNet", "split": "valid", "weight": 256},
        ],
    )
    targets = benchmark_targets(settings, "lean")
    by_weight: dict[int, list[str]] = {}
    for t in targets:
        by_weight.setdefault(t.weight, []).append(t.theorem.name)
    assert by_weight[1] == ["lean_workbook_plus_1", "lean_workbook_3"]  # deduplicated statements, file order
    assert len(by_weight[256]) == 244 + len(VALID_NAMES)  # N counts each statement once, whatever its weight
    assert targets[2].theorem.name == load_benchmark("miniF2F", "valid", "lean", str(shared_data))[0].name


def test_proofnet_valid_is_stps_valid_part_of_proofnet_verified(shared_data):
    verified = load_benchmark("ProofNet", "verified", "lean", str(shared_data))
    valid = load_benchmark("ProofNet", "valid", "lean", str(shared_data))
    assert len(verified) == 367 and len(valid) == 182 == len(VALID_NAMES)
    assert {t.name for t in valid} <= {t.name for t in verified}
    assert "Rudin_exercise_1_1a" in {t.name for t in valid}  # STP's exercise_1_1a (proofnet_valid.json)


def test_single_benchmark_keys_still_describe_one_source(shared_data):
    settings = TargetSettings(benchmark="miniF2F", split="valid", limit=3, data_dir=str(shared_data), matching_weight=7)
    targets = benchmark_targets(settings, "lean")
    assert len(targets) == 3 and {t.weight for t in targets} == {7}


def test_gpu_config_names_stps_mix_and_says_where_lean_workbook_is():
    cfg = load_config(ROOT / "configs" / "selfplay_gpu_lean.yaml")
    sources = cfg.targets.source_list()
    assert [(s.benchmark, s.weight) for s in sources] == [("LeanWorkbook", 1), ("miniF2F", 256), ("ProofNet", 256)]
    assert sources[2].split == "valid"
    with pytest.raises(DataError, match="huggingface.co/datasets/internlm/Lean-Workbook"):
        benchmark_targets(cfg.targets, "lean")  # the path is the user's to give


def test_bad_sources_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"targets.sources\[0\]: unknown key\(s\) wieght"):
        TargetSettings(sources=[{"benchmark": "miniF2F", "wieght": 3}])
    with pytest.raises(ConfigError, match=r"targets.sources\[0\].weight"):
        TargetSettings(sources=[{"benchmark": "miniF2F", "weight": 0}])
    cfg = tmp_path / "c.yaml"
    cfg.write_text("targets:\n  sources:\n    - {benchmark: ProofNet, split: valid, weight: 2, extra: 1}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(cfg)


def test_a_name_in_two_sources_is_refused(shared_data):
    twice = TargetSettings(
        data_dir=str(shared_data),
        sources=[{"benchmark": "miniF2F", "split": "valid", "limit": 2}, {"benchmark": "miniF2F", "limit": 1}],
    )
    with pytest.raises(DataError, match="is in both miniF2F/valid and miniF2F/valid"):
        benchmark_targets(twice, "lean")
