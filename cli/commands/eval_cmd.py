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
    p.add_argument("--out", help="run folder (default: runs/eval-BENCH-SPLIT-BACKEND-SEARCH); rerun to resume")
    add_json_option(p)
    add_itp_options(p)
    add_engine_options(p)
    add_policy_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.workers < 1 or args.budget <= 0 or args.samples < 1:
        raise UsageError("--workers, --budget and --samples must be positive")
    itp_config = itp_settings(args).apply(ItpConfig())
    try:
        engine = engine_settings(args)
        policy = policy_settings(args)
        memory = policy.open_memory()
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
    out = Path(args.out or f"runs/eval-{bench.name}-{args.split}-{backend}-{args.search}")
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
                "budget": args.budget,
                "samples": args.samples,
                "workers": args.workers,
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
            log.append(rec)
            proved[0] += bool(rec.get("proved"))
            bar.update(1)
            bar.set_postfix(proved=proved[0], refresh=False)

        run_with_envs(
            todo,
            args.workers,
            backend,
            setup=lambda env: (
                env,
                *make_policies(env, args.model, premises, shared=models, engine=engine, policy=policy, memory=memory),
            ),
            work=lambda ctx, theorem: prove_record(theorem, *ctx, config, memory),
            on_result=record,
            config=itp_config,
        )
        bar.close()
        if memory is not None:
            memory.close()
        names = {t.name for t in theorems}
        records = [r for r in log.records() if r["name"] in names]
    summary = summarize(records)
    summary.update({"seconds": round(time.monotonic() - t0, 1), "out": str(out)})
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    title = f"{bench.name} {args.split} ({backend}, {args.search}, {args.budget:g}s/theorem)"
    plot = plot_proved_vs_time(records, out / "proved_vs_time.png", title, args.budget)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(title, summary))
        print(f"  results: {out / 'results.jsonl'}, plot: {plot}")
    return 0
