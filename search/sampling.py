"""Whole-proof sampling: k samples per theorem in batches through the shared pipeline (`search/pipeline.py`:
identical proofs verified once, kept with their multiplicity), the unbiased pass@k estimator, and an optional stop
at the first verified proof."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from math import comb
from typing import Optional, Sequence

from stp_prover.itp import Theorem, VerifierPool
from stp_prover.policy import ProofPolicy

from .pipeline import Tally, verify_tallies
from .results import SearchResult


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct (Chen et al., 2021)."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


@dataclass
class SamplingConfig:
    samples: int = 32
    batch: int = 8
    stop_at_first: bool = True
    budget_seconds: float = 600.0
    ks: Sequence[int] = (1, 8, 32)


def sample_proofs(
    theorem: Theorem,
    policy: ProofPolicy,
    pool: VerifierPool,
    config: Optional[SamplingConfig] = None,
    cancel: Optional[threading.Event] = None,
) -> SearchResult:
    """Sample and verify in batches until a proof (with stop_at_first), the sample or time budget, or `cancel`."""
    cfg = config or SamplingConfig()
    t0 = time.monotonic()
    result = SearchResult(theorem.name, False, method="sample")
    tally = Tally(theorem)
    while (
        result.samples < cfg.samples
        and time.monotonic() - t0 < cfg.budget_seconds
        and not (cancel is not None and cancel.is_set())
    ):
        tp = time.monotonic()
        batch = policy.sample(theorem, min(cfg.batch, cfg.samples - result.samples))
        result.policy_seconds += time.monotonic() - tp
        if not batch:
            break
        result.samples += len(batch)
        tally.add([c.text for c in batch])
        tv = time.monotonic()
        for _, text, verdict in verify_tallies([tally], pool):
            if verdict.ok and result.proof is None:
                result.proof = text
        result.verify_seconds += time.monotonic() - tv
        if result.proof is not None and cfg.stop_at_first:
            break
    result.correct_samples = tally.counts().correct
    result.proved = result.proof is not None
    result.status = "proved" if result.proved else ("budget" if result.samples < cfg.samples else "exhausted")
    if not result.proved and cancel is not None and cancel.is_set():
        result.status = "cancelled"
    result.pass_at = {
        f"pass@{k}": round(pass_at_k(result.samples, result.correct_samples, k), 4)
        for k in cfg.ks
        if k <= result.samples
    }
    result.seconds = time.monotonic() - t0
    return result
