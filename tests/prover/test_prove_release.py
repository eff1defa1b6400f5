"""`prove_theorem` releases what the backend holds for a theorem once its search is over (issue 11, defect 7: a
LeanDojo run kept one Dojo, a Lean process, per theorem)."""

from __future__ import annotations

from stp_prover.itp import Theorem
from stp_prover.itp.lean import LeanDojoEnv
from stp_prover.policy import Candidate, ProofPolicy, TacticPolicy
from stp_prover.prover.prove import ProveConfig, prove_theorem
from tests.itp.lean import lean_dojo_double as dojo_double


class OneTactic(TacticPolicy):
    def suggest(self, state, n):
        return [Candidate("induction n", 0.0)]


class NoProofs(ProofPolicy):
    def sample(self, theorem, n):
        return []


def test_the_dojo_is_closed_when_the_search_ends(monkeypatch):
    monkeypatch.setattr(dojo_double.Dojo, "open_now", 0)
    env = LeanDojoEnv(dojo_module=dojo_double)
    theorem = Theorem("t", "lean", "", "theorem t (n : ℕ) : n + 0 = n := by", source="https://x/y@abc:A.lean")
    result = prove_theorem(theorem, env, OneTactic(), NoProofs(), ProveConfig(budget_seconds=0.5))
    assert not result.proved
    assert dojo_double.Dojo.open_now == 0
