"""`stp pretrain`: build the base model from traced proofs (BPE tokenizer + a small causal LM); resumable."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from ..options import add_config_options, add_json_option, read_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pretrain", help="train a tokenizer and a small base model on traced proofs (resumable)")
    add_config_options(
        p, "YAML configuration, e.g. configs/pretrain_coq.yaml (`stp config schema pretrain`)", "train.min_steps=5"
    )
    add_json_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stp_prover.training import PretrainConfig, run_pretrain

    config = read_config(args.config, PretrainConfig, args.set)
    with contextlib.redirect_stdout(sys.stderr):  # the trainer prints its metrics; stdout is the summary's alone
        report = run_pretrain(config, prompt_formats(), say=lambda m: print(m, file=sys.stderr))
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(
            f"pretrained {report.parameters / 1e6:.1f}M parameters on {report.tokens_seen:,} tokens in {report.steps} "
            f"steps ({report.seconds:.0f} s): loss {report.first_loss} -> {report.last_loss}; "
            f"checkpoint {report.checkpoint}" + (f", plot {report.loss_plot}" if report.loss_plot else "")
        )
    return 0


def prompt_formats():
    """The prover's prompt formats, which the base model is trained in (training.PromptFormats)."""
    from stp_prover.prover.prompts import proof_completion, tactic_prompt, whole_proof_prompt
    from stp_prover.training import PromptFormats

    return PromptFormats(whole_proof_prompt, proof_completion, tactic_prompt)
