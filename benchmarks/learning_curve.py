"""Does the loop learn? Self-play and expert iteration from the same starting model, run one after the other
through the real loop (`stp selfplay`), and after each round the held-out problems proved at an equal per-problem
budget by best-first search with the mixture (the round's model + the tactic memory + the portfolio), next to the
portfolio alone and to the model alone (whole-proof sampling, no portfolio).

    STP_DATA_DIR=../shared/data .venv/bin/python benchmarks/learning_curve.py \\
        --config configs/selfplay_base_coq.yaml --heldout miniF2F/valid --count 30 --budget 8 --rounds 3

The held-out problems are a seeded random sample of --heldout minus the configuration's targets, so any split can
be the held-out set. Self-play runs first; expert iteration then starts from self-play's stage-1 checkpoint (the
same starting model) and measures its own start-of-run held-out results in its own run (never copied from
self-play's, so each arm's start is what that arm measured). Both run folders are under --out; a rerun resumes.
Writes summary.json and learning_curve.png there, prints a table and the issue's four figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from stp_prover.data import load_benchmark
from stp_prover.itp import system_of
from stp_prover.selfplay import ConfigError, load_config, parse_overrides, run_selfplay
from stp_prover.selfplay.loop import CONFIG_FILE
from stp_prover.selfplay.statements import benchmark_targets

MODES = ("selfplay", "expert_iteration")


def heldout_names(args) -> tuple[str, str, list]:
    """(benchmark, split, names): --count problems of --heldout drawn with --seed, none of them a target of the
    configuration as the run will see it (--set included; the loop's own target selection)."""
    bench, _, split = args.heldout.partition("/")
    if not bench or not split:
        raise ConfigError(f"--heldout {args.heldout!r}: expected BENCHMARK/SPLIT, e.g. miniF2F/valid")
    config = load_config(args.config, parse_overrides(args.set))
    system = system_of(config.backend)
    theorems = load_benchmark(bench, split, system, args.data_dir)
    targets = {t.theorem.name for t in benchmark_targets(config.targets, system)}
    pool = sorted(t.name for t in theorems if t.name not in targets)
    return bench, split, sorted(random.Random(args.seed).sample(pool, min(args.count, len(pool))))


def run_mode(mode: str, args, heldout: tuple[str, str, list], start: str | None) -> dict:
    run_dir = Path(args.out) / mode
    saved = run_dir / CONFIG_FILE
    bench, split, names = heldout
    overrides = {
        **parse_overrides(args.set),
        "mode": mode,
        "run_dir": str(run_dir),
        "rounds": args.rounds,
        "heldout": {"benchmark": bench, "split": split, "names": names, "limit": None, "search_budget": args.budget},
    }
    if start is not None:  # expert iteration from self-play's starting model; its start is measured again, not copied
        overrides |= {"model": {"base": start, "init": None}, "stage1": {"enabled": False}}
    config = load_config(saved if saved.exists() else args.config, overrides)
    print(f"== {mode}: {run_dir}", file=sys.stderr)
    return run_selfplay(config)


def curve(summary: dict) -> dict:
    rounds = {str(r["round"]): r for r in summary["rounds"]}
    numbered = sorted((r for k, r in rounds.items() if k.isdigit()), key=lambda r: r["round"])
    base = rounds["base"]
    funnel: dict[str, dict[str, int]] = {}
    for r in numbered:
        for source, row in r.get("conjecture_funnel", {}).items():
            acc = funnel.setdefault(source, {})
            for k, v in row.items():
                acc[k] = acc.get(k, 0) + v
    return {
        "heldout_total": base.get("heldout_portfolio_total") or base.get("heldout_total"),
        "portfolio": base.get("heldout_portfolio_proved"),
        "model_alone": [base.get("heldout_proved")] + [r.get("heldout_proved") for r in numbered],
        "mixture": [base.get("heldout_mixture_proved")] + [r.get("heldout_mixture_proved") for r in numbered],
        "targets_proved": [r["targets_proved_cumulative"] for r in numbered],
        "targets_total": numbered[-1]["targets_total"] if numbered else 0,
        "memory_entries": [base.get("memory_entries")] + [r.get("memory_entries") for r in numbered],
        "conjecture_funnel": funnel,
        "seconds": summary["seconds"],
    }


def plot(results: dict, path: Path, budget: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    first = next(iter(results.values()))
    xs = list(range(len(first["mixture"])))
    labels = ["start"] + [f"round {i}" for i in range(len(xs) - 1)]
    for mode, res, style in ((m, results[m], s) for m, s in zip(MODES, ("o-", "s--")) if m in results):
        ax.plot(xs, [v or 0 for v in res["mixture"]], style, label=f"{mode}: mixture (model + memory + portfolio)")
        ax.plot(xs, [v or 0 for v in res["model_alone"]], style, alpha=0.5, label=f"{mode}: model alone (sampling)")
    if first.get("portfolio") is not None:
        ax.axhline(first["portfolio"], color="grey", linestyle=":", label="portfolio alone")
    ax.set_xticks(xs, labels)
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(f"held-out proved (of {first['heldout_total']})")
    ax.set_title(f"learning curve, {budget:g} s per problem")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def figures(results: dict) -> list[str]:
    """The issue's four targets, each as measured."""
    sp, ei = results.get("selfplay"), results.get("expert_iteration")
    out = []
    ref = sp or ei
    total = ref["heldout_total"] or 0
    alone = ref["model_alone"][0] or 0
    out.append(f"base model alone: {alone}/{total} held-out ({100 * alone / max(1, total):.1f}%; target >= 5%)")
    portfolio = ref["portfolio"] or 0
    best = max(v or 0 for res in results.values() for v in res["mixture"])
    out.append(
        f"mixture with memory vs portfolio alone: best {best} vs {portfolio} "
        f"({(best - portfolio) / max(1, portfolio):+.0%}; target >= +25%)"
    )
    if sp and len(sp["mixture"]) > 2:
        r0, last = sp["mixture"][1] or 0, sp["mixture"][-1] or 0
        ei_last = (ei["mixture"][-1] or 0) if ei else None
        out.append(
            f"self-play last round {last} vs its round 0 {r0} ({last / max(1, r0):.2f}x; target >= 1.3x) and vs expert "
            f"iteration {ei_last} (target: above)"
        )
    if sp:
        model = sp["conjecture_funnel"].get("model", {})
        written, passing = model.get("written", 0), model.get("passing", 0)
        out.append(
            f"model conjectures passing every check: {passing}/{written} ({passing / max(1, written):.0%}; "
            "target >= 30%)"
        )
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/selfplay_base_coq.yaml")
    p.add_argument("--heldout", default="miniF2F/valid", metavar="BENCHMARK/SPLIT")
    p.add_argument("--count", type=int, default=30, help="held-out problems drawn from the split")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=8.0, help="search seconds per held-out problem")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated: selfplay, expert_iteration")
    p.add_argument("--data-dir")
    p.add_argument("--out", default="runs/bench-learning")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args()
    modes = [m for m in MODES if m in args.modes.split(",")]
    if not modes or args.count < 1 or args.budget <= 0 or args.rounds < 1:
        print("learning_curve: --modes, --count, --budget and --rounds need sensible values", file=sys.stderr)
        return 2
    try:
        heldout = heldout_names(args)
        results, start = {}, None
        for mode in modes:
            summary = run_mode(mode, args, heldout, start)
            results[mode] = curve(summary)
            if start is None:
                start = next(r for r in summary["rounds"] if r["round"] == "base")["checkpoint"]
    except (ConfigError, ValueError) as exc:
        print(f"learning_curve: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    (out / "summary.json").write_text(json.dumps({"heldout": heldout[2], "budget": args.budget, **results}, indent=1))
    plot(results, out / "learning_curve.png", args.budget)
    print(f"{'':>16} " + " ".join(f"{m:>40}" for m in results))
    for key in ("mixture", "model_alone", "targets_proved", "memory_entries", "seconds"):
        print(f"{key:>16} " + " ".join(f"{results[m][key]!s:>40}" for m in results))
    for line in figures(results):
        print(line)
    print(f"wrote {out / 'summary.json'} and {out / 'learning_curve.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
