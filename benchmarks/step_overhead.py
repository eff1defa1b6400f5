"""The time our code adds to a tactic step over coqtop's own reply (issue 14, part 3; goal: median <= 2 ms).

For each theorem, every portfolio tactic is stepped from the root state with `CoqEnv.step`, as best-first does for
siblings. The wall time of `step()` is compared with the round trip of the tactic's own sentence(s) to coqtop
(written, run, reply read: what coqtop itself takes); the difference is ours: screening, going back to the parent
state, asking for the goals (`Show.`), parsing, bookkeeping. Printed: median and p90 in ms, and where it goes.

    .venv/bin/python benchmarks/step_overhead.py --limit 20 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict

from stp_prover.data import load_benchmark
from stp_prover.itp import CoqConfig, StatementError, StepKind
from stp_prover.itp.coq import CoqEnv
from stp_prover.itp.coq.policy import screen_tactic


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class RunTimer:
    """Instrumentation for this benchmark only: times every sentence a CoqTop instance runs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self._wrapped: set[int] = set()

    def attach(self, top) -> None:
        if id(top) in self._wrapped:
            return
        self._wrapped.add(id(top))
        run = top.run

        def timed(sentence, timeout):
            t0 = time.perf_counter()
            try:
                return run(sentence, timeout)
            finally:
                self.calls.append((sentence, time.perf_counter() - t0))

        top.run = timed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--benchmark", default="miniF2F")
    p.add_argument("--split", default="valid")
    p.add_argument("--limit", type=int, default=20, help="theorems")
    p.add_argument("--tactics", type=int, default=20, help="portfolio tactics stepped per theorem")
    p.add_argument("--tactic-timeout", type=float, default=2.0)
    p.add_argument("--data-dir", default="../shared/data")
    args = p.parse_args()
    theorems = load_benchmark(args.benchmark, args.split, "coq", args.data_dir)[: args.limit]
    env = CoqEnv(CoqConfig(tactic_timeout=args.tactic_timeout))
    timer = RunTimer()
    overhead_ms: list[float] = []
    by_outcome: dict[str, list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    try:
        for theorem in theorems:
            try:
                root = env.start(theorem)
            except StatementError:
                continue
            for tactic in env.automation(root)[: args.tactics]:
                session = env.session(theorem.header)
                timer.attach(session.top)
                timer.calls.clear()
                t0 = time.perf_counter()
                step = env.step(root, tactic)
                wall = time.perf_counter() - t0
                if step.kind is StepKind.TIMEOUT:
                    continue  # an interrupted coqtop is restarted: not the steady state measured here
                own = set(screen_tactic(tactic))
                coq = sum(s for sentence, s in timer.calls if sentence in own)
                overhead_ms.append((wall - coq) * 1000)
                by_outcome[step.kind.value].append((wall - coq) * 1000)
                for sentence, s in timer.calls:
                    if sentence not in own:
                        kind = sentence.split()[0].rstrip(".")
                        by_kind[kind].append(s * 1000)
    finally:
        env.close()
    if not overhead_ms:
        print("no steps measured", file=sys.stderr)
        return 1
    print(
        f"{len(overhead_ms)} steps on {len(theorems)} theorems: our overhead over coqtop's reply "
        f"median {statistics.median(overhead_ms):.2f} ms, p90 {percentile(overhead_ms, 0.9):.2f} ms"
    )
    for outcome, values in sorted(by_outcome.items()):
        print(
            f"  {outcome:<10} {len(values):>5} steps, overhead median {statistics.median(values):.2f} ms, "
            f"p90 {percentile(values, 0.9):.2f} ms"
        )
    print("our own calls to coqtop (beyond the tactic):")
    for kind, values in sorted(by_kind.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {kind:<10} {len(values):>5} calls, median {statistics.median(values):.2f} ms per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
