"""Best-first spends its budget well (issue 14, part 3): short tactic limits that grow on retry, states keyed up to
hypothesis names, expensive candidates ordered by what worked on similar goals. Real Coq, scripted policies."""

from __future__ import annotations

from stp_prover.itp import Theorem
from stp_prover.itp.coq import COQ
from stp_prover.policy import Candidate, TacticPolicy
from stp_prover.search import BestFirstConfig, BestFirstSearch, TacticStats

# About a second of Coq's time (a tenth under no load would still be past the first limit below).
SLOW = "do 3000000 idtac"


class ScriptedPolicyDouble(TacticPolicy):
    """TEST DOUBLE: the same fixed tactics for every state, with fixed log-probabilities."""

    def __init__(self, tactics: list[tuple[str, float]]):
        self.tactics = tactics

    def suggest(self, state, n):
        return [Candidate(t, lp) for t, lp in self.tactics][:n]


def _search(env, policy, **cfg) -> BestFirstSearch:
    return BestFirstSearch(env, policy, BestFirstConfig(**{"budget_seconds": 120, **cfg}), stats=TacticStats())


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


def test_expensive_candidates_go_last_best_success_rate_on_the_goal_kind_first():
    stats = TacticStats(expensive_seconds=0.5)
    for _ in range(3):
        stats.record("=/R", "nra", success=False, seconds=2.0)
        stats.record("=/R", "field", success=True, seconds=1.0)
        stats.record("=/R", "lra", success=False, seconds=0.01)
    stats.record("<=/R", "nra", success=True, seconds=2.0)
    names = ["nra", "field", "lra", "ring"]
    assert stats.order(names, "=/R", lambda t: t) == ["lra", "ring", "field", "nra"]
    assert stats.order(names, "<=/R", lambda t: t) == ["lra", "ring", "nra", "field"]


def test_the_search_learns_which_expensive_tactic_works(coq_env):
    """A shared table records every step: a second search on a similar goal tries the one that worked first."""
    stats = TacticStats(expensive_seconds=0.0)  # every family counts as expensive: order by success alone
    policy = ScriptedPolicyDouble([("exact I", -0.1), ("split; exact I", -0.2)])
    cfg = BestFirstConfig(budget_seconds=60)
    first = BestFirstSearch(coq_env, policy, cfg, stats=stats).search(
        Theorem("l1", "coq", "", "Theorem l1 : True /\\ True.")
    )
    assert first.proved and "split" in first.proof
    feature = COQ.goal_feature("============================\nTrue /\\ True")
    assert (
        stats.order(policy.suggest(None, 2), feature, lambda c: COQ.tactic_family(c.text))[0].text == "split; exact I"
    )
