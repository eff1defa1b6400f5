"""The two policy interfaces: tactics for a proof state, whole proofs for a theorem."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from stp_prover.itp import State, Theorem


@dataclass(frozen=True)
class Candidate:
    """A generated tactic or proof with the policy's log-probability for it (higher is better)."""

    text: str
    logprob: float


class PolicyUnavailable(RuntimeError):
    """A policy's library or model cannot be loaded here; the message says what to install."""


class TacticPolicy(abc.ABC):
    @abc.abstractmethod
    def suggest(self, state: State, n: int) -> list[Candidate]:
        """Up to n distinct tactics for `state`, best first."""

    def suggest_more(self, state: State, n: int) -> list[Candidate]:
        """Up to n further tactics for `state`, asked only once its `suggest` candidates are spent without a proof:
        the costly source (a model) that a search consults where the cheap ones did not do. None by default."""
        return []

    @property
    def has_more(self) -> bool:
        """Whether `suggest_more` can answer at all: a search asks it (and queues a node again for it) only then."""
        return type(self).suggest_more is not TacticPolicy.suggest_more


class ProofPolicy(abc.ABC):
    @abc.abstractmethod
    def sample(self, theorem: Theorem, n: int, prefix: str = "") -> list[Candidate]:
        """n whole proofs of `theorem` (what follows its statement); duplicates are allowed and counted. With a
        `prefix` (the start of a proof, e.g. a checked prefix cut at its first error) each proof continues it: the
        returned texts are whole proofs that start with `prefix`."""


def dedupe(candidates: list[Candidate], n: int) -> list[Candidate]:
    """Distinct texts, keeping each text's best log-probability, best first, at most n."""
    best: dict[str, float] = {}
    for c in candidates:
        t = c.text.strip()
        if t and (t not in best or c.logprob > best[t]):
            best[t] = c.logprob
    return [Candidate(t, lp) for t, lp in sorted(best.items(), key=lambda kv: -kv[1])][:n]
