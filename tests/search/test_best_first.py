"""Best-first search on real Coq, with the portfolio and with scripted policies (test doubles)."""

from __future__ import annotations

import pytest

from stp_prover.data import find_theorem
from stp_prover.itp import StatementError, Theorem, Verdict, VerdictKind
from stp_prover.prover import Candidate, PortfolioTacticPolicy, TacticPolicy
from stp_prover.search import BestFirstConfig, BestFirstSearch

ARITH = "From Coq Require Import Lia.\nRequire Import Arith.\n"


class ScriptedPolicyDouble(TacticPolicy):
    """TEST DOUBLE: the same fixed tactics for every state, with fixed log-probabilities."""

    def __init__(self, tactics: list[tuple[str, float]]):
        self.tactics = tactics
        self.calls = 0

    def suggest(self, state, n):
        self.calls += 1
        return [Candidate(t, lp) for t, lp in self.tactics][:n]


def test_portfolio_search_proves_the_shipped_examples(coq_env):
    for name in ["add_zero_right", "linear_system", "abs_lt_one", "sum_to_formula"]:
        theorem = find_theorem(f"examples/{name}", "coq")
        result = BestFirstSearch(coq_env, PortfolioTacticPolicy(coq_env), BestFirstConfig(budget_seconds=30)).search(
            theorem
        )
        assert result.proved, (name, result)
        assert coq_env.check_cold(theorem, result.proof).ok  # the reported proof stands in a fresh coqc too


def test_priority_is_cumulative_log_probability_and_states_are_deduplicated(coq_env):
    thm = Theorem("two", "coq", ARITH, "Theorem two (a b : nat) : b + 0 = b /\\ a = a.")
    # `idtac` keeps the state, which must not be queued again; `split` opens two goals; the lemma closes the
    # first; `reflexivity` the second. The unlikely `simpl` is past the 4 candidates asked for.
    policy = ScriptedPolicyDouble(
        [("idtac", -0.1), ("reflexivity", -0.3), ("split", -0.5), ("apply Nat.add_0_r", -1.0), ("simpl", -20.0)]
    )
    # The policy's own order at each node (the learned order would try `split` again where it worked before).
    cfg = BestFirstConfig(candidates=4, budget_seconds=30, order_by_stats=False)
    result = BestFirstSearch(coq_env, policy, cfg).search(thm)
    assert result.proved and result.proof == "Proof.\n  split.\n  apply Nat.add_0_r.\n  reflexivity.\nQed."
    assert result.expansions == 3 and result.nodes == 3  # root, after split, after the lemma


def test_failure_propagates_and_search_stops_when_nothing_is_left(coq_env):
    thm = Theorem("f", "coq", ARITH, "Theorem f (n : nat) : n * n = 2 -> False.")
    policy = ScriptedPolicyDouble([("intros", -0.1), ("reflexivity", -0.2)])
    result = BestFirstSearch(coq_env, policy, BestFirstConfig(budget_seconds=30)).search(thm)
    assert not result.proved and result.status == "exhausted" and result.expansions == 2


def test_limits_on_expansions_and_time(coq_env):
    thm = Theorem("g", "coq", ARITH, "Theorem g (n : nat) : n * n = 2 -> False.")
    policy = ScriptedPolicyDouble([("intros", -0.1), ("destruct n", -0.2), ("simpl", -0.3)])
    result = BestFirstSearch(coq_env, policy, BestFirstConfig(max_expansions=3, budget_seconds=30)).search(thm)
    assert result.expansions == 3 and result.status == "budget"
    assert result.env_seconds > 0 and result.policy_seconds >= 0


def test_a_proof_the_fresh_check_refuses_is_not_reported(coq_env):
    thm = Theorem("h", "coq", ARITH, "Theorem h : 1 + 1 = 2.")

    def refuse(theorem, proof) -> Verdict:  # TEST DOUBLE verifier: the fresh check says no
        return Verdict(VerdictKind.UNTRUSTED, "refused by the test double")

    result = BestFirstSearch(coq_env, ScriptedPolicyDouble([("reflexivity", -0.1)]), verify=refuse).search(thm)
    assert not result.proved and result.proof is None and result.unverified_rejected == 1


def test_statement_that_does_not_elaborate_is_an_error_not_a_failure(coq_env):
    with pytest.raises(StatementError):
        BestFirstSearch(coq_env, ScriptedPolicyDouble([])).search(Theorem("x", "coq", ARITH, "Theorem x : nope."))
