"""`stp selfplay`: run STP self-play (or the expert-iteration baseline) from a YAML configuration; resumable."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from ..errors import UsageError
from ..options import add_config_options, add_json_option, read_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("selfplay", help="STP self-play / expert iteration on Ray (resumable)")
    add_config_options(
        p, "YAML configuration of a new run (see configs/ and `stp config schema selfplay`)", "rounds=1", False
    )
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its folder (uses the config saved there)")
    p.add_argument("--run-dir", help="run folder (overrides the config's run_dir)")
    p.add_argument(
        "--mode", help="overrides the config's mode: selfplay, expert_iteration, or a mode a plug-in registered"
    )
    add_json_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stp_prover.selfplay import ConfigError, SelfPlayConfig, run_selfplay
    from stp_prover.selfplay.loop import CONFIG_FILE

    chosen = {"mode": args.mode} if args.mode else {}
    if args.resume:
        saved = Path(args.resume) / CONFIG_FILE
        if not saved.exists():
            raise UsageError(f"{args.resume} is not a run folder (no {CONFIG_FILE})")
        config = read_config(saved, SelfPlayConfig, args.set, {**chosen, "run_dir": args.resume})
    elif args.config:
        if args.run_dir:
            chosen["run_dir"] = args.run_dir
        config = read_config(args.config, SelfPlayConfig, args.set, chosen)
        if (Path(config.run_dir) / CONFIG_FILE).exists():
            raise UsageError(
                f"run folder {config.run_dir} already holds a run: continue it with --resume {config.run_dir}, "
                "or choose another --run-dir"
            )
    else:
        raise UsageError("give --config CONFIG.yaml (a new run) or --resume RUN_DIR")
    # With --json, stdout carries the summary alone: Ray forwards worker stdout to the driver's sys.stdout at print
    # time (ray/_private/worker.py print_logs), so during the run that goes to stderr with the driver's own messages.
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    try:
        with quiet:
            try:
                summary = run_selfplay(config)
            finally:
                _stop_ray()  # its log thread flushes what the workers printed last: into the same stream
    except ConfigError as exc:  # found while starting the run (a base model that does not load)
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(summary))
    else:
        for rec in summary["rounds"]:
            print(_line(rec))
        print(f"run folder: {summary['run_dir']}  plot: {summary['plot']}  ({summary['seconds']} s)")
    return 0


def _stop_ray() -> None:
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()


def _line(rec: dict) -> str:
    r = rec["round"]
    held = f"held-out {rec.get('heldout_proved', 0)}/{rec.get('heldout_total', 0)}"
    if not isinstance(r, int):
        return f"{r:>6}: {held}"
    return (
        f"round {r}: targets proved {rec['targets_proved_cumulative']}/{rec['targets_total']}, conjectures "
        f"{rec.get('conjectures_generated', 0)} generated / {rec.get('conjectures_pooled', 0)} sampled / "
        f"{rec.get('conjectures_selected', 0)} selected, train examples {rec['train'].get('examples', 0)}, {held}"
    )
