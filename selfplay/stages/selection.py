"""Stage C: STP's selection of conjecturer examples (RL_utils.py:464-500, 370-381, 607-638): conjectures proved
with a low pass rate, relabelled, the least elegant dropped, then matched to the unsolved targets."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from .. import stp
from ..context import Context, proof_records
from ..records import ConjectureRound, Selection


def similarity(ctx: Context, conjectures: list[str], targets: list[str]) -> np.ndarray:
    """Cosine similarity of conjectures to targets: the policy's embeddings (STP) or our sentence encoder."""
    import ray

    if ctx.cfg.selection.embedder == "policy":
        a = np.array(ray.get(ctx.workers.policy.embed.remote(conjectures)))
        b = np.array(ray.get(ctx.workers.policy.embed.remote(targets)))
    else:
        from stp_prover.retrieval.dense import Encoder

        enc = Encoder(None)
        a, b = np.asarray(enc.encode(conjectures)), np.asarray(enc.encode(targets))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a @ b.T


def run_selection_stage(ctx: Context, r: int, conjectures: ConjectureRound) -> Selection:
    """The selected conjecturer examples and the funnel; written to selected.json, read back on resume."""
    s = ctx.cfg.selection
    rd = ctx.run.round(r)
    path = rd / "selected.json"
    if path.exists():
        data = json.loads(path.read_text())
        return Selection([stp.ConjectureExample(**x) for x in data["selected"]], data["funnel"])
    pool = conjectures.pool
    inputs = {c.name: c.as_input(ctx.theorems[c.seed].statement) for c in pool}
    written = {c.name: c.written for c in pool}
    headers = {n: t.header for n, t in ctx.theorems.items()}
    conj = proof_records(rd, "conjecture_proofs", r, ctx.by_name, headers, [c.name for c in pool])
    examples = stp.conjecture_examples(conj, inputs, s.max_pass_rate, s.min_pass_rate, not s.require_lemma_use)
    funnel = {
        "candidates": len({p.name for p in conj}),
        "barely_proved": len(examples),
        "lemma_used": sum(1 for e in examples if e.lemma),
    }
    window_rounds = ctx.cfg.training.window_rounds
    window = [p for q in range(max(0, r - window_rounds + 1), r + 1) for p in ctx.round_proofs(q)]
    examples = stp.elegance_filter(examples, window, s.elegance_drop)
    funnel["elegant"] = len(examples)
    _, solved = ctx.state(r)
    unsolved = [t.theorem for t in ctx.targets if t.theorem.name not in solved]
    if examples and unsolved:
        if s.matching == "stp":
            order = list(range(len(unsolved)))
            ctx.rng(r).shuffle(order)  # RL_utils.py:610-611
            targets = [unsolved[i] for i in order]
            sim = similarity(ctx, [written[e.name] for e in examples], [t.statement for t in targets])
            weights = stp.matching_weights(sim, [ctx.cfg.targets.matching_weight] * len(targets), s.weight_cap)
            examples = stp.with_weights(examples, weights)
        else:  # our soft weights: nothing dropped
            best = similarity(ctx, [written[e.name] for e in examples], [t.statement for t in unsolved]).max(1)
            weights = [min(s.weight_cap, math.exp(s.similarity_sharpness * (x - best.mean()))) for x in best]
            examples = [dataclasses.replace(e, weight=round(w, 4)) for e, w in zip(examples, weights)]
    elif not unsolved and s.matching == "stp":
        examples = []  # every target solved: nothing to match toward (RL_utils.py:623-637 with M = 0)
    funnel["selected"] = len(examples)
    ctx.run.write_json(path, {"selected": [dataclasses.asdict(e) for e in examples], "funnel": funnel})
    return Selection(examples, funnel)
