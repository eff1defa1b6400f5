"""One self-play sampling round through the streaming loop (`selfplay/sampling.py`), with a generation TEST DOUBLE
and real Coq verification on Ray verifier actors: how fast samples go through, how busy the verifiers are, what the
loop itself costs, and whether driver memory stays flat.

The generation double (`KnownProofsGenerationDouble`, a Ray actor with the policy actor's `sample_proofs`) answers
instantly: each sample is, at a fixed rate (`--proved-share`), one of a statement's known proofs, else garbage (one of
a few wrong tactics, or a random word Coq does not know); samples repeat as a model's do, so deduplication plays its
part. Statements are arithmetic facts (`n + i = i + n`); a known proof goes through `Qed` and the axiom audit as a
real sampled proof does.

The round is written to `--out` exactly as self-play writes it (summaries, Parquet shards, best-proof index), and a
second run on the same folder resumes it: the kill-and-resume test uses that.

    .venv/bin/python benchmarks/selfplay_throughput.py --samples 100000 --out /tmp/sp-throughput --fresh
    .venv/bin/python benchmarks/selfplay_throughput.py --samples 8000 --known-proofs mixed --out /tmp/sp-mixed --fresh
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stp_prover.itp import ItpConfig, PoolConfig, Theorem  # noqa: E402
from stp_prover.itp.ray_pool import RayVerifierPool  # noqa: E402
from stp_prover.selfplay.logs import BestIndex, SampleLog, read_proofs, read_summaries  # noqa: E402
from stp_prover.selfplay.sampling import StreamSettings, sample_and_verify  # noqa: E402

HEADER = "Require Import Arith Lia.\n"
# Known proofs. "cheap" ones are checked in milliseconds, which makes the loop's own overhead look as large as it can
# get; "mixed" adds `lia` and `ring`, which take 0.4 to 2 s each in a warm Coq here (the check's own work).
GOOD = {
    "cheap": [
        "intros; apply Nat.add_comm",
        "intros. rewrite Nat.add_comm. reflexivity",
        "intros n. rewrite Nat.add_comm. reflexivity",
        "intros; symmetry; apply Nat.add_comm",
    ],
}
GOOD["mixed"] = GOOD["cheap"][:2] + ["intros; lia", "intros; ring"]
WRONG = ["intros; reflexivity", "intros; auto", "intros; discriminate", "intros; apply Nat.add_0_r"]


def statement(i: int) -> Theorem:
    name = f"comm_{i}"
    return Theorem(name, "coq", HEADER, f"Theorem {name} : forall n : nat, n + {i + 1} = {i + 1} + n.")


def double_samples(theorem: Theorem, n: int, proved_share: float, garbage_words: int, known: str) -> list[str]:
    """The double's n samples for one statement, the same every time for the same statement (seeded by its name)."""
    rng = random.Random(theorem.name)
    out = []
    for _ in range(n):
        if rng.random() < proved_share:
            out.append(f"Proof. {rng.choice(GOOD[known])}. Qed.")
        elif rng.random() < 0.5:
            out.append(f"Proof. {rng.choice(WRONG)}. Qed.")
        else:  # a word Coq does not know: rejected at once, as most of a weak model's samples are
            out.append(f"Proof. intros; tactic_{rng.randrange(garbage_words)}. Qed.")
    return out


def _double_class():
    import ray

    @ray.remote
    class KnownProofsGenerationDouble:
        """TEST DOUBLE for the policy actor: known proofs and garbage at a fixed rate, instantly."""

        def __init__(self, proved_share: float, garbage_words: int, known: str, delay: float = 0.0):
            self.proved_share, self.garbage_words, self.known, self.delay = proved_share, garbage_words, known, delay

        def sample_proofs(self, theorems: list[Theorem], n: int) -> list[list[str]]:
            if self.delay:
                time.sleep(self.delay)  # the kill test slows generation so a kill lands mid-round
            return [double_samples(t, n, self.proved_share, self.garbage_words, self.known) for t in theorems]

    return KnownProofsGenerationDouble


