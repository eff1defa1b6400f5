"""Prove one theorem with a chosen search: the shared core of `prove`, `stp eval` and the server."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional

from itp import PoolConfig, ProofEnv, Theorem, VerifierPool
from policy import ProofPolicy, TacticPolicy
from search import BestFirstConfig, BestFirstSearch, SamplingConfig, SearchResult, sample_proofs

METHODS = ("best-first", "sample")


@dataclass
class ProveConfig:
    method: str = "best-first"
    budget_seconds: float = 60.0
    best_first: BestFirstConfig = field(default_factory=BestFirstConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)


def prove_theorem(
    theorem: Theorem,
    env: ProofEnv,
    tactic_policy: TacticPolicy,
    proof_policy: ProofPolicy,
    config: Optional[ProveConfig] = None,
    pool: Optional[VerifierPool] = None,
    cancel: Optional[threading.Event] = None,
) -> SearchResult:
    """Search for a proof; a reported proof has passed `check` in a fresh context. Raises StatementError when the
    statement does not elaborate."""
    cfg = config or ProveConfig()
    if cfg.method not in METHODS:
        raise ValueError(f"unknown search {cfg.method!r}; choose one of {', '.join(METHODS)}")
    try:
        if cfg.method == "best-first":
            bf = BestFirstConfig(**{**cfg.best_first.__dict__, "budget_seconds": cfg.budget_seconds})
            return BestFirstSearch(env, tactic_policy, bf).search(theorem, cancel)
        env.start(theorem)  # bad statements are bad input, found before any sampling
        sc = SamplingConfig(**{**cfg.sampling.__dict__, "budget_seconds": cfg.budget_seconds})
        # One slot: the borrowed environment is not thread-safe.
        pool = pool or VerifierPool(lambda: env, PoolConfig(workers=1), owns_envs=False)
        return sample_proofs(theorem, proof_policy, pool, sc, cancel)
    finally:
        env.release(theorem)  # a backend may hold a process per theorem (a LeanDojo Dojo): the search is over
