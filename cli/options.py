"""Options several commands share, declared once: `--config FILE --set KEY=VALUE` (a typed YAML configuration and
its overrides), `--json`, and the proof-assistant settings, generated from ItpSettings' fields. A configuration
that cannot be used is a usage error (exit 2) naming the key."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Optional

from stp_prover.generation import EngineSettings
from stp_prover.itp import ItpSettings, backend_names
from stp_prover.prover.policy_settings import PolicySettings
from stp_prover.settings import ConfigError, add_flags, from_flags, load_config, merge, parse_overrides

from .errors import UsageError

# How the proof-assistant flags show their values in --help (the fields' comments give the rest).
ITP_METAVARS = {"tactic_timeout": "S", "check_timeout": "S", "memory_mb": "MB", "recycle_after": "N"}
POLICY_METAVARS = {
    "memory": "FILE",
    "memory_from": "TRACED",
    "order": "FILE",
    "order_out": "FILE",
    "order_events": "JSONL",
}


def add_config_options(
    p: argparse.ArgumentParser, config_help: str, set_example: str, required: bool = True
) -> None:
    """`--config FILE` and repeatable `--set KEY=VALUE` (`set_example`, e.g. "rounds=1", shows one)."""
    p.add_argument("--config", required=required, metavar="FILE", help=config_help)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override a key of the configuration (repeatable; values read as YAML), e.g. {set_example}",
    )


def add_json_option(p: argparse.ArgumentParser, what: str = "the summary as one JSON object") -> None:
    """`--json`: machine-readable output (`what` it prints, for the help)."""
    p.add_argument("--json", action="store_true", help=f"print {what}")


def read_config(path: str | Path, cls: type, items: list[str], extra: Optional[dict] = None) -> Any:
    """The configuration of type `cls` in `path`, with the `--set` items and then `extra` (nested keys) applied."""
    try:
        return load_config(path, merge(parse_overrides(items), extra or {}), cls=cls)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def add_itp_options(p: argparse.ArgumentParser) -> None:
    """`--tactic-timeout`, `--check-timeout`, `--memory-mb`, `--recycle-after`: ItpSettings' fields (a command that
    runs a pool gives its workers its own way)."""
    add_flags(p, ItpSettings, exclude=("workers",), group="proof assistant", metavars=ITP_METAVARS)


def itp_settings(args: argparse.Namespace, workers: Optional[int] = None) -> ItpSettings:
    """The ItpSettings the flags of `add_itp_options` gave (and the command's worker count, if any)."""
    try:
        return from_flags(args, ItpSettings, workers=workers)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def add_policy_options(p: argparse.ArgumentParser) -> None:
    """`--policy`, `--memory`, `--memory-from`, `--order`, `--order-out`, `--order-events`: PolicySettings' fields
    (the mixture's weights stay in configs)."""
    add_flags(p, PolicySettings, only=("policy", *POLICY_METAVARS), metavars=POLICY_METAVARS)


def policy_settings(args: argparse.Namespace) -> PolicySettings:
    """The PolicySettings the flags of `add_policy_options` gave, checked against the command's `--model`."""
    try:
        return from_flags(args, PolicySettings).require_model(getattr(args, "model", None))
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def add_backend_option(
    p: argparse.ArgumentParser, checks: bool = False, help: str = "default: lean where a Lean REPL is configured, else coq"
) -> None:
    """`--backend NAME`, one of the backends registered now (`checks`: only those that check proofs themselves)."""
    p.add_argument("--backend", choices=backend_names(checks=checks), help=help)


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """`--engine` (EngineSettings' field) and repeatable `--engine-arg K=V`: any other EngineSettings field by name,
    anything else passed to the engine (vLLM's EngineArgs), so that no engine keyword needs a flag of its own."""
    group = add_flags(p, EngineSettings, only=("engine",), group="generation engine")
    group.add_argument(
        "--engine-arg",
        action="append",
        default=[],
        metavar="K=V",
        help="an engine setting (a field of EngineSettings, else passed to the engine: vLLM's EngineArgs); "
        "values read as YAML, e.g. --engine-arg tensor_parallel_size=2 --engine-arg enforce_eager=true",
    )


def engine_settings(args: argparse.Namespace) -> EngineSettings:
    """The EngineSettings the flags of `add_engine_options` gave; UsageError names a bad one."""
    try:
        values = parse_overrides(args.engine_arg, "--engine-arg", "gpu_memory_utilization=0.8")
        return from_flags(args, EngineSettings).updated(values)
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
