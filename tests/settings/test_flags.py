"""Flags generated from a dataclass's fields and read back: names, types, defaults, help from the field comments;
`from_flags(parse(flags of x)) == x`; the proof-assistant flags the commands share come from ItpSettings."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields
from typing import Literal, Optional

import pytest

from stp_prover.settings import ConfigError, add_flags, from_flags


@dataclass
class Knobs:
    samples: int = 32  # proofs sampled per statement
    temperature: float = 1.0  # 100% keeps the model's distribution
    name: str = "run"
    budget: Optional[float] = None  # seconds; None: no limit
    verbose: bool = False  # say more
    engine: Literal["hf", "vllm"] = "hf"
    files: list[str] = field(default_factory=list)  # repeatable
    nested: dict = field(default_factory=dict)

    def validate(self) -> None:
        if self.samples < 1:
            raise ValueError(f"samples must be positive, not {self.samples}")


def parser_for(**kwargs) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="t")
    add_flags(p, Knobs, exclude=("nested",), **kwargs)
    return p


def argv_of(knobs: Knobs) -> list[str]:
    """The flags that give `knobs`."""
    out = []
    for f in fields(knobs):
        value = getattr(knobs, f.name)
        flag = "--" + f.name.replace("_", "-")
        if f.name == "nested" or value is None:
            continue
        if isinstance(value, bool):
            out.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, list):
            for item in value:
                out += [flag, item]
        else:
            out += [flag, str(value)]
    return out


def test_no_flags_give_the_defaults():
    assert from_flags(parser_for().parse_args([]), Knobs) == Knobs()


@pytest.mark.parametrize(
    "knobs",
    [
        Knobs(samples=4, temperature=0.5, name="x", budget=2.5, verbose=True, engine="vllm", files=["a", "b"]),
        Knobs(samples=1, files=["only"]),
        Knobs(verbose=False, budget=None),
    ],
)
def test_the_flags_of_a_value_read_back_as_that_value(knobs):
    args = parser_for().parse_args(argv_of(knobs))
    assert from_flags(args, Knobs) == knobs


def test_types_choices_and_help_come_from_the_fields():
    p = parser_for(group="knobs", metavars={"samples": "N"})
    text = p.format_help()
    assert "knobs:" in text and "--samples N" in text
    assert "proofs sampled per statement (default: 32)" in text
    assert "100% keeps the model's distribution" in text  # a % in a comment is not a format directive
    assert "--verbose, --no-verbose" in text and "--engine {hf,vllm}" in text
    with pytest.raises(SystemExit):
        p.parse_args(["--engine", "tpu"])
    with pytest.raises(SystemExit):
        p.parse_args(["--samples", "many"])


def test_a_prefix_keeps_two_sets_of_flags_apart():
    p = argparse.ArgumentParser()
    add_flags(p, Knobs, only=("samples",), prefix="gen-")
    add_flags(p, Knobs, only=("samples",))
    args = p.parse_args(["--gen-samples", "3", "--samples", "5"])
    assert from_flags(args, Knobs, prefix="gen_").samples == 3 and from_flags(args, Knobs).samples == 5


def test_values_set_directly_and_validation():
    args = parser_for().parse_args(["--samples", "2"])
    assert from_flags(args, Knobs, name="given").name == "given"
    with pytest.raises(ConfigError, match="samples must be positive, not 0"):
        from_flags(parser_for().parse_args(["--samples", "0"]), Knobs)


def test_a_field_without_a_flag_form_or_an_unknown_name_is_refused():
    with pytest.raises(TypeError, match="Knobs.nested"):
        add_flags(argparse.ArgumentParser(), Knobs)
    with pytest.raises(TypeError, match="no field.*sampels"):
        add_flags(argparse.ArgumentParser(), Knobs, only=("sampels",))


def test_the_proof_assistant_flags_are_itp_settings_fields():
    from stp_prover.cli.errors import UsageError
    from stp_prover.cli.options import add_itp_options, itp_settings
    from stp_prover.itp import ItpSettings

    p = argparse.ArgumentParser()
    add_itp_options(p)
    flags = {a.option_strings[0] for a in p._actions if a.option_strings and a.dest != "help"}
    assert flags == {
        "--tactic-timeout",
        "--check-timeout",
        "--memory-mb",
        "--recycle-after",
        "--sandbox",
        "--kernel-recheck",
        "--max-proof-bytes",
        "--max-proof-sentences",
        "--verdicts",
    }
    args = p.parse_args(["--tactic-timeout", "3", "--memory-mb", "512"])
    assert itp_settings(args, workers=4) == ItpSettings(tactic_timeout=3.0, memory_mb=512, workers=4)
    assert itp_settings(p.parse_args([])) == ItpSettings()
    with pytest.raises(UsageError, match="check_timeout must be positive"):
        itp_settings(p.parse_args(["--check-timeout", "-1"]))


def test_the_policy_flags_are_policy_settings_fields():
    from stp_prover.cli.errors import UsageError
    from stp_prover.cli.options import add_policy_options, policy_settings
    from stp_prover.prover.policy_settings import POLICIES, PolicySettings

    p = argparse.ArgumentParser()
    p.add_argument("--model")
    add_policy_options(p)
    policy = next(a for a in p._actions if a.dest == "policy")
    assert tuple(policy.choices) == POLICIES and policy.default == "auto"
    args = p.parse_args(["--policy", "mixture", "--memory", "m.jsonl", "--memory-from", "traced"])
    assert policy_settings(args) == PolicySettings(policy="mixture", memory="m.jsonl", memory_from="traced")
    with pytest.raises(UsageError, match="--policy model needs --model"):
        policy_settings(p.parse_args(["--policy", "model"]))
    assert policy_settings(p.parse_args(["--policy", "model", "--model", "ckpt"])).policy == "model"
    with pytest.raises(UsageError, match="give the file with --memory"):
        policy_settings(p.parse_args(["--memory-from", "traced"]))
    with pytest.raises(SystemExit):  # argparse's own refusal of a policy that is not one of the choices
        p.parse_args(["--policy", "oracle"])
