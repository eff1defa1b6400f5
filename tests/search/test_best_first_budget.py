"""Best-first spends its budget well (issue 14, part 3): short tactic limits that grow on retry, states keyed up to
hypothesis names, candidates ordered by what worked on similar goals (issue 26's learned order). Real Coq, scripted
policies."""

from __future__ import annotations

from stp_prover.itp import Theorem
from stp_prover.itp.coq import COQ
from stp_prover.policy import Candidate, TacticPolicy
from stp_prover.search import BestFirstConfig, BestFirstSearch, SearchOrder

# About a second of Coq's time (a tenth under no load would still be past the first limit below).
SLOW = "do 3000000 idtac"


class ScriptedPolicyDouble(TacticPolicy):
    """TEST DOUBLE: the same fixed tactics for every state, with fixed log-probabilities."""

    def __init__(self, tactics: list[tuple[str, float]]):
        self.tactics = tactics

    def suggest(self, state, n):
        return [Candidate(t, lp) for t, lp in self.tactics][:n]


def _search(env, policy, **cfg) -> BestFirstSearch:
    return BestFirstSearch(env, policy, BestFirstConfig(**{"budget_seconds": 120, **cfg}), order=SearchOrder())


def test_a_slow_tactic_is_retried_with_a_longer_limit_until_it_succeeds(coq_env):
    thm = Theorem("slow_only", "coq", "", "Theorem slow_only : True /\\ True.")
    policy = ScriptedPolicyDouble([(f"{SLOW}; split; exact I", -0.1)])
    result = _search(coq_env, policy, first_tactic_timeout=0.05, tactic_timeout=60).search(thm)
    assert result.proved and SLOW in result.proof
    assert result.expansions >= 2  # the root was taken up again for the candidate that timed out


def test_a_slow_tactic_at_the_root_does_not_hold_up_a_cheap_proof(coq_env):
    thm = Theorem("cheap_path", "coq", "", "Theorem cheap_path : True /\\ True.")
    # The slow closer is the policy's favourite everywhere, but times out at first; the cheap path is found while
    # the root waits, behind the more promising child, for its retry.
    policy = ScriptedPolicyDouble([(f"{SLOW}; split; exact I", -0.1), ("split", -0.2), ("exact I", -0.3)])
    result = _search(coq_env, policy, first_tactic_timeout=0.05, tactic_timeout=60).search(thm)
    assert result.proved and SLOW not in result.proof and result.proof.startswith("Proof.\n  split.")


def test_states_that_differ_only_in_hypothesis_names_are_one_node(coq_env):
    thm = Theorem("names", "coq", "", "Theorem names : forall n : nat, n = n -> n = n.")
    policy = ScriptedPolicyDouble([("intro a", -0.1), ("intro b", -0.2), ("intros x y", -0.3), ("intros u v", -0.4)])
    result = _search(coq_env, policy, max_expansions=1).search(thm)
    assert result.nodes == 3  # the root, `a : nat |- a = a -> a = a` once, `x : nat, y : x = x |- x = x` once


def test_the_search_learns_which_tactic_works(coq_env):
    """A shared order records every step: a second search on a similar goal tries the one that worked first."""
    order = SearchOrder()
    policy = ScriptedPolicyDouble([("exact I", -0.1), ("split; exact I", -0.2)])
    cfg = BestFirstConfig(budget_seconds=60)
    first = BestFirstSearch(coq_env, policy, cfg, order=order).search(
        Theorem("l1", "coq", "", "Theorem l1 : True /\\ True.")
    )
    assert first.proved and "split" in first.proof and first.steps == 2
    goal = "============================\nTrue /\\ True"
    ranked = order.rank(goal, COQ.goal_feature(goal), policy.suggest(None, 2), lambda c: COQ.tactic_family(c.text))
    assert ranked[0].candidate.text == "split; exact I"
    second = BestFirstSearch(coq_env, policy, cfg, order=order).search(
        Theorem("l2", "coq", "", "Theorem l2 : True /\\ True.")
    )
    assert second.proved and second.steps == 1


def test_without_an_order_each_search_learns_alone(coq_env):
    """No module-level table: a search object given no order starts from nothing (issue 26)."""
    policy = ScriptedPolicyDouble([("exact I", -0.1), ("split; exact I", -0.2)])
    thm = Theorem("l3", "coq", "", "Theorem l3 : True /\\ True.")
    runs = [BestFirstSearch(coq_env, policy, BestFirstConfig(budget_seconds=60)).search(thm) for _ in range(2)]
    assert [r.steps for r in runs] == [2, 2]
