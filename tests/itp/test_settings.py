"""One typed place for the proof-assistant settings: ItpSettings, read from CLI flags and YAML, applied to every
backend's config."""

from __future__ import annotations

import pytest

from stp_prover.itp import ItpConfig, ItpSettings, make_env


def test_settings_reach_every_backend_config_and_the_pool():
    config = ItpSettings(tactic_timeout=2.5, check_timeout=12, memory_mb=2048, recycle_after=50, workers=3).apply(
        ItpConfig()
    )
    assert config.coq.tactic_timeout == config.lean.tactic_timeout == 2.5
    assert config.coq.check_timeout == config.lean.check_timeout == 12
    assert config.coq.limits.memory_mb == config.lean.limits.memory_mb == 2048
    assert config.coq.recycle_after == config.lean.recycle_after == 50 and config.pool.workers == 3


def test_unset_settings_keep_the_backend_defaults():
    default = ItpConfig()
    config = ItpSettings().apply(ItpConfig())
    assert config.coq == default.coq and config.lean == default.lean and config.pool == default.pool


def test_search_and_checks_use_the_environment_tactic_timeout():
    config = ItpSettings(tactic_timeout=1.5).apply(ItpConfig())
    with make_env("coq", config) as env:
        assert env.default_tactic_timeout() == 1.5


def test_the_selfplay_yaml_has_an_itp_section_and_refuses_bad_values(tmp_path):
    from stp_prover.selfplay import ConfigError, load_config, parse_overrides
    from tests.conftest import ROOT

    config = load_config(ROOT / "configs" / "selfplay_tiny_coq.yaml", parse_overrides(["itp.tactic_timeout=2"]))
    assert config.itp == ItpSettings(tactic_timeout=2)
    assert config.itp.apply(ItpConfig()).coq.tactic_timeout == 2
    with pytest.raises(ConfigError, match="itp.check_timeout"):
        load_config(ROOT / "configs" / "selfplay_tiny_coq.yaml", parse_overrides(["itp.check_timeout=-1"]))
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(ROOT / "configs" / "selfplay_tiny_coq.yaml", parse_overrides(["itp.tactic_timout=2"]))
