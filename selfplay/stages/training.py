"""Stage D: the round's training data and the training run (STP's RL_step2_train.py for self-play,
RL_step3_final_model.py for expert iteration and the final model)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np

from stp_prover.conjecturer.prompts import (
    declaration_keyword,
    stp_conjecture_target,
    stp_conjecture_training_prompt,
    stp_no_lemma,
)
from stp_prover.training import TrainingExample, read_examples, write_examples

from .. import stp
from ..context import Context
from ..prompts import conjecture_seed
from ..records import ConjectureRound, Selection, Trained
from ..trainset import pipeline_examples, traced_examples


def conjecturer_examples(
    ctx: Context, selected: list[stp.ConjectureExample], written: dict[str, str], known: set
) -> list[TrainingExample]:
    """STP's conjecturer examples (RL_step2_train.py:52-76): the training prompt, the conjecture as written."""
    out = []
    for e in selected:
        seed = conjecture_seed(ctx.theorems[e.seed], ctx.cfg.prover.prompt_header)  # RL_step2_train.py:67
        lemma_statement = e.lemma_statement if e.lemma else stp_no_lemma(declaration_keyword(seed.statement))
        prompt = stp_conjecture_training_prompt(seed, e.seed_proof, lemma_statement)
        target = stp_conjecture_target(written.get(e.name, e.statement))
        if (prompt, target) not in known:
            known.add((prompt, target))
            out.append(TrainingExample(prompt, target, e.weight, "conjecturer", "conjecturer"))
    return out


def round_examples(ctx: Context, r: int, selection: Selection, conjectures: ConjectureRound) -> list[TrainingExample]:
    """The mode's prover data (`Mode.prover_data`) and the selected conjectures; refuted variants, and in round 0 the
    traced proofs and extra examples."""
    t = ctx.cfg.training
    examples = ctx.mode.prover_data(ctx, r)
    if t.conjecturer and selection.examples:
        known = {(x.prompt, x.completion) for x in examples}
        written = {c.name: c.written for c in conjectures.pool}
        examples += conjecturer_examples(ctx, selection.examples, written, known)
    refuted = [c for x in ctx.records(r, "counterexamples.jsonl") for c in x["counterexamples"]]
    examples += [e for e in pipeline_examples("counterexamples", refuted) if t.conjecturer or e.role == "prover"]
    if r == 0 and t.traced_examples:
        known_proofs = [(x.theorem, x.known_proof) for x in ctx.targets if x.known_proof]
        examples += traced_examples(known_proofs, t.traced_examples)
    if r == 0:
        for path in t.extra_examples:
            examples += list(read_examples(Path(path)))
    return examples


def run_training_stage(
    ctx: Context, r: int, ckpt_in: str, selection: Selection, conjectures: ConjectureRound
) -> Trained:
    """Train the round's model (model.json records it; a finished round is read back)."""
    rd = ctx.run.round(r)
    if (rd / "model.json").exists():
        return Trained(**json.loads((rd / "model.json").read_text()))
    t, sft = ctx.cfg.training, ctx.cfg.sft
    if ctx.mode.continue_training:
        train_from = ckpt_in  # each round continues from the last (run_RL_steps.sh:81-85)
    else:  # expert iteration as STP ran it: from the starting checkpoint, at least 10 steps
        train_from = ctx.start_checkpoint()
        sft = dataclasses.replace(sft, min_steps=max(sft.min_steps, t.final_min_steps) if sft.min_steps else 0)
    examples = round_examples(ctx, r, selection, conjectures)
    write_examples(rd / "train.jsonl", examples)
    roles = dict(Counter(e.role for e in examples))
    if not examples:
        report = {"examples": 0, "roles": roles, "skipped": "no training data this round"}
        ckpt_out = ckpt_in
    else:
        partial = rd / "checkpoint.partial"
        result = ctx.workers.train(rd / "train.jsonl", train_from, partial, sft)
        ctx.run.publish_checkpoint(partial, ctx.run.checkpoint(r))
        ckpt_out = str(ctx.run.checkpoint(r))
        report = {**result.to_dict(), "checkpoint": ckpt_out, "trained_from": train_from, "roles": roles}
    trained = Trained(ckpt_in, ckpt_out, report)
    ctx.run.write_json(rd / "model.json", trained.to_dict())
    return trained


def run_final_training(ctx: Context, library: list[TrainingExample]) -> Trained:
    """STP's final model (RL_step3_final_model.py --include_synthetic_examples, run_RL_train.sh): from the base
    model, every round's target proofs and conjecture proofs at <= 0.25, 16 random proofs per statement at most,
    weight exp(-0.001 len), mixed with the library proofs; lr 1e-4, at least 10 steps."""
    fd = ctx.run.final
    if (fd / "model.json").exists():
        return Trained(**json.loads((fd / "model.json").read_text()))
    t = ctx.cfg.training
    known = {(e.prompt, e.completion) for e in library}
    rounds = [ctx.round_proofs(q) for q in range(ctx.cfg.rounds)]
    pairs = stp.final_examples(
        rounds,
        ctx.proof_prompt,
        ctx.proof_target,
        np.random.default_rng(2333),
        True,
        t.final_max_pass_rate,
        t.final_max_proofs,
        t.length_coef,
        known,
    )
    examples = library + [TrainingExample(x.prompt, x.target, x.weight, "prover", "final") for x in pairs]
    write_examples(fd / "train.jsonl", examples)
    if examples:
        sft = dataclasses.replace(
            ctx.cfg.sft,
            learning_rate=t.final_learning_rate,
            min_steps=t.final_min_steps if ctx.cfg.sft.min_steps else 0,
        )
        partial = fd / "checkpoint.partial"
        result = ctx.workers.train(fd / "train.jsonl", ctx.base, partial, sft)
        ctx.run.publish_checkpoint(partial, fd / "checkpoint")
        ckpt = str(fd / "checkpoint")
        report = {**result.to_dict(), "checkpoint": ckpt, "library": len(library)}
    else:
        ckpt, report = ctx.base, {"examples": 0, "skipped": "no training data"}
    trained = Trained(ctx.base, ckpt, report)
    ctx.run.write_json(fd / "model.json", trained.to_dict())
    return trained
