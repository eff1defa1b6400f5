"""`stp pretrain`: build the base model from traced proofs (BPE tokenizer + a small causal LM); resumable."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from ..errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pretrain", help="train a tokenizer and a small base model on traced proofs (resumable)")
    p.add_argument("--config", required=True, help="YAML configuration, e.g. configs/pretrain_coq.yaml")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a key, e.g. train.min_steps=5"
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stp_prover.selfplay import ConfigError, load_config, parse_overrides
    from stp_prover.selfplay.pretrain import PretrainConfig, run_pretrain

    try:
        config = load_config(args.config, parse_overrides(args.set), cls=PretrainConfig)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    with contextlib.redirect_stdout(sys.stderr):  # the trainer prints its metrics; stdout is the summary's alone
        report = run_pretrain(config, say=lambda m: print(m, file=sys.stderr))
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(
            f"pretrained {report.parameters / 1e6:.1f}M parameters on {report.tokens_seen:,} tokens in {report.steps} "
            f"steps ({report.seconds:.0f} s): loss {report.first_loss} -> {report.last_loss}; "
            f"checkpoint {report.checkpoint}" + (f", plot {report.loss_plot}" if report.loss_plot else "")
        )
    return 0
