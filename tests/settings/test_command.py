"""`stp config schema NAME [--json]`: the annotated defaults of a command's configuration file, or its JSON Schema."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from stp_prover.cli.main import main
from stp_prover.settings.schema import plain
from tests.conftest import ROOT


def test_the_command_prints_a_configuration_to_start_from():
    proc = subprocess.run(
        [sys.executable, "-m", "stp_prover", "config", "schema", "train"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    from stp_prover.training import TrainRunConfig

    assert proc.stdout.startswith("# stp train --config FILE")
    assert yaml.safe_load(proc.stdout) == plain(TrainRunConfig())
    assert "examples: []  # list[str] — JSONL files of {prompt, completion, weight?, role?}" in proc.stdout


@pytest.mark.parametrize("name, key", [("selfplay", "prover"), ("pretrain", "vocab_size"), ("train", "sft")])
def test_json_gives_the_schema(capsys, name, key):
    assert main(["config", "schema", name, "--json"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object" and key in schema["properties"]


def test_an_unknown_name_is_bad_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["config", "schema", "nonsense"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err
