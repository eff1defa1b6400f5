"""`stp eval`: prove every theorem of a benchmark split, resumably, and report proved %, pass@k and a plot."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from stp_prover.data import ResultLog, get_benchmark, load_benchmark, select_theorems
from stp_prover.itp import ItpConfig, default_backend, ensure_available, system_of
from stp_prover.prover import make_policies
from stp_prover.prover.parallel import run_with_envs
from stp_prover.prover.prove import ProveConfig, prove_record
from stp_prover.search import search_names

from ..errors import UsageError
from ..options import (
    add_backend_option,
    add_engine_options,
    add_itp_options,
    add_json_option,
    add_policy_options,
    engine_settings,
    itp_settings,
    policy_settings,
)
from ..report import format_summary, plot_proved_vs_time, summarize


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate a prover on a benchmark split (resumable)")
    p.add_argument("--benchmark", required=True, help="miniF2F, ProofNet, examples")
    p.add_argument("--split", default="valid")
    add_backend_option(p)
    p.add_argument("--model", help="Hugging Face path or hub id, or vllm:ID; default: the built-in portfolio")
    p.add_argument("--retriever", metavar="INDEX", help="premise index for the tactic policy (see `prove --help`)")
    p.add_argument("--search", choices=search_names(), default="best-first", help="see `prove --help`")
    p.add_argument("--workers", type=int, default=2, help="theorems proved in parallel")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per theorem")
    p.add_argument("--samples", type=int, default=32, help="samples per theorem with --search sample or rmaxts")
    p.add_argument("--theorem", action="append", metavar="NAME", help="only these theorems (repeatable)")
    p.add_argument("--limit", type=int, help="only the first N theorems")
    p.add_argument("--data-dir")
    p.add_argument(
        "--out",
        help="run folder (default: runs/eval-BENCH-SPLIT-BACKEND-SEARCH, with -verdicts-MODE after it unless the "
        "verdicts are strict); rerun to resume",
    )
    add_json_option(p)
    add_itp_options(p)
    add_engine_options(p)
    add_policy_options(p)
    p.set_defaults(run=run)


def refuse_other_modes(out: Path, verdicts: str) -> None:
    """UsageError when run folder `out` was made in another verdict mode (its config.json or any result record
    says so): resuming would count the other mode's "proved". Folders from before verdict modes are strict."""
    modes = set()
    config = out / "config.json"
    if config.is_file():
        try:
            modes.add(json.loads(config.read_text(encoding="utf-8")).get("verdicts", "strict"))
        except (ValueError, AttributeError):
            raise UsageError(f"{config}: not a run's config.json; give another --out") from None
    if (out / "results.jsonl").is_file():
        with ResultLog(out / "results.jsonl", key="name") as log:
            modes |= {rec.get("verdicts", "strict") for rec in log.records()}
    other = sorted(modes - {verdicts})
    if other:
        raise UsageError(
            f"{out} holds a run made with --verdicts {', '.join(other)}, not {verdicts}: "
            "give another --out (or delete the folder) rather than mixing verdict modes"
        )


def run(args: argparse.Namespace) -> int:
    if args.workers < 1 or args.budget <= 0 or args.samples < 1:
        raise UsageError("--workers, --budget and --samples must be positive")
    itp_config = itp_settings(args).apply(ItpConfig())
    try:
        engine = engine_settings(args)
        policy = policy_settings(args)
        memory = policy.open_memory()
        # One learned search order for the whole run: every theorem's steps teach the next ones.
        order = policy.open_order(made_by=f"stp eval --benchmark {args.benchmark} --split {args.split}")
        events = policy.open_order_events()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    backend = args.backend or default_backend()
    ensure_available(backend)
    bench = get_benchmark(args.benchmark)
    theorems = select_theorems(
        load_benchmark(bench.name, args.split, system_of(backend), args.data_dir),
        args.theorem,
        args.limit,
        f"{bench.name}/{args.split}",
    )
    verdicts = itp_config.system(system_of(backend)).verdicts
    # stp verdicts are pass rates comparable with the paper's, not proofs: their runs live apart from strict ones.
    mode_suffix = "" if verdicts == "strict" else f"-verdicts-{verdicts}"
    out = Path(args.out or f"runs/eval-{bench.name}-{args.split}-{backend}-{args.search}{mode_suffix}")
    refuse_other_modes(out, verdicts)
    out.mkdir(parents=True, exist_ok=True)
    config = ProveConfig(method=args.search, budget_seconds=args.budget)
    config.sampling.samples = args.samples
    config.rmaxts.samples = args.samples
    (out / "config.json").write_text(
        json.dumps(
            {
                "benchmark": bench.name,
                "split": args.split,
                "backend": backend,
                "model": args.model,
                "search": args.search,
                "policy": policy.resolved(args.model),
                "memory": args.memory,
                "order": args.order,
                "budget": args.budget,
                "samples": args.samples,
                "workers": args.workers,
                "verdicts": verdicts,
            },
            indent=1,
        )
    )

    t0 = time.monotonic()
    with ResultLog(out / "results.jsonl", key="name") as log:
        done = log.done()
        todo = [t for t in theorems if t.name not in done]
        bar = tqdm(
            total=len(theorems),
            initial=len(theorems) - len(todo),
            desc=f"eval {bench.name}",
            unit="thm",
            file=sys.stderr,
            disable=None,
        )
        models: dict = {}
        premises = None
        if args.retriever:
            from stp_prover.retrieval import premise_source

            if not Path(args.retriever).exists():
                raise UsageError(f"no premise index at {args.retriever}; build one with `stp retrieval index`")
            premises = premise_source(args.retriever)
        proved = [sum(1 for r in log.records() if r.get("proved"))]

        def record(theorem, rec: dict) -> None:
            rec["verdicts"] = verdicts  # only a strict "proved" is a proof; resuming checks every record's mode
            log.append(rec)
            proved[0] += bool(rec.get("proved"))
            bar.update(1)
            bar.set_postfix(proved=proved[0], refresh=False)

        try:
            run_with_envs(
                todo,
                args.workers,
                backend,
                setup=lambda env: (
                    env,
                    *make_policies(
                        env, args.model, premises, shared=models, engine=engine, policy=policy, memory=memory
                    ),
                ),
                work=lambda ctx, theorem: prove_record(theorem, *ctx, config, memory, order, events),
                on_result=record,
                config=itp_config,
            )
        finally:
            policy.save_order(order)  # what was learned survives an interrupted (resumable) run too
            if events is not None:
                events.close()
        bar.close()
        if memory is not None:
            memory.close()
        names = {t.name for t in theorems}
        records = [r for r in log.records() if r["name"] in names]
    summary = summarize(records)
    summary.update({"seconds": round(time.monotonic() - t0, 1), "out": str(out), "verdicts": verdicts})
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    mode = "" if verdicts == "strict" else f", verdicts {verdicts}: STP's verifier rules, not the trust policy"
    title = f"{bench.name} {args.split} ({backend}, {args.search}, {args.budget:g}s/theorem{mode})"
    plot = plot_proved_vs_time(records, out / "proved_vs_time.png", title, args.budget)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(title, summary))
        print(f"  results: {out / 'results.jsonl'}, plot: {plot}")
    return 0
