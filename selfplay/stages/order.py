"""Stage B3 (ours, when `order.enabled`): the learned search order (search/order.py) learns from the round. Every
statement the round proved has its shortest verified proof replayed step by step (which tactics close or advance
which goals, and how long they take), and a short best-first search runs on targets sampling left unproved (what
fails there and what costs time). The order lives in the run folder (order.json, a copy per round, so an order after
round r can be evaluated against one after round 0); the held-out search starts from a copy and never teaches it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from stp_prover.itp import ProofEnv, StatementError, Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.itp.replay import proof_tactics, replay
from stp_prover.prover import make_policies
from stp_prover.prover.policy_settings import PolicySettings
from stp_prover.prover.prove import ProveConfig, prove_theorem
from stp_prover.search import OrderEvent, SearchOrder
from stp_prover.search.best_first import step_outcome

from ..config import SearchOrderSettings
from ..context import Context

ORDER_FILE = "order.json"
STAGE_FILE = "order_stage.json"  # a round's marker: its order stage finished, with its counts


def open_run_order(settings: SearchOrderSettings, root: Path) -> Optional[SearchOrder]:
    """The run's order (None when off): a resumed run's is the copy of its last round whose order stage finished
    (the copy and the stage's marker are written before the run's own order.json, so a crash in between neither
    loses nor repeats a round); a new run's is fresh."""
    if not settings.enabled:
        return None
    done = sorted(p.parent for p in root.glob(f"round-*/{STAGE_FILE}") if (p.parent / ORDER_FILE).exists())
    if done:
        return SearchOrder.load(done[-1] / ORDER_FILE)
    return SearchOrder(made_by=f"stp selfplay, run folder {root}")


def replay_events(env: ProofEnv, theorem: Theorem, proof: str) -> list[OrderEvent]:
    """The steps of a verified proof in tactic mode, as the order's events (each with its measured time)."""
    tactics = proof_tactics(theorem.system, proof)
    if not tactics:  # a proof the dialect cannot cut into tactics (a term, or a dialect without a reader)
        return []
    d = dialect(theorem.system)
    limit = env.default_tactic_timeout()
    events = []
    for state, tactic, step, wall in replay(env, theorem, tactics):
        outcome = step_outcome(state.text, step)
        feature, family = d.goal_feature(state.text), d.tactic_family(tactic)
        events.append(OrderEvent(state.text, feature, tactic, family, outcome, step.seconds or wall, limit))
    return events


def learn_order_round(ctx: Context, r: int) -> dict[str, int]:
    """Teach the run's order round r's verified proofs and a short search on its unproved targets; returns the
    counts the round's metrics report. Idempotent per round (a resumed run does not count a round twice)."""
    order = ctx.order
    rd = ctx.run.round(r)
    if order is None:
        return {}
    if (rd / STAGE_FILE).exists():
        return json.loads((rd / STAGE_FILE).read_text())
    s = ctx.cfg.order
    best = ctx.shortest_proofs(r)
    replays = ctx.checks.map(lambda env, item: replay_events(env, ctx.theorems[item[0]], item[1]), best)
    for events in replays:
        for event in events:
            order.record(event)
    _, solved = ctx.state(r)
    unproved = [t.theorem for t in ctx.targets if t.theorem.name not in solved][: s.search_limit]
    found = 0
    if unproved and s.search_budget > 0:
        settings = PolicySettings(policy="mixture" if ctx.memory is not None else "portfolio")
        config = ProveConfig(method="best-first", budget_seconds=s.search_budget)

        def search(env: ProofEnv, theorem: Theorem) -> bool:
            tactic_policy, proof_policy = make_policies(env, None, policy=settings, memory=ctx.memory)
            try:
                return prove_theorem(theorem, env, tactic_policy, proof_policy, config, order=order).proved
            except StatementError:
                return False

        found = sum(ctx.checks.map(search, unproved))
    order.save(rd / ORDER_FILE)
    counts = {
        "order_proofs_replayed": len(best),
        "order_steps_replayed": sum(len(e) for e in replays),
        "order_targets_searched": len(unproved),
        "order_search_proved": found,
    }
    ctx.run.write_json(rd / STAGE_FILE, counts)
    order.save(ctx.run.root / ORDER_FILE)  # the run's latest, for `prove --order RUN/order.json`
    return counts


def heldout_order(ctx: Context) -> Optional[SearchOrder]:
    """A copy of the run's order for a held-out search: it ranks with what the run learnt, and what it learns on
    held-out statements stays in the copy."""
    if ctx.order is None:
        return None
    return SearchOrder(ctx.order.settings, made_by="held-out copy of the run's order").merge(ctx.order)
