"""One list of search methods, used by `prove --search`, `stp eval --search`, the server's `/prove` `method` and
self-play. A method is one `Search` subclass and one `register` line; each gets one typed `SearchContext`."""

from __future__ import annotations

import abc
import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Optional

from stp_prover.itp import PoolConfig, ProofEnv, Theorem, VerifierPool, VerifyJob
from stp_prover.policy import ProofPolicy, TacticPolicy

from .best_first import BestFirstConfig, BestFirstSearch, EventSink
from .order import SearchOrder
from .results import SearchResult
from .rmaxts import RMaxTSConfig, rmax_tree_search
from .sampling import SamplingConfig, sample_proofs


@dataclass
class SearchConfig:
    """Which method, the budget every method shares, and each method's own settings."""

    method: str = "best-first"
    budget_seconds: float = 60.0
    best_first: BestFirstConfig = field(default_factory=BestFirstConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    rmaxts: RMaxTSConfig = field(default_factory=RMaxTSConfig)


@dataclass
class SearchContext:
    """Everything a method may use for one theorem. `pool` checks whole proofs; without one, a one-slot pool over
        `env` is made on first use (the borrowed environment is not thread-safe). `order`: the run's learned search order
    (one per run, shared by its theorems; None: each search learns alone); `events`: also sent every tactic step."""

    theorem: Theorem
    env: ProofEnv
    tactic_policy: TacticPolicy
    proof_policy: ProofPolicy
    config: SearchConfig = field(default_factory=SearchConfig)
    pool: Optional[VerifierPool] = None
    cancel: Optional[threading.Event] = None
    order: Optional[SearchOrder] = None
    events: Optional[EventSink] = None

    @property
    def budget_seconds(self) -> float:
        return self.config.budget_seconds

    def verifier(self) -> VerifierPool:
        if self.pool is None:
            env = self.env
            self.pool = VerifierPool(lambda: env, PoolConfig(workers=1), owns_envs=False)
        return self.pool


class Search(abc.ABC):
    """A search method: `run` returns a SearchResult whose proof (if any) passed a fresh whole-proof check."""

    name: str = ""
    uses: str = "tactic"  # which policy it drives: "tactic" or "proof" (whole proofs)

    @abc.abstractmethod
    def run(self, ctx: SearchContext) -> SearchResult:
        """Search for a proof of `ctx.theorem` within `ctx.budget_seconds`; raises StatementError on bad input."""


SEARCHES: dict[str, Search] = {}


def register(search: type[Search]) -> type[Search]:
    """Class decorator: add one instance of `search` to the registry under its `name`."""
    if not search.name or search.name in SEARCHES:
        raise ValueError(f"a search needs a new name, got {search.name!r}")
    SEARCHES[search.name] = search()
    return search


def search_names() -> tuple[str, ...]:
    return tuple(SEARCHES)


def get_search(name: str) -> Search:
    try:
        return SEARCHES[name]
    except KeyError:
        raise ValueError(f"unknown search {name!r}; choose one of {', '.join(SEARCHES)}") from None


def run_search(ctx: SearchContext) -> SearchResult:
    """Dispatch to the context's method; what the backend holds for the theorem is released afterwards."""
    search = get_search(ctx.config.method)
    try:
        return search.run(ctx)
    finally:
        ctx.env.release(ctx.theorem)  # a backend may hold a process per theorem (a LeanDojo Dojo)


@register
class BestFirst(Search):
    name = "best-first"
    uses = "tactic"

    def run(self, ctx: SearchContext) -> SearchResult:
        cfg = dataclasses.replace(ctx.config.best_first, budget_seconds=ctx.budget_seconds)
        # Without a pool, the fresh check runs on the search's own environment (as it always has).
        verify = None if ctx.pool is None else (lambda theorem, proof: ctx.pool.verify([VerifyJob(theorem, proof)])[0])
        search = BestFirstSearch(ctx.env, ctx.tactic_policy, cfg, verify, order=ctx.order, events=ctx.events)
        return search.search(ctx.theorem, ctx.cancel)


@register
class Sample(Search):
    name = "sample"
    uses = "proof"

    def run(self, ctx: SearchContext) -> SearchResult:
        ctx.env.start(ctx.theorem)  # bad statements are bad input, found before any sampling
        cfg = dataclasses.replace(ctx.config.sampling, budget_seconds=ctx.budget_seconds)
        return sample_proofs(ctx.theorem, ctx.proof_policy, ctx.verifier(), cfg, ctx.cancel)


@register
class RMaxTS(Search):
    name = "rmaxts"
    uses = "proof"

    def run(self, ctx: SearchContext) -> SearchResult:
        ctx.env.start(ctx.theorem)
        cfg = dataclasses.replace(ctx.config.rmaxts, budget_seconds=ctx.budget_seconds)
        return rmax_tree_search(ctx.theorem, ctx.proof_policy, ctx.verifier(), cfg, ctx.cancel)
