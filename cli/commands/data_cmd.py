"""`stp data ...`: benchmark files, traced proofs, and the data pipelines (see data_pipelines)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from stp_prover import itp
from stp_prover.data import FetchError, fetch_benchmark
from stp_prover.data.traced import build_dataset, trace_library
from stp_prover.itp.backends import ensure_available

from ..errors import UsageError
from ..options import add_json_option
from . import data_pipelines


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="data: fetch, trace, bootstrap, autoformalize, counterexamples, export")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    f = dsub.add_parser("fetch", help="download a benchmark's pinned upstream files (needs internet)")
    f.add_argument("benchmark", help="e.g. miniF2F")
    f.add_argument("--data-dir", help="where to write (default: $STP_DATA_DIR or ~/.local/share/stp/data)")
    f.add_argument("--backend", action="append", choices=itp.system_names(), help="only this system (repeatable)")
    f.add_argument("--timeout", type=float, default=60.0, help="seconds per download")
    f.set_defaults(run=run_fetch)
    t = dsub.add_parser(
        "trace", help="trace proofs by replaying them (Coq: the standard library) into LeanDojo-like records; resumable"
    )
    t.add_argument(
        "--backend",
        choices=itp.backend_names(traces=True),
        default="coq",
        help="coq: the installed standard library; lean: your own .lean files (--files), through the REPL",
    )
    t.add_argument(
        "--files",
        action="append",
        metavar="GLOB",
        help="only files whose path or logical name matches a glob (repeatable), e.g. 'theories/Arith/*.v', or the "
        "path of a file, e.g. /usr/lib/ocaml/coq/theories/Arith/PeanoNat.v",
    )
    t.add_argument(
        "--library",
        help="which installed library to trace (coq: stdlib, the default, or a user-contrib package such as mathcomp "
        "or Coquelicot)",
    )
    t.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="trace your own project instead: coq reads DIR/_CoqProject and builds it with coq_makefile first",
    )
    t.add_argument("--out", default="runs/traced-coq", help="output folder (default runs/traced-coq)")
    t.add_argument("--seed", type=int, default=0, help="seed of the random split")
    t.add_argument("--workers", type=int, default=2, help="files traced in parallel (one coqtop each)")
    add_json_option(t)
    t.set_defaults(run=run_trace)
    g = dsub.add_parser(
        "import-leandojo",
        help="write LeanDojo Benchmark 4 (corpus.jsonl, random/, novel_premises/) in `stp data trace`'s layout",
    )
    g.add_argument("benchmark", help="the unpacked leandojo_benchmark_4 folder")
    g.add_argument("--out", default="runs/leandojo", help="output folder (default runs/leandojo)")
    g.add_argument(
        "--repo",
        metavar="DIR",
        help="checkout of the repository LeanDojo traced (Mathlib at the benchmark's commit): theorem statements are "
        "read from its source files; without it they are rebuilt from each theorem's root goal",
    )
    g.set_defaults(run=run_import_leandojo)
    data_pipelines.register(dsub)


def run_fetch(args: argparse.Namespace) -> int:
    try:
        written = fetch_benchmark(args.benchmark, args.data_dir, args.backend, args.timeout)
    except FetchError as exc:
        raise UsageError(
            f"{exc}. On a machine without internet, copy the benchmark's JSONL files "
            f"(<benchmark>/<system>_<split>.jsonl) into --data-dir instead"
        ) from None
    for path in written:
        print(f"wrote {path}")
    return 0


def run_import_leandojo(args: argparse.Namespace) -> int:
    from stp_prover.data.leandojo import import_benchmark

    try:
        counts = import_benchmark(Path(args.benchmark), Path(args.out), Path(args.repo) if args.repo else None)
    except (ValueError, KeyError, TypeError) as exc:  # a missing file, or records not in LeanDojo's layout
        raise UsageError(f"cannot import {args.benchmark}: {exc}") from None
    print(
        f"imported {counts['files']} files, {counts['premises']} premises; "
        + ", ".join(f"{k}: {v}" for k, v in counts.items() if "/" in k)
        + f"; statements from source: {counts['statements_from_source']}, from the root goal: "
        f"{counts['statements_from_goal']}, none (left out): {counts['no_statement']}; records in {args.out}"
    )
    return 0


def run_trace(args: argparse.Namespace) -> int:
    out = Path(args.out)
    ensure_available(args.backend)  # missing Coq or an unset STP_LEAN_REPL is exit 2 before any work
    bar = tqdm(desc="trace", unit="file", file=sys.stderr, disable=None)

    def on_file(traced) -> None:
        bar.update(1)
        bar.set_postfix_str(traced.path[-40:], refresh=False)

    try:
        chosen = trace_library(args.backend, out, args.files, on_file, args.workers, args.library, args.project)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    bar.close()
    if not chosen:
        where = f"project {args.project}" if args.project else f"library {args.library or 'stdlib'}"
        raise UsageError(f"no file of the {where} matches {args.files}")
    stats = build_dataset(out, args.seed)
    summary = {**stats.__dict__, "out": str(out)}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"traced {stats.files} files: {stats.theorems} theorems with {stats.tactics} tactics "
            f"({stats.tactics_with_premises} use a premise), {stats.premises} premises; "
            f"{stats.failed_theorems} proofs did not replay (listed in {out / 'replay_failures.txt'}); "
            f"records in {out}"
        )
    return 0
