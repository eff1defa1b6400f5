"""Stage B: sample the round's targets and conjectures with the same number of samples each, verified, each verified
proof's premises read from the proof assistant (the streaming round of `selfplay/sampling.py`)."""

from __future__ import annotations

from .. import stp
from ..context import Context
from ..records import ConjectureRound


def targets_to_sample(ctx: Context, r: int, solved: set[str], rates: dict[str, float], have_inputs: bool) -> list:
    """The targets round r samples and with how many model samples each (STP's Sampler; Sampler_naive for expert
    iteration, RL_utils.py:561-563, 64 samples every round, run_RL_expert_iter.sh:50)."""
    names = [t.theorem.name for t in ctx.targets]
    if ctx.selfplay:
        todo = set(stp.targets_to_sample(names, solved, rates, ctx.rng(r), have_inputs))
    else:
        todo = {n for n in names if n not in solved}
    return [ctx.theorems[n] for n in names if n in todo]


def model_samples(ctx: Context, r: int) -> int:
    p = ctx.cfg.prover
    if not ctx.selfplay:
        return p.samples_expert_iteration
    return p.samples_round0 if r == 0 else p.samples


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
    if not ctx.selfplay:
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
