"""The built-in policy that needs no model: the proof assistant's own automation, ranked by position. It is the
embedded default, so proving works on a fresh machine."""

from __future__ import annotations

import math
from typing import Callable, Optional

from stp_prover.itp import ProofEnv, State, Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.policy import Candidate, ProofPolicy, TacticPolicy

# Premises, when a retriever is configured: state -> premises, best first; each a name, or a record with `full_name`
# (what a tactic writes) and `code` (the statement a prompt shows), as `retrieval.premise_source` returns them.
PremiseSource = Callable[[State], list]


def _rank_logprob(rank: int) -> float:
    """A prior that prefers earlier entries without making later ones unreachable."""
    return math.log(1.0 / (rank + 2))


class PortfolioTacticPolicy(TacticPolicy):
    """Tactics from `env.automation(state)`, then uses of retrieved premises (apply/rewrite, exact/rw/simp)."""

    def __init__(
        self, env: ProofEnv, premises: Optional[PremiseSource] = None, premises_k: int = 4, automation_first: int = 8
    ):
        self.env = env
        self.premises = premises
        self.premises_k = premises_k
        self.automation_first = automation_first

    def suggest(self, state: State, n: int) -> list[Candidate]:
        tactics = list(self.env.automation(state))
        if self.premises is not None:
            # Uses of retrieved premises go right after the cheapest closers, so they survive the cut to n.
            d = dialect(state.theorem.system)
            names = [getattr(p, "full_name", p) for p in self.premises(state)[: self.premises_k]]
            uses = [t for name in names for t in d.premise_tactics(name)]
            tactics = tactics[: self.automation_first] + uses + tactics[self.automation_first :]
        return [Candidate(t, _rank_logprob(i)) for i, t in enumerate(dict.fromkeys(tactics))][:n]


class PortfolioProofPolicy(ProofPolicy):
    """Whole proofs from one automation tactic after introducing the hypotheses, best first, no repeats; after a
    `prefix`, that prefix closed by one automation tactic."""

    def __init__(self, env: ProofEnv):
        self.env = env

    def sample(self, theorem: Theorem, n: int, prefix: str = "") -> list[Candidate]:
        d = dialect(theorem.system)
        root = State(theorem, theorem.statement)
        tactics = [t for t in self.env.automation(root) if t not in ("intros", "intro")]
        if prefix.strip():
            proofs = [d.continue_proof(prefix, [t]) for t in tactics]
        else:
            proofs = [d.proof_from_tactics(["intros", t]) for t in tactics]
        return [Candidate(p, _rank_logprob(i)) for i, p in enumerate(proofs)][:n]
