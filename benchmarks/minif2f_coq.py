"""miniF2F valid in Coq: our `prove` on its embedded default (best-first search over the built-in portfolio)
against the one-shot baselines a Coq user tries first (`intros; T` for T in lia, nia, lra, nra, sauto) and their
union as one portfolio, all on the same theorems with the same per-theorem budget, in one process.

    .venv/bin/python benchmarks/minif2f_coq.py --budget 20 --workers 2 --data-dir ../shared/data

Results are appended to --out as they come (one line per theorem and method); a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from tqdm import tqdm

from data import ResultLog, load_benchmark
from itp import StatementError, VerdictKind
from itp.coq import has_library
from prover import make_policies
from prover.parallel import run_with_envs
from prover.prove import ProveConfig, prove_theorem

ONE_SHOT = ["lia", "nia", "lra", "nra", "sauto"]


def one_shot(env, theorem, tactic: str, budget: float) -> bool:
    return env.check(theorem, f"Proof. intros; {tactic}. Qed.", timeout=budget).kind is VerdictKind.PROVED


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=float, default=20.0, help="seconds per theorem, for every method")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int)
    p.add_argument("--data-dir", default="../shared/data")
    p.add_argument("--out", default="runs/bench-minif2f-coq.jsonl")
    args = p.parse_args()
    tactics = [t for t in ONE_SHOT if t != "sauto" or has_library("Hammer")]
    theorems = load_benchmark("miniF2F", "valid", "coq", args.data_dir)[: args.limit]
    methods = tactics + ["prove"]
    log = ResultLog(args.out, key="key")
    done = log.done()
    bar = tqdm(total=len(theorems), desc="miniF2F valid", unit="thm", file=sys.stderr, disable=None)
    config = ProveConfig(method="best-first", budget_seconds=args.budget)

    def attempt(ctx, theorem) -> list[dict]:
        env, tactic_policy, proof_policy = ctx
        rows = []
        for method in methods:
            if f"{method}/{theorem.name}" in done:
                continue
            t0 = time.monotonic()
            try:
                env.start(theorem)
                if method == "prove":
                    proved = prove_theorem(theorem, env, tactic_policy, proof_policy, config).proved
                else:
                    proved = one_shot(env, theorem, method, args.budget)
                status = "proved" if proved else "failed"
            except StatementError:
                proved, status = False, "unsupported"
            rows.append(
                {
                    "key": f"{method}/{theorem.name}",
                    "method": method,
                    "name": theorem.name,
                    "proved": proved,
                    "status": status,
                    "seconds": round(time.monotonic() - t0, 3),
                }
            )
        return rows

    def record(theorem, rows: list[dict]) -> None:
        for row in rows:
            log.append(row)
        bar.update(1)

    run_with_envs(
        theorems, args.workers, "coq", setup=lambda env: (env, *make_policies(env)), work=attempt, on_result=record
    )
    bar.close()
    names = {t.name for t in theorems}
    rows = [r for r in log.records() if r["name"] in names]
    log.close()
    proved = {m: {r["name"] for r in rows if r["method"] == m and r["proved"]} for m in methods}
    unsupported = {r["name"] for r in rows if r["status"] == "unsupported"}
    union = set().union(*(proved[t] for t in tactics))
    ours = proved["prove"]
    print(
        f"miniF2F valid, Coq 8.16: {len(names)} theorems ({len(unsupported)} do not elaborate here), "
        f"{args.budget:g}s per theorem per method"
    )
    for m in tactics:
        print(f"  intros; {m:<6}            {len(proved[m]):4d}")
    print(f"  union of the one-shots      {len(union):4d}   (each one with the full budget)")
    print(
        f"  prove (best-first, default) {len(ours):4d}   = {len(ours) / max(1, len(union)):.2f}x the union; "
        f"{len(ours - union)} only we prove, {len(union - ours)} only the baselines prove"
    )
    print(
        json.dumps(
            {
                "theorems": len(names),
                "unsupported": len(unsupported),
                "budget": args.budget,
                **{m: len(proved[m]) for m in methods},
                "union": len(union),
            }
        )
    )


if __name__ == "__main__":
    main()