@dataclass
class BenchWorkers:
    """What the sampling stage needs of `selfplay.workers.Workers`: policy actors, a verifier pool, a checkpoint."""

    policies: list
    pool: RayVerifierPool
    checkpoint: Optional[str] = "known-proofs-generation-double"


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class RssSampler:
    """Driver RSS every `every` seconds on a background thread, to show whether memory grows with the round."""

    every: float = 2.0
    series: list[float] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(self.every):
            self.series.append(round(rss_mib(), 1))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=100_000, help="samples in the round (statements x per-statement)")
    p.add_argument("--per-statement", type=int, default=32, help="samples per statement (STP: 32 after round 0)")
    p.add_argument("--proved-share", type=float, default=0.25, help="share of samples that are a known proof")
    p.add_argument(
        "--known-proofs", choices=sorted(GOOD), default="cheap", help="which known proofs the double returns"
    )
    p.add_argument("--garbage-words", type=int, default=64, help="distinct unknown tactics garbage is drawn from")
    p.add_argument("--verifiers", type=int, default=2, help="verifier actors")
    p.add_argument("--verifier-workers", type=int, default=1, help="Coq processes per verifier actor")
    p.add_argument("--generation-actors", type=int, default=1)
    p.add_argument("--chunk", type=int, default=8, help="statements per generation request")
    p.add_argument("--verify-in-flight", type=int, default=2)
    p.add_argument("--timeout", type=float, default=10.0, help="per-proof verification timeout")
    p.add_argument("--generation-delay", type=float, default=0.0, help="seconds per generation call (kill test)")
    p.add_argument("--num-cpus", type=int, default=None, help="local Ray CPUs (default: this machine's)")
    p.add_argument("--out", required=True, help="round folder; an existing one is resumed")
    p.add_argument("--fresh", action="store_true", help="delete --out first")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.samples < args.per_statement or args.per_statement < 1 or not 0 <= args.proved_share <= 1:
        print("error: need 1 <= --per-statement <= --samples and 0 <= --proved-share <= 1", file=sys.stderr)
        return 2

    import ray

    out = Path(args.out)
    if args.fresh and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    theorems = [statement(i) for i in range(args.samples // args.per_statement)]
    ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    config = ItpConfig(pool=PoolConfig(workers=args.verifier_workers))
    pool = RayVerifierPool("coq", args.verifiers, config, args.timeout, cpus_per_actor=args.verifier_workers)
    actors = [
        _double_class()
        .options(num_cpus=0)
        .remote(args.proved_share, args.garbage_words, args.known_proofs, args.generation_delay)
        for _ in range(args.generation_actors)
    ]
    ray.get([a.__ray_ready__.remote() for a in actors] + [a.__ray_ready__.remote() for a in pool.actors])
    # Warm each verifier's Coq process on the header, so start-up is not counted as loop time.
    pool.verify([_warm_job(i) for i in range(2 * args.verifiers * args.verifier_workers)])
    workers = BenchWorkers(actors, pool)
    settings = StreamSettings(args.chunk, 2, args.verify_in_flight)

    import pyarrow.parquet  # noqa: F401 - loaded before the first RSS reading, so the library is not counted as growth

    index = BestIndex(out)
    rss_start = rss_mib()
    with RssSampler() as rss, SampleLog(out, "targets", index, 0) as log:
        stats = sample_and_verify(theorems, log, workers, args.per_statement, settings=settings, desc="throughput")
    rss_end = rss_mib()
    index.close()
    pool.close()
    ray.shutdown()

    slots = args.verifiers * args.verifier_workers
    busy = stats.verify_seconds / (slots * stats.seconds) if stats.seconds else 0.0
    verifier_wall = stats.verify_seconds / slots  # verification time, as wall time on all verifier slots
    summaries = read_summaries(out / "targets.jsonl")
    result = {
        "statements_this_run": stats.statements,
        "samples_this_run": stats.samples,
        "distinct_checked": stats.checked,
        "correct_samples": stats.correct,
        "seconds": round(stats.seconds, 1),
        "samples_per_s": round(stats.samples / stats.seconds, 1) if stats.seconds else 0.0,
        "checks_per_s": round(stats.checked / stats.seconds, 1) if stats.seconds else 0.0,
        "verifier_slots": slots,
        "verifier_busy_share": round(busy, 3),
        "driver_bookkeeping_s": round(stats.bookkeeping_seconds, 2),
        "loop_overhead_vs_verification": round(stats.bookkeeping_seconds / verifier_wall, 4) if verifier_wall else 0,
        "driver_rss_mib_start": round(rss_start, 1),
        "driver_rss_mib_end": round(rss_end, 1),
        "driver_rss_mib_series": rss.series[:: max(1, len(rss.series) // 20)],
        "statements_logged": len(summaries),
        "statements_logged_distinct": len({s.name for s in summaries}),
        "statements_total": len(theorems),
        "shards": len(list((out / "targets.proofs").glob("*.parquet"))),
        "log_bytes": sum(f.stat().st_size for f in out.rglob("*") if f.is_file()),
        "stats": stats.to_dict(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:32s} {v}")
    return 0


def _warm_job(i: int):
    from stp_prover.itp import VerifyJob

    return VerifyJob(statement(10**6 + i), "Proof. intros; apply Nat.add_comm. Qed.")


def check_log(out: Path) -> dict:
    """What a finished round folder holds: every statement once, each with rows from exactly one shard."""
    summaries = read_summaries(out / "targets.jsonl")
    rows = read_proofs(out, "targets")
    return {
        "statements": len(summaries),
        "distinct_names": len({s.name for s in summaries}),
        "samples": sum(s.samples for s in summaries),
        "row_samples": sum(p.count for v in rows.values() for p in v),
    }


if __name__ == "__main__":
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    sys.exit(main())
