"""Matchings of selected conjectures to the unsolved targets (`selection.matching`): `fn(ctx, r, examples, texts,
unsolved)` gets the round's conjecturer examples (never empty), each one's text as written and the targets still
unsolved (possibly none), and returns the examples to train on with their weights. A new one is one function under
`@MATCHINGS.register("name")`."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Callable

from stp_prover.itp import Theorem

from .. import stp
from .embedders import similarity
from .registry import Registry

if TYPE_CHECKING:
    from ..context import Context

Examples = list[stp.ConjectureExample]
Matching = Callable[["Context", int, Examples, list[str], list[Theorem]], Examples]
MATCHINGS: Registry[Matching] = Registry("matching")


@MATCHINGS.register("stp")
def stp_matching(ctx: "Context", r: int, examples, texts, unsolved) -> Examples:
    """STP's: each unsolved target, in a shuffled order, adds weight to its nearest conjectures; unmatched ones are
    dropped, so with every target solved nothing is kept (RL_utils.py:607-638 with M = 0)."""
    if not unsolved:
        return []
    order = list(range(len(unsolved)))
    ctx.rng(r).shuffle(order)  # RL_utils.py:610-611
    targets = [unsolved[i] for i in order]
    sim = similarity(ctx, texts, [t.statement for t in targets])
    s = ctx.cfg.selection
    by_name = {t.theorem.name: t.weight for t in ctx.targets}  # each source's STP weight (RL_utils.py:627)
    weights = stp.matching_weights(sim, [by_name.get(t.name, 1) for t in targets], s.weight_cap)
    return stp.with_weights(examples, weights)


@MATCHINGS.register("soft")
def soft_matching(ctx: "Context", r: int, examples, texts, unsolved) -> Examples:
    """Ours: weight exp(sharpness (best similarity - mean)) capped at `weight_cap`; nothing dropped."""
    if not unsolved:
        return list(examples)
    s = ctx.cfg.selection
    best = similarity(ctx, texts, [t.statement for t in unsolved]).max(1)
    weights = [min(s.weight_cap, math.exp(s.similarity_sharpness * (x - best.mean()))) for x in best]
    return [dataclasses.replace(e, weight=round(w, 4)) for e, w in zip(examples, weights)]
