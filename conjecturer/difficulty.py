"""A difficulty window for conjectures, fit to a deterministic prover: STP keeps a conjecture whose empirical pass
rate is in (0, 0.25] (RL/utils/RL_utils.py `filter_by_ratio`), which needs sampling. A deterministic prover has no
rate, so the stand-in is: not closed by the cheap closers one-shot (`intros`, then one of the first few automation
tactics, each under a short limit), but proved by bounded best-first search over the tactic portfolio."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Optional

from stp_prover.itp import ProofEnv, StatementError, Theorem
from stp_prover.prover.portfolio import PortfolioTacticPolicy
from stp_prover.search.best_first import BestFirstConfig, BestFirstSearch

from .checks import closing_tactic
from .generate import Conjecture

VERDICTS = ("in_window", "too_easy", "too_hard", "does_not_elaborate")


@dataclass(frozen=True)
class DifficultySettings:
    cheap_tactics: int = 3  # the first N automation tactics, each tried alone after `intros`
    cheap_timeout: float = 2.0  # seconds per cheap tactic
    search_seconds: float = 20.0  # the bounded search's whole budget
    search_expansions: int = 200
    search_tactic_timeout: float = 5.0

    def __post_init__(self) -> None:
        if self.cheap_tactics < 0 or min(self.cheap_timeout, self.search_seconds, self.search_tactic_timeout) <= 0:
            raise ValueError(f"bad difficulty settings: {self}")


@dataclass(frozen=True)
class Difficulty:
    verdict: str  # one of VERDICTS
    proof: Optional[str] = None  # the search's verified proof, when it found one
    cheap_tactic: str = ""  # the cheap tactic that closed it (too easy)
    seconds: float = 0.0


def cheap_closer(env: ProofEnv, theorem: Theorem, settings: DifficultySettings) -> Optional[str]:
    """The cheap tactic that proves `theorem` in one shot after `intros` (`intros` alone counts), or None; raises
    StatementError when the statement does not elaborate."""
    return closing_tactic(env, env.start(theorem), settings.cheap_tactics, settings.cheap_timeout)


def difficulty(env: ProofEnv, theorem: Theorem, settings: Optional[DifficultySettings] = None) -> Difficulty:
    """Where `theorem` falls against the window (cheap closers first: most mutations stop there)."""
    s = settings or DifficultySettings()
    start = time.monotonic()
    try:
        closer = cheap_closer(env, theorem, s)
    except StatementError:
        return Difficulty("does_not_elaborate", seconds=time.monotonic() - start)
    if closer is not None:
        return Difficulty("too_easy", cheap_tactic=closer, seconds=time.monotonic() - start)
    config = BestFirstConfig(
        budget_seconds=s.search_seconds, max_expansions=s.search_expansions, tactic_timeout=s.search_tactic_timeout
    )
    result = BestFirstSearch(env, PortfolioTacticPolicy(env), config).search(theorem)
    verdict = "in_window" if result.proved else "too_hard"
    return Difficulty(verdict, result.proof, seconds=time.monotonic() - start)


def in_window(
    env: ProofEnv, conjectures: Iterable[Conjecture], seed: Theorem, settings: Optional[DifficultySettings] = None
) -> list[tuple[Conjecture, Difficulty]]:
    """The conjectures (as theorems under the seed's header) in the window, each with its measured difficulty."""
    out = []
    for c in conjectures:
        d = difficulty(env, c.theorem(seed), settings)
        if d.verdict == "in_window":
            out.append((c, d))
    return out
