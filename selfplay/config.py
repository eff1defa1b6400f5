"""The self-play run's configuration: one typed tree, read from YAML, every threshold of STP in one place."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from conjecturer import CheckSettings, SelectionSettings
from training import SFTSettings, TinyModelConfig

MODES = ("selfplay", "expert_iteration")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the key."""


@dataclass
class ModelSettings:
    base: Optional[str] = None  # checkpoint path or hub id; or:
    init: Optional[TinyModelConfig] = None  # a model built from a config (no download), saved in the run folder


@dataclass
class TargetSettings:
    benchmark: str = "miniF2F"
    split: str = "valid"
    limit: Optional[int] = None
    names: Optional[list[str]] = None
    data_dir: Optional[str] = None
    traced: Optional[str] = None  # a traced-data folder (`stp data trace`): its theorems become targets too
    trace: list[str] = field(default_factory=list)  # or: library files to trace into the run folder first (globs)
    traced_limit: int = 0


@dataclass
class HeldOutSettings:
    benchmark: str = "miniF2F"
    split: str = "test"
    limit: Optional[int] = None
    names: Optional[list[str]] = None
    samples: int = 32  # model-only samples per theorem: the number that says whether the model learned


@dataclass
class ProverSettings:
    samples: int = 32
    samples_round0: int = 64
    portfolio_samples: int = 0  # whole proofs from the built-in automation, mixed into every statement's samples
    chunk: int = 8  # statements per generation request (generation of the next chunk overlaps verification)
    max_new_tokens: int = 1024
    temperature: float = 1.0
    verify_timeout: float = 30.0


@dataclass
class ConjecturerSettings:
    per_seed: int = 8  # model conjectures per seed
    mutations_per_seed: int = 0  # textual variants per seed (hypothesis dropped, constant moved)
    max_seeds: Optional[int] = None
    seed_min_pass_rate: float = 0.35  # exclusive
    no_lemma_probability: float = 0.5
    lemma_cap: float = 0.1  # a lemma serves at most this fraction of the seeds
    max_new_tokens: int = 256
    checks: CheckSettings = field(default_factory=CheckSettings)
    # The disprove channel: false variants of each seed (written by the model, and by mutation), kept only when the
    # proof assistant proves their negation at a witness; both roles train on them.
    disprove_per_seed: int = 0
    disprove_mutations_per_seed: int = 0


@dataclass
class TrainDataSettings:
    max_pass_rate: float = 0.5  # inclusive: proofs of statements the model already proves often teach little
    length_coef: float = 0.001  # weight = exp(-length_coef * len(proof) - time_coef * verify_seconds) / #proofs
    time_coef: float = 0.01
    traced_examples: int = 0  # traced whole proofs added to round 0's data
    extra_examples: list[str] = field(default_factory=list)  # training JSONL files added to round 0 (e.g. the
    # counterexample and NL-FL records of `stp data export`: the disprove channel and commented proofs)
    conjecturer: bool = True  # train the conjecturer role on the selected conjectures
    final_max_pass_rate: float = 0.25
    final_max_proofs: int = 16


@dataclass
class RaySettings:
    address: Optional[str] = None  # None: a local Ray on this machine; "auto" or "host:port": a cluster
    num_cpus: Optional[int] = None  # local Ray only
    verifiers: int = 1
    cpus_per_verifier: float = 1.0
    verifier_workers: int = 2  # proof-assistant processes per verifier actor
    generation_actors: int = 1  # policy actors (model replicas) sampling in parallel
    generation_gpus: float = 0.0  # per generation actor
    generation_cpus: float = 0.5
    training_gpus: float = 0.0
    training_cpus: float = 1.0


@dataclass
class SelfPlayConfig:
    run_dir: str = "runs/selfplay"
    backend: str = "coq"
    mode: str = "selfplay"
    rounds: int = 2
    seed: int = 0
    final_retrain: bool = True
    model: ModelSettings = field(default_factory=ModelSettings)
    targets: TargetSettings = field(default_factory=TargetSettings)
    heldout: HeldOutSettings = field(default_factory=HeldOutSettings)
    prover: ProverSettings = field(default_factory=ProverSettings)
    conjecturer: ConjecturerSettings = field(default_factory=ConjecturerSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    training: TrainDataSettings = field(default_factory=TrainDataSettings)
    sft: SFTSettings = field(default_factory=SFTSettings)
    ray: RaySettings = field(default_factory=RaySettings)

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode: {self.mode!r} is not one of {', '.join(MODES)}")
        if self.rounds < 1:
            raise ConfigError("rounds: must be at least 1")
        if bool(self.model.base) == bool(self.model.init):
            raise ConfigError(
                "model: give exactly one of `base` (a checkpoint) or `init` (a model built from a config)"
            )
        if self.prover.samples < 1 or self.prover.samples_round0 < 1:
            raise ConfigError("prover.samples and prover.samples_round0 must be positive")
        missing = [p for p in self.training.extra_examples if not Path(p).exists()]
        if missing:
            raise ConfigError(f"training.extra_examples: no file {', '.join(missing)}")


@dataclass
class TrainRunConfig:
    """`stp train`: a model, data, and SFT settings."""

    out: str = "runs/train/checkpoint"
    model: ModelSettings = field(default_factory=ModelSettings)
    examples: list[str] = field(default_factory=list)  # JSONL files of {prompt, completion, weight?, role?}
    traced: Optional[str] = None  # a traced-data folder: its tactic pairs (ReProver prompt) become examples
    traced_limit: Optional[int] = None
    sft: SFTSettings = field(default_factory=SFTSettings)

    def validate(self) -> None:
        if bool(self.model.base) == bool(self.model.init):
            raise ConfigError(
                "model: give exactly one of `base` (a checkpoint) or `init` (a model built from a config)"
            )
        if not self.examples and not self.traced:
            raise ConfigError("give training data: `examples` (JSONL files) and/or `traced` (a traced-data folder)")


def _build(cls: type, data: Any, where: str) -> Any:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"{where or 'config'}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
        )
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        target = next((a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)), hint)
        if dataclasses.is_dataclass(target) and value is not None:
            kwargs[key] = _build(target, value, f"{where}.{key}" if where else key)
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from None


def load_config(path: str | Path, overrides: Optional[dict] = None, cls: type = SelfPlayConfig) -> Any:
    """Read and validate a YAML configuration of type `cls`; `overrides` (nested dict) replace keys of the file."""
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"no configuration file {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    data = _merge(data, overrides or {})
    config = _build(cls, data, "")
    config.validate()
    return config


def parse_overrides(items: list[str]) -> dict:
    """`a.b=value` pairs (values read as YAML) as a nested dict."""
    out: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. prover.samples=8")
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml.safe_load(value)
    return out


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out.get(k) or {}, v) if isinstance(v, dict) else v
    return out


def to_dict(config: SelfPlayConfig) -> dict:
    return dataclasses.asdict(config)
