"""Stage E: the model alone on the held-out statements, and the round's metrics line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from stp_prover.conjecturer import normalize

from ..context import Context
from ..logs import read_proofs, read_summaries
from ..metrics import pass_rate_histogram
from ..records import ConjectureRound, HeldOut, Selection, Trained


def heldout_eval(ctx: Context, checkpoint: str, path: Path, desc: str) -> None:
    """Sample the held-out statements with `checkpoint` (model samples only, no premises, not indexed)."""
    if ctx.cfg.heldout.samples <= 0 or not ctx.heldout:
        return
    ctx.load_policy(checkpoint)
    ctx.sample(ctx.heldout, path, ctx.cfg.heldout.samples, 0, desc, premises=False)


def heldout_summary(path: Path) -> HeldOut:
    recs = read_summaries(path)
    if not recs:
        return HeldOut()
    return HeldOut(sum(1 for r in recs if r.correct), len(recs), round(sum(r.pass_rate for r in recs) / len(recs), 4))


def _mean(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 1) if values else 0.0


def conjecture_stats(ctx: Context, r: int, conjectures: ConjectureRound, selection: Selection) -> dict[str, Any]:
    rd = ctx.run.round(r)
    generated = conjectures.generated
    made = [x for g in generated for x in g.conjectures]
    reasons = Counter(x.check for x in made)
    reasons["unparsable"] += sum(g.unparsable for g in generated)
    proofs = read_summaries(rd / "conjecture_proofs.jsonl")
    distinct = {normalize(x.statement) for x in made}
    refutations = conjectures.refutations
    return {
        "conjecture_funnel": conjecture_funnel(generated, {e.name for e in selection.examples}),
        "seeds": len({g.seed for g in generated}),
        "conjecture_inputs": sum(1 for g in generated if not g.input.startswith("mutations:")),
        "conjectures_generated": len(made) + reasons["unparsable"],
        "conjectures_by_source": dict(Counter(x.source for x in made)),
        "conjectures_valid": reasons.get("ok", 0),
        "conjectures_rejected": {k: v for k, v in reasons.items() if k != "ok" and v},
        "conjectures_pooled": len(conjectures.pool),
        "conjectures_proved": sum(1 for p in proofs if p.correct),
        "conjectures_selected": len(selection.examples),
        "selection_funnel": selection.funnel,
        "conjecture_pass_rate_histogram": pass_rate_histogram([p.pass_rate for p in proofs]),
        "mean_conjecture_length": _mean(len(x.statement) for x in made),
        "diversity": round(len(distinct) / len(made), 4) if made else 0.0,
        "counterexamples_found": sum(len(x.counterexamples) for x in refutations),
        "counterexamples_rejected": dict(sum((Counter(x.rejected) for x in refutations), Counter())),
    }


# A check's verdict -> how far the conjecture got: it parsed (unparsable ones never reach a check), it elaborated in
# the proof assistant (a duplicate is left out before that check), it passed every check.
_ELABORATED = {"ok", "trivial", "contradictory", "too_easy", "too_hard"}
FUNNEL = ("written", "parsed", "elaborated", "passing", "selected")


def conjecture_funnel(generated: list, selected: set[str]) -> dict[str, dict[str, int]]:
    """Per source ("model", "mutation"): conjectures written, parsed, elaborated, passing every check (ok), and
    selected to train the conjecturer. The model's pass share is passing / written."""
    out: dict[str, dict[str, int]] = {}
    for g in generated:
        for x in g.conjectures:
            row = out.setdefault(x.source, dict.fromkeys(FUNNEL, 0))
            row["written"] += 1
            row["parsed"] += x.check != "unparsable"
            row["elaborated"] += x.check in _ELABORATED
            row["passing"] += x.check == "ok"
            row["selected"] += x.name in selected
        if g.unparsable:
            row = out.setdefault("model", dict.fromkeys(FUNNEL, 0))
            row["written"] += g.unparsable
    return out


def round_metrics(
    ctx: Context,
    r: int,
    trained: Trained,
    conjectures: ConjectureRound,
    selection: Selection,
    seconds: float,
) -> dict[str, Any]:
    """The round's metrics line (metrics.jsonl, TensorBoard, plots)."""
    rd = ctx.run.round(r)
    target_recs = read_summaries(rd / "targets.jsonl")
    _, solved_now = ctx.state(r)
    conj_stats = conjecture_stats(ctx, r, conjectures, selection) if ctx.mode.conjectures else {}
    return {
        "round": r,
        "mode": ctx.cfg.mode,
        "checkpoint_in": trained.checkpoint_in,
        "checkpoint_out": trained.checkpoint_out,
        "targets_total": len(ctx.targets),
        "targets_sampled": len(target_recs),
        "targets_proved_round": sum(1 for x in target_recs if x.correct),
        "targets_proved_cumulative": sum(1 for n in ctx.by_name if n in solved_now),
        "pass_rate_histogram": pass_rate_histogram([x.pass_rate for x in target_recs]),
        "mean_proof_length": _mean(
            len(p.text) for rows in read_proofs(rd, "targets", ok_only=True).values() for p in rows
        ),
        **conj_stats,
        "train": trained.report,
        **heldout_summary(rd / "heldout.jsonl").to_dict(),
        "sampling": [s for s in ctx.sampling_stats if s["log"].startswith(rd.name)],
        "seconds": round(seconds, 1),
    }
