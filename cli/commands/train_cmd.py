"""`stp train`: supervised fine-tuning (TRL, optional LoRA) on example files and/or traced tactic data, in one
process or data-parallel over `--workers` processes."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
from pathlib import Path

from ..errors import UsageError
from ..options import add_config_options, add_json_option, read_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="fine-tune a model with TRL on prompt/completion examples")
    add_config_options(
        p, "YAML: out, model {base | init}, examples, traced, sft (`stp config schema train`)", "sft.epochs=2"
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="data-parallel processes (gloo on CPU, one GPU each with NCCL); overrides sft.workers",
    )
    add_json_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stp_prover.data.traced import tactic_examples, training_part
    from stp_prover.prover.prompts import tactic_prompt
    from stp_prover.training import (
        TrainingExample,
        TrainingFailed,
        TrainRunConfig,
        init_model,
        read_examples,
        train_sft,
    )

    config = read_config(args.config, TrainRunConfig, args.set)
    examples = []
    for path in config.examples:
        if not Path(path).exists():
            raise UsageError(f"no examples file {path}")
        try:
            examples += list(read_examples(Path(path)))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if config.traced:
        try:  # a split's train part only; prompts show the used premises' statements, as at proof time
            theorems, statements = training_part(Path(config.traced))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        pairs = list(tactic_examples(theorems))[: config.traced_limit]
        examples += [
            TrainingExample(
                tactic_prompt(p["state"], [statements[n] for n in p["premises"] if n in statements]),
                p["tactic"],
                1.0,
                "tactic",
                "traced",
            )
            for p in pairs
        ]
    if not examples:
        raise UsageError("the configured data holds no examples")
    sft = config.sft if args.workers is None else dataclasses.replace(config.sft, workers=args.workers)
    try:
        sft.validate()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(config.out)
    base = config.model.base or str(init_model(out.parent / "base", config.model.init))
    # The Trainer prints its logs to stdout; with --json stdout carries the summary alone.
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    try:
        with quiet:
            report = train_sft(examples, base, out, sft)
    except (OSError, ValueError) as exc:  # an unloadable base checkpoint, no usable example
        raise UsageError(f"training failed: {exc}") from None
    except TrainingFailed as exc:  # a worker's own error (its rank, message and logs are named): not bad usage
        print(f"stp train: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(
            f"trained {report.examples} examples on {report.world_size} worker(s), {report.steps} steps, loss "
            f"{report.first_loss} -> "
            f"{report.last_loss} in {report.seconds} s; checkpoint: {report.checkpoint} (load it with --model)"
        )
    return 0
