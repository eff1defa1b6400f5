"""`stp order train`: a learned search order (issue 26) from the step events of earlier runs (`--order-events`),
optionally added to an order saved before; `stp order show`: what a saved order has learned."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stp_prover.search import OrderFileError, SearchOrder, read_events

from ..errors import UsageError
from ..options import add_json_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("order", help="the learned search order of best-first: train one from step events, show one")
    osub = p.add_subparsers(dest="order_command", required=True, metavar="ACTION")
    t = osub.add_parser("train", help="a search order from the JSONL step events of runs (--order-events)")
    t.add_argument("--events", nargs="+", required=True, metavar="JSONL", help="files written by --order-events")
    t.add_argument("--base", metavar="FILE", help="a saved order the events are added to")
    t.add_argument("--out", required=True, metavar="FILE", help="where the order is saved (JSON)")
    add_json_option(t)
    t.set_defaults(run=run_train)
    s = osub.add_parser("show", help="what a saved order has learned: its provenance and its best tactics")
    s.add_argument("file", metavar="FILE")
    s.add_argument("--top", type=int, default=10, help="tactics listed (default 10)")
    add_json_option(s)
    s.set_defaults(run=run_show)


def run_train(args: argparse.Namespace) -> int:
    try:
        order = SearchOrder.load(args.base) if args.base else SearchOrder()
        for path in args.events:
            if not Path(path).is_file():
                raise UsageError(f"no events file at {path}")
            for event in read_events(path):
                order.record(event)
    except OrderFileError as exc:
        raise UsageError(str(exc)) from None
    made = f"stp order train --events {' '.join(args.events)}" + (f" --base {args.base}" if args.base else "")
    order.made_by = f"{order.made_by}; then {made}" if order.made_by else made
    order.save(args.out)
    summary = {"out": args.out, "events": order.events, **order.summary(0)}
    print(json.dumps(summary) if args.json else f"search order: {order.events} events -> {args.out}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    try:
        order = SearchOrder.load(args.file)
    except OrderFileError as exc:
        raise UsageError(str(exc)) from None
    summary = {"made_by": order.made_by, "events": order.events, **order.summary(args.top)}
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{args.file}: {order.events} events, {summary['goals']} goals, {summary['tactics']} tactics")
    print(f"  made by: {order.made_by or '(unknown)'}")
    for row in summary["best"]:
        print(f"  {row['value_per_second']:10.2f}/s  {row['tries']:6d} tries  {row['tactic']}")
    return 0
