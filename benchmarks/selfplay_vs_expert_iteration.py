"""STP self-play against expert iteration alone: the same configuration, the same targets, the same number of rounds,
run one after the other through the real loop (`stp selfplay`), then the held-out proved counts of each.

    STP_DATA_DIR=../shared/data .venv/bin/python benchmarks/selfplay_vs_expert_iteration.py \\
        --config configs/selfplay_tiny_coq.yaml --out runs/bench-selfplay

Each mode's run folder is under --out; a rerun resumes both runs where they stopped. The held-out numbers come from
sampling the model alone (no portfolio), so they say what training did to the model. Both modes are STP's
(run_RL_steps.sh + RL_step3_final_model.py against run_RL_expert_iter.sh): the same stage-1 checkpoint, then self-play
rounds continuing from each other and a final re-training from the base, against expert-iteration rounds each
re-trained from the stage-1 checkpoint on all rounds' target proofs (its last round is its final model).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from selfplay import load_config, parse_overrides, run_selfplay
from selfplay.loop import CONFIG_FILE


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/selfplay_tiny_coq.yaml")
    p.add_argument("--out", default="runs/bench-selfplay")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args()
    results = {}
    for mode in ("expert_iteration", "selfplay"):
        run_dir = Path(args.out) / mode
        saved = run_dir / CONFIG_FILE
        overrides = {**parse_overrides(args.set), "mode": mode, "run_dir": str(run_dir)}
        config = load_config(saved if saved.exists() else args.config, overrides)
        print(f"== {mode}: {run_dir}", file=sys.stderr)
        summary = run_selfplay(config)
        rounds = {str(r["round"]): r for r in summary["rounds"]}
        numbered = [r for k, r in rounds.items() if k.isdigit()]
        last = max(numbered, key=lambda r: r["round"])
        results[mode] = {
            "heldout_base": rounds["base"]["heldout_proved"],
            "heldout_per_round": [r["heldout_proved"] for r in sorted(numbered, key=lambda r: r["round"])],
            # Expert iteration as STP ran it re-trains from the start every round: its last round is its final model.
            "heldout_final": rounds.get("final", last).get("heldout_proved"),
            "heldout_total": last["heldout_total"],
            "targets_proved": last["targets_proved_cumulative"],
            "targets_total": last["targets_total"],
            "conjectures_selected": sum(r.get("conjectures_selected", 0) for r in numbered),
            "train_examples": sum(r["train"].get("examples", 0) for r in numbered),
            "seconds": summary["seconds"],
        }
    (Path(args.out) / "summary.json").write_text(json.dumps(results, indent=1))
    ei, sp = results["expert_iteration"], results["selfplay"]
    print(f"{'':>20} {'expert iteration':>18} {'self-play':>12}")
    for key in (
        "targets_proved",
        "heldout_base",
        "heldout_per_round",
        "heldout_final",
        "conjectures_selected",
        "train_examples",
        "seconds",
    ):
        print(f"{key:>20} {ei[key]!s:>18} {sp[key]!s:>12}")
    base = max(1, ei["heldout_final"] or 0)
    print(
        f"held-out proved, final model: self-play {sp['heldout_final']} vs expert iteration {ei['heldout_final']} "
        f"of {sp['heldout_total']} (ratio {((sp['heldout_final'] or 0) / base):.2f}, denominator floored at 1)"
    )


if __name__ == "__main__":
    main()
