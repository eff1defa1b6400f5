"""Stage B: sample the round's targets and conjectures with the same number of samples each, verified, each verified
proof's premises read from the proof assistant (the streaming round of `selfplay/sampling.py`)."""

from __future__ import annotations

from ..context import Context
from ..records import ConjectureRound


def targets_to_sample(ctx: Context, r: int, solved: set[str], rates: dict[str, float], have_inputs: bool) -> list:
    """The targets round r samples, in target order, as the run's target schedule picks them."""
    names = [t.theorem.name for t in ctx.targets]
    todo = set(ctx.schedule(ctx, r, names, solved, rates, have_inputs))
    return [ctx.theorems[n] for n in names if n in todo]


def model_samples(ctx: Context, r: int) -> int:
    """Model samples per statement in round r, as the mode sets them."""
    return ctx.mode.samples(ctx.cfg.prover, r)


def run_sampling_stage(
    ctx: Context, r: int, solved: set[str], rates: dict[str, float], conjectures: ConjectureRound
) -> None:
    """Targets, then the pooled conjectures; each log is marked done once complete."""
    rd = ctx.run.round(r)
    n_model = model_samples(ctx, r)
    n_portfolio = ctx.cfg.prover.portfolio_samples
    scheduled = targets_to_sample(ctx, r, solved, rates, bool(conjectures.inputs))
    ctx.sample(scheduled, rd / "targets.jsonl", n_model, n_portfolio, f"round {r} targets", round_=r)
    ctx.run.mark_done(rd, "targets")
    if not ctx.mode.conjectures:
        return
    theorems = []
    for c in conjectures.pool:
        t = ctx.conjecture_theorem(c)
        ctx.theorems[t.name] = t
        theorems.append(t)
    meta = {c.name: c.meta() for c in conjectures.pool}
    ctx.sample(
        theorems,
        rd / "conjecture_proofs.jsonl",
        n_model,
        n_portfolio,
        f"round {r} conjectures",
        extra=lambda t: meta[t.name],
        round_=r,
    )
    ctx.run.mark_done(rd, "conjecture_proofs")
