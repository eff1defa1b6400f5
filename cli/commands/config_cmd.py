"""`stp config schema NAME`: every key a command's configuration file takes, with its type, default and
documentation, read from the configuration's dataclasses (the same ones the loader builds)."""

from __future__ import annotations

import argparse
import importlib
import json

from ..options import add_json_option

# The configuration file of each command that reads one ("module:Class", imported when asked for).
CONFIGS = {
    "selfplay": "stp_prover.selfplay.config:SelfPlayConfig",
    "train": "stp_prover.training:TrainRunConfig",
    "pretrain": "stp_prover.training:PretrainConfig",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="configuration files: the schema of `stp selfplay|train|pretrain --config`")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    s = csub.add_parser(
        "schema",
        help="every key of a configuration file: type, default, documentation",
        description="Print the configuration file of `stp NAME --config` with every key at its default, each "
        "followed by a comment giving its type and documentation (sections that are off by default are shown "
        "commented out): a file to start from. With --json, a JSON Schema (draft 2020-12) of the same keys "
        "instead, for editors and tools. `--set KEY=VALUE` takes the same dotted keys.",
    )
    s.add_argument("name", choices=sorted(CONFIGS), help="the command whose configuration to describe")
    add_json_option(s, "a JSON Schema (draft 2020-12) instead of the annotated YAML")
    s.set_defaults(run=run_schema)


def config_class(name: str) -> type:
    """The dataclass of command `name`'s configuration file."""
    module, _, cls = CONFIGS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def run_schema(args: argparse.Namespace) -> int:
    from stp_prover.settings import annotated_yaml, json_schema

    cls = config_class(args.name)
    if args.json:
        print(json.dumps(json_schema(cls), indent=1))
    else:
        print(f"# stp {args.name} --config FILE: every key at its default\n" + annotated_yaml(cls), end="")
    return 0
