"""miniF2F in Coq: our `prove` on its embedded default (best-first search over the built-in portfolio) against the
one-shot tactics a Coq user tries first (`intros; T` for T in lia, nia, lra, nra, sauto) and their union as one
portfolio, all on the same theorems with the same per-theorem budget, in one process; counts per kind of problem.

    .venv/bin/python benchmarks/minif2f_coq.py --budget 20 --workers 2 --data-dir ../shared/data [--split valid]

Results are appended to --out as they come (one line per theorem and method); a rerun resumes. One-shot rows are
keyed by split, tactic and theorem and reused by every rerun; `prove` rows also carry the portfolio's version, so a
changed portfolio is measured afresh in the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from stp_prover.data import DataError, ResultLog, load_benchmark
from stp_prover.itp import StatementError, VerdictKind
from stp_prover.itp.coq import has_library
from stp_prover.itp.coq.hints import warm_up
from stp_prover.itp.coq.portfolio import PORTFOLIO_VERSION

ONE_SHOT = ["lia", "nia", "lra", "nra", "sauto"]
# Kinds of problem, first match wins: the specific ones before "reals", which catches the rest over R.
KINDS = ("complex", "sqrt/ln/exp/trig", "existential", "sums", "divisibility", "reals", "other")
_KIND_PATTERNS = (
    ("complex", r"\(\s*\w+(\s+\w+)*\s*:\s*C\s*\)|:\s*C\s*,|\bCi\b|\bCplus\b|\bCmod\b|\bRe\b|\bIm\b|%C\b"),
    ("sqrt/ln/exp/trig", r"\b(sqrt|Rsqr|ln|exp|Rpower|logb|log|sin|cos|tan|PI|atan|asin|acos)\b"),
    ("existential", r"\bexists!?\b"),
    ("sums", r"\b(sum_f_R0|sum_n|list_sum|fold_left|fold_right|big_sum|Σ|sum)\b"),
    (
        "divisibility",
        r"\b(mod|modulo|Z\.modulo|Zmod|Z\.rem|Nat\.div|Z\.div|divide|Zdivide|gcd|lcm|Nat\.gcd|prime|Zis_gcd)\b"
        r"|\(\s*\w+\s*\|\s*\w+\s*\)",
    ),
    ("reals", r"\bR\b|%R\b|\bINR\b|\bIZR\b|\bRabs\b|\bRmax\b|\bRmin\b"),
)


def classify(statement: str) -> str:
    """The kind of a problem, from the text of its statement (one of KINDS)."""
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, statement):
            return kind
    return "other"


def one_shot(env, theorem, tactic: str, budget: float) -> bool:
    return env.check(theorem, f"Proof. intros; {tactic}. Qed.", timeout=budget).kind is VerdictKind.PROVED


def sample(theorems: list, n: int) -> list:
    """`n` theorems spread over the kinds (round robin over kinds, file order within a kind): a deterministic
    stratified sample to iterate on."""
    by_kind: dict[str, list] = defaultdict(list)
    for t in theorems:
        by_kind[classify(t.statement)].append(t)
    out: list = []
    while len(out) < min(n, len(theorems)):
        for kind in KINDS:
            if by_kind[kind] and len(out) < n:
                out.append(by_kind[kind].pop(0))
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=float, default=20.0, help="seconds per theorem, for every method")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--split", default="valid", help="any split present in --data-dir (valid, test)")
    p.add_argument("--limit", type=int, help="the first N theorems of the split")
    p.add_argument("--sample", type=int, help="N theorems spread over the kinds of problem")
    p.add_argument("--names", help="a file listing the theorems to run, one name per line")
    p.add_argument("--methods", default="all", help="comma-separated subset of the one-shots and `prove`")
    p.add_argument("--tactic-timeout", type=float, help="a tactic's longest time limit in the search (s)")
    p.add_argument("--data-dir", default="../shared/data")
    p.add_argument("--out", default="runs/bench-minif2f-coq.jsonl")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Heavy imports after argument parsing, so --help and bad arguments answer at once.
    from tqdm import tqdm

    from stp_prover.prover import make_policies
    from stp_prover.prover.parallel import run_with_envs
    from stp_prover.prover.prove import ProveConfig, prove_theorem

    tactics = [t for t in ONE_SHOT if t != "sauto" or has_library("Hammer")]
    every = tactics + ["prove"]
    methods = every if args.methods == "all" else [m.strip() for m in args.methods.split(",") if m.strip()]
    if unknown := [m for m in methods if m not in every]:
        print(f"error: unknown method(s) {', '.join(unknown)}; choose from {', '.join(every)}", file=sys.stderr)
        return 2
    if args.budget <= 0 or args.workers < 1:
        print("error: --budget must be positive and --workers at least 1", file=sys.stderr)
        return 2
    try:
        theorems = load_benchmark("miniF2F", args.split, "coq", args.data_dir)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.names:
        try:
            wanted = set(Path(args.names).read_text(encoding="utf-8").split())
        except OSError as exc:
            print(f"error: cannot read --names {args.names}: {exc.strerror}", file=sys.stderr)
            return 2
        theorems = [t for t in theorems if t.name in wanted]
    theorems = sample(theorems, args.sample) if args.sample else theorems[: args.limit]
    prove_tag = f"prove@{PORTFOLIO_VERSION}"

    def key(method: str, name: str) -> str:
        return f"{args.split}/{prove_tag if method == 'prove' else method}/{name}"

    log = ResultLog(args.out, key="key")
    done = log.done()
    todo = [t for t in theorems if any(key(m, t.name) not in done for m in methods)]
    bar = tqdm(total=len(todo), desc=f"miniF2F {args.split}", unit="thm", file=sys.stderr, disable=None)
    config = ProveConfig(method="best-first", budget_seconds=args.budget)
    config.best_first.tactic_timeout = args.tactic_timeout

    def attempt(ctx, theorem) -> list[dict]:
        env, tactic_policy, proof_policy = ctx
        rows = []
        for method in methods:
            if key(method, theorem.name) in done:
                continue
            t0 = time.monotonic()
            proof = None
            try:
                env.start(theorem)
                if method == "prove":
                    result = prove_theorem(theorem, env, tactic_policy, proof_policy, config)
                    proved, proof = result.proved, result.proof
                else:
                    proved = one_shot(env, theorem, method, args.budget)
                status = "proved" if proved else "failed"
            except StatementError:
                proved, status = False, "unsupported"
            rows.append(
                {
                    "key": key(method, theorem.name),
                    "split": args.split,
                    "method": prove_tag if method == "prove" else method,
                    "name": theorem.name,
                    "kind": classify(theorem.statement),
                    "proved": proved,
                    "status": status,
                    "seconds": round(time.monotonic() - t0, 3),
                    **({"proof": proof} if proof else {}),
                }
            )
        return rows

    def record(theorem, rows: list[dict]) -> None:
        for row in rows:
            log.append(row)
        bar.update(1)

    def setup(env):
        warm_up()  # sympy's import (seconds) is paid here, not from the first theorem's budget
        return (env, *make_policies(env))

    run_with_envs(todo, args.workers, "coq", setup=setup, work=attempt, on_result=record)
    bar.close()
    report(theorems, log.records(), tactics, prove_tag, args)
    log.close()
    return 0


def report(theorems: list, records: list[dict], tactics: list[str], prove_tag: str, args) -> None:
    """Counts per method, the union, `prove` and its ratio to the union, per kind of problem."""
    names = {t.name for t in theorems}
    kind_of = {t.name: classify(t.statement) for t in theorems}
    rows = [r for r in records if r.get("split", "valid") == args.split and r["name"] in names]
    proved: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["proved"]:
            proved[r["method"]].add(r["name"])
    unsupported = {r["name"] for r in rows if r["status"] == "unsupported"}
    union = set().union(*(proved[t] for t in tactics))
    ours = proved[prove_tag]
    print(
        f"miniF2F {args.split}, Coq 8.16: {len(names)} theorems ({len(unsupported)} do not elaborate here), "
        f"{args.budget:g}s per theorem per method"
    )
    for m in tactics:
        print(f"  intros; {m:<6}            {len(proved[m]):4d}")
    print(f"  union of the one-shots      {len(union):4d}   (each one with the full budget)")
    print(
        f"  prove (best-first, default) {len(ours):4d}   = {len(ours) / max(1, len(union)):.2f}x the union; "
        f"{len(ours - union)} only we prove, {len(union - ours)} only the baselines prove  [{prove_tag}]"
    )
    print(f"  {'kind':<18} {'n':>4} {'union':>6} {'prove':>6}")
    per_kind = {}
    for kind in KINDS:
        members = {n for n in names if kind_of[n] == kind}
        per_kind[kind] = {"n": len(members), "union": len(union & members), "prove": len(ours & members)}
        print(f"  {kind:<18} {len(members):4d} {len(union & members):6d} {len(ours & members):6d}")
    summary = {
        "split": args.split,
        "theorems": len(names),
        "unsupported": len(unsupported),
        "budget": args.budget,
        **{m: len(proved[m]) for m in tactics},
        "union": len(union),
        "prove": len(ours),
        "prove_version": prove_tag,
        "ratio": round(len(ours) / max(1, len(union)), 3),
        "kinds": per_kind,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
