"""Stage C: STP's selection of conjecturer examples (RL_utils.py:464-500, 370-381, 607-638): conjectures proved
with a low pass rate, relabelled, the least elegant dropped, then matched to the unsolved targets by the run's
matching rule (`selfplay/rules/matching.py`)."""

from __future__ import annotations

import dataclasses
import json

from .. import stp
from ..context import Context, proof_records
from ..records import ConjectureRound, Selection
from ..rules import MATCHINGS


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
    examples = stp.elegance_filter(examples, ctx.window_proofs(r), s.elegance_drop)
    funnel["elegant"] = len(examples)
    _, solved = ctx.state(r)
    unsolved = [t.theorem for t in ctx.targets if t.theorem.name not in solved]
    if examples:
        match = MATCHINGS.get(s.matching)
        examples = match(ctx, r, examples, [written[e.name] for e in examples], unsolved)
    funnel["selected"] = len(examples)
    ctx.run.write_json(path, {"selected": [dataclasses.asdict(e) for e in examples], "funnel": funnel})
    return Selection(examples, funnel)
