"""What the OS sandbox and the coqchk re-check cost on Coq: coqtop start-up, a warm check, a cold (coqc) check with
the sandbox off and on, and `kernel_recheck` per proof. Medians of REPEATS runs; prints one JSON object.

    .venv/bin/python benchmarks/sandbox_cost.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from stp_prover.itp import Theorem
from stp_prover.itp.coq import CoqConfig, CoqEnv
from stp_prover.itp.coq.coqc import kernel_recheck
from stp_prover.itp.coq.coqtop import CoqTop
from stp_prover.itp.sandbox import SandboxConfig

HEADER = "Require Import Reals Lra.\nOpen Scope R_scope.\n"
THEOREMS = [
    (Theorem("a", "coq", HEADER, "Theorem a (x : R) (h : x + 1 = 3) : x = 2."), "Proof. lra. Qed."),
    (Theorem("b", "coq", "Require Import Arith Lia.\n", "Theorem b (n : nat) : n + 0 = n."), "Proof. lia. Qed."),
    (Theorem("c", "coq", "", "Theorem c : forall P : Prop, P -> P."), "Proof. intros P p. exact p. Qed."),
]


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def measure(mode: str, repeats: int) -> dict:
    config = CoqConfig(sandbox=SandboxConfig(mode=mode))
    starts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        top = CoqTop(config)
        starts.append(time.perf_counter() - t0)
        top.close()
    theorem, proof = THEOREMS[0]
    with CoqEnv(config) as env:
        first = timed(lambda: env.check(theorem, proof))  # starts coqtop and loads Reals
        warm = [timed(lambda: env.check(theorem, proof)) for _ in range(repeats)]
        cold = [timed(lambda: env.check_cold(theorem, proof)) for _ in range(repeats)]
    return {
        "coqtop_start_ms": median_ms(starts),
        "first_check_with_reals_ms": round(first * 1000, 1),
        "warm_check_ms": median_ms(warm),
        "cold_coqc_check_ms": median_ms(cold),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    out = {"repeats": args.repeats, "off": measure("off", args.repeats), "bwrap": measure("bwrap", args.repeats)}
    config = CoqConfig(sandbox=SandboxConfig(mode="bwrap"))
    out["kernel_recheck_ms"] = {
        theorem.name: median_ms([timed(lambda: kernel_recheck(theorem, proof, config)) for _ in range(args.repeats)])
        for theorem, proof in THEOREMS
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
