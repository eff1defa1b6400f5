"""Stage E2 (our addition): best-first search on the held-out statements at a fixed budget each, with the mixture
tactic policy (the round's model, the run's memory, the portfolio) or the portfolio alone: what a user of `prove`
gets from the round's model, next to what the model proves alone (stage E). The search runs in the driver but its
model requests go to the round's policy actors (`Workers.remote_service`): the driver loads no model and touches no
GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from stp_prover.data import ResultLog, read_log
from stp_prover.prover import make_policies
from stp_prover.prover.parallel import run_with_envs
from stp_prover.prover.policy_settings import PolicySettings
from stp_prover.prover.prove import ProveConfig, prove_record

from ..context import Context
from .order import heldout_order


def heldout_search(ctx: Context, checkpoint: Optional[str], path: Path, policy: str) -> None:
    """Search every held-out statement not yet in the log at `path` (resumable) with `policy` ("mixture" with
    `checkpoint`, or "portfolio"). The memory and the run's learned order are consulted but never taught here; the
    portfolio arm uses neither (each of its searches learns alone, the shipped default)."""
    budget = ctx.cfg.heldout.search_budget
    if budget <= 0 or not ctx.heldout:
        return
    settings = PolicySettings(policy=policy)
    model = checkpoint if policy != "portfolio" else None
    memory = ctx.memory if policy != "portfolio" else None
    config = ProveConfig(method="best-first", budget_seconds=budget)
    order = heldout_order(ctx) if policy != "portfolio" else None
    with ResultLog(path, key="name") as log:
        done = log.done()
        todo = [t for t in ctx.heldout if t.name not in done]
        if not todo:
            return
        service = None
        if model is not None:
            ctx.load_policy(model)
            service = ctx.workers.remote_service()
        run_with_envs(
            todo,
            ctx.cfg.heldout.search_workers,
            ctx.cfg.backend,
            setup=lambda env: (env, *make_policies(env, model, policy=settings, memory=memory, service=service)),
            work=lambda ctx_, theorem: prove_record(theorem, *ctx_, config, order=order),
            on_result=lambda _, rec: log.append({**rec, "policy": policy, "checkpoint": model}),
            config=ctx.itp_config,
        )


def search_summary(path: Path, prefix: str) -> dict[str, int]:
    """{prefix_proved, prefix_total} from a held-out search log; empty when the search did not run."""
    recs = read_log(path)
    if not recs:
        return {}
    return {f"{prefix}_proved": sum(1 for r in recs if r.get("proved")), f"{prefix}_total": len(recs)}
