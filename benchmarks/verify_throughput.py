"""Proofs per second: the warm verifier pool against one cold `coqc` per proof, on the same Coq proofs, in one run,
with the same number of parallel workers and the same per-proof timeout.

Two workloads. `minif2f`: one-line automation tried on miniF2F valid statements, of which almost all fail at once
(flattering to the warm pool: a failed proof costs milliseconds). `mixed`: arithmetic statements with a stated share
of correct proofs (`--proved-share`), each of which goes all the way through `Qed` and the axiom audit, as sampled
proofs that work do.

    .venv/bin/python benchmarks/verify_throughput.py --workload minif2f --theorems 8 --per-theorem 32 --workers 2
    .venv/bin/python benchmarks/verify_throughput.py --workload mixed --proved-share 0.5 --theorems 8 --per-theorem 32
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from stp_prover.data import load_benchmark
from stp_prover.itp import ItpConfig, PoolConfig, VerifierPool, VerifyJob, make_env

# One-line automation a sampler or the portfolio prover would produce; most fail, as most samples do.
TACTICS = [
    "lia",
    "nia",
    "lra",
    "ring",
    "field",
    "reflexivity",
    "auto",
    "easy",
    "tauto",
    "congruence",
    "trivial",
    "simpl",
    "intuition",
    "firstorder",
    "eauto",
    "discriminate",
]


def proofs(k: int) -> list[str]:
    """k distinct proof texts: `intros; T` and `intros; T1; T2` for tactics T, T1, T2 above."""
    one = [f"Proof. intros; {t}. Qed." for t in TACTICS]
    two = [f"Proof. intros; {a}; {b}. Qed." for a, b in itertools.permutations(TACTICS, 2)]
    return (one + two)[:k]


def jobs_for(theorems: int, per_theorem: int, data_dir: str) -> list[VerifyJob]:
    """Sampling-shaped work: `per_theorem` distinct proofs of each of the first `theorems` miniF2F valid statements
    (STP samples 32 proofs per statement). No two jobs are identical, so deduplication plays no part."""
    chosen = load_benchmark("miniF2F", "valid", "coq", data_dir)[:theorems]
    return [VerifyJob(t, p) for t in chosen for p in proofs(per_theorem)]


# Correct and wrong proofs of `forall n m : nat, n * (m + i) = n * m + n * i`; prefixes keep texts distinct.
GOOD = ["intros; lia", "intros; nia", "intros; ring", "intros. rewrite Nat.mul_add_distr_l. reflexivity"]
BAD = ["intros; reflexivity", "intros; auto", "intros; simpl; auto", "intros; lra", "intros; discriminate"]
PREFIXES = ["", "idtac; ", "try idtac; ", "cbv beta; ", "idtac; idtac; ", "try cbv beta; ", "do 2 idtac; ", "hnf; "]


def mixed_jobs(theorems: int, per_theorem: int, share: float) -> list[VerifyJob]:
    """`per_theorem` distinct proofs of each of `theorems` statements, `share` of them correct."""
    from stp_prover.itp import Theorem

    jobs = []
    for i in range(theorems):
        name = f"distrib_{i}"
        thm = Theorem(
            name,
            "coq",
            "Require Import Arith Lia.\n",
            f"Theorem {name} : forall n m : nat, n * (m + {i + 1}) = n * m + n * {i + 1}.",
        )
        good = [p + g for p in PREFIXES for g in GOOD]
        bad = [p + b for p in PREFIXES for b in BAD]
        n_good = round(per_theorem * share)
        texts = good[:n_good] + bad[: per_theorem - n_good]
        jobs += [VerifyJob(thm, f"Proof. {t}. Qed.") for t in texts]
    return jobs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", choices=("minif2f", "mixed"), default="minif2f")
    p.add_argument("--proved-share", type=float, default=0.5, help="with --workload mixed: share of correct proofs")
    p.add_argument("--theorems", type=int, default=8, help="statements (miniF2F valid: in file order)")
    p.add_argument("--per-theorem", type=int, default=32, help="distinct proofs per statement")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--data-dir", default="../shared/data")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.workload == "mixed":
        jobs = mixed_jobs(args.theorems, min(args.per_theorem, 32), args.proved_share)
    else:
        jobs = jobs_for(args.theorems, args.per_theorem, args.data_dir)
    config = ItpConfig(pool=PoolConfig(workers=args.workers))

    t0 = time.monotonic()
    with VerifierPool(lambda: make_env("coq", config), config.pool, args.timeout) as pool:
        warm = pool.verify(jobs)
    warm_s = time.monotonic() - t0

    env = make_env("coq", config)
    t0 = time.monotonic()
    with ThreadPoolExecutor(args.workers) as ex:
        cold = list(ex.map(lambda j: env.check_cold(j.theorem, j.proof, args.timeout), jobs))
    cold_s = time.monotonic() - t0
    env.close()

    agree = sum(w.kind == c.kind for w, c in zip(warm, cold))
    result = {
        "workload": args.workload,
        "proofs": len(jobs),
        "theorems": args.theorems,
        "per_theorem": args.per_theorem,
        "workers": args.workers,
        "warm_seconds": round(warm_s, 2),
        "cold_seconds": round(cold_s, 2),
        "warm_proofs_per_s": round(len(jobs) / warm_s, 2),
        "cold_proofs_per_s": round(len(jobs) / cold_s, 2),
        "speedup": round(cold_s / warm_s, 1),
        "verdicts_agree": f"{agree}/{len(jobs)}",
        "warm_verdicts": dict(Counter(v.kind.value for v in warm)),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{args.workload}: {len(jobs)} proofs ({args.theorems} statements x {args.per_theorem}), "
        f"{args.workers} workers, {args.timeout:.0f}s timeout"
    )
    print(f"  warm pool : {result['warm_proofs_per_s']:8.2f} proofs/s  ({warm_s:.1f}s)")
    print(f"  cold coqc : {result['cold_proofs_per_s']:8.2f} proofs/s  ({cold_s:.1f}s)")
    print(
        f"  speedup   : {result['speedup']}x   verdicts agree on {result['verdicts_agree']}; "
        f"warm verdicts {result['warm_verdicts']}"
    )


if __name__ == "__main__":
    main()
