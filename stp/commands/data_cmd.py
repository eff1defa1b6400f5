"""`stp data ...`: benchmark files."""
from __future__ import annotations

import argparse

from data import FetchError, fetch_benchmark

from ..errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="benchmark data: fetch")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    f = dsub.add_parser("fetch", help="download a benchmark's pinned upstream files (needs internet)")
    f.add_argument("benchmark", help="e.g. miniF2F")
    f.add_argument("--data-dir", help="where to write (default: $STP_DATA_DIR or ~/.local/share/stp/data)")
    f.add_argument("--backend", action="append", choices=["coq", "lean"], help="only this system (repeatable)")
    f.add_argument("--timeout", type=float, default=60.0, help="seconds per download")
    f.set_defaults(run=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    try:
        written = fetch_benchmark(args.benchmark, args.data_dir, args.backend, args.timeout)
    except FetchError as exc:
        raise UsageError(f"{exc}. On a machine without internet, copy the benchmark's JSONL files "
                         f"(<benchmark>/<system>_<split>.jsonl) into --data-dir instead") from None
    for path in written:
        print(f"wrote {path}")
    return 0
