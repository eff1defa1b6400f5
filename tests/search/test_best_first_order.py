"""Best-first with the learned search order and the policy's costly tier (issue 26), on real Coq: trained on
similar theorems, the order reaches a proof in fewer steps and seconds; `suggest_more` is asked only once a node's
own candidates are spent, and what it gives is tried."""

from __future__ import annotations

from stp_prover.itp import Theorem
from stp_prover.policy import Candidate, TacticPolicy
from stp_prover.prover import PortfolioTacticPolicy
from stp_prover.search import BestFirstConfig, BestFirstSearch, OrderEvent, Outcome, SearchOrder

# Fails after about a tenth of a second of Coq's time.
SLOW_FAIL = "do 30000{} idtac; fail"


def _congruence(i: int) -> Theorem:
    # After `intros`, the portfolio's closers that come first (lia, lra, reflexivity, nia, ...) all fail; `auto`
    # is ninth (itp/coq/portfolio.py CLOSERS).
    return Theorem(
        f"congr{i}",
        "coq",
        "",
        f"Theorem congr{i} (a b : nat) (f : nat -> nat) : a = b -> f (f a + {i}) = f (f b + {i}).",
    )


def test_a_trained_order_finds_the_late_closer_of_the_portfolio_first(coq_env):
    policy = PortfolioTacticPolicy(coq_env)
    cfg = BestFirstConfig(budget_seconds=60)
    order = SearchOrder()
    for i in range(3):
        assert BestFirstSearch(coq_env, policy, cfg, order=order).search(_congruence(i)).proved
    target = _congruence(7)
    unordered = BestFirstSearch(coq_env, policy, cfg).search(target)
    ordered = BestFirstSearch(coq_env, policy, cfg, order=order).search(target)
    assert unordered.proved and ordered.proved
    assert ordered.steps < unordered.steps, (ordered.steps, unordered.steps)
    assert ordered.order_seconds < 0.1  # ranking and recording stay cheap next to the proof assistant's time


class SlowFirstPolicyDouble(TacticPolicy):
    """TEST DOUBLE: slow failing tactics first, the closer last (what a policy that ranks badly would give)."""

    def suggest(self, state, n):
        tactics = [SLOW_FAIL.format(k) for k in range(5)] + ["exact I", "repeat constructor"]
        return [Candidate(t, -0.1 * (i + 1)) for i, t in enumerate(tactics)][:n]


def test_a_trained_order_spends_fewer_seconds(coq_env):
    cfg = BestFirstConfig(budget_seconds=60)
    order = SearchOrder()
    for i in range(2):
        thm = Theorem(f"t{i}", "coq", "", f"Theorem t{i} : True /\\ (True /\\ True).")
        assert BestFirstSearch(coq_env, SlowFirstPolicyDouble(), cfg, order=order).search(thm).proved
    target = Theorem("t9", "coq", "", "Theorem t9 : True /\\ True.")
    unordered = BestFirstSearch(coq_env, SlowFirstPolicyDouble(), cfg).search(target)
    ordered = BestFirstSearch(coq_env, SlowFirstPolicyDouble(), cfg, order=order).search(target)
    assert unordered.proved and ordered.proved
    assert ordered.steps < unordered.steps
    assert ordered.env_seconds < unordered.env_seconds / 2, (ordered.env_seconds, unordered.env_seconds)


class CostlyTierPolicyDouble(TacticPolicy):
    """TEST DOUBLE: cheap tactics that do not prove the goal; the closer only from the costly tier. Notes how many
    steps the search had recorded when the costly tier was asked."""

    def __init__(self, events: list, cheap: list[str], more: list[str]):
        self.events, self.cheap, self.more = events, cheap, more
        self.more_calls: list[tuple[str, int]] = []

    def suggest(self, state, n):
        return [Candidate(t, -0.1 * (i + 1)) for i, t in enumerate(self.cheap)][:n]

    def suggest_more(self, state, n):
        self.more_calls.append((state.text, len(self.events)))
        return [Candidate(t, -1.0) for t in self.more][:n]


def test_the_costly_tier_is_asked_once_a_nodes_candidates_are_spent_and_its_candidates_are_tried(coq_env):
    events: list[OrderEvent] = []
    policy = CostlyTierPolicyDouble(
        events, cheap=["exact I", "idtac", "reflexivity"], more=["exact I", "split; exact I"]
    )
    thm = Theorem("more1", "coq", "", "Theorem more1 : True /\\ True.")
    result = BestFirstSearch(coq_env, policy, BestFirstConfig(budget_seconds=60), events=events.append).search(thm)
    assert result.proved and "split; exact I" in result.proof
    assert len(policy.more_calls) == 1  # once for the root, its only node
    text, steps_before = policy.more_calls[0]
    assert steps_before == 3  # after all three cheap candidates ran, none proving
    assert [e.tactic for e in events] == ["exact I", "idtac", "reflexivity", "split; exact I"]  # no repeat
    assert events[-1].outcome is Outcome.PROVED and events[1].outcome is Outcome.NO_PROGRESS


def test_the_costly_tier_is_not_asked_when_the_cheap_candidates_prove_it(coq_env):
    events: list[OrderEvent] = []
    policy = CostlyTierPolicyDouble(events, cheap=["idtac", "split; exact I"], more=["exact I"])
    thm = Theorem("more2", "coq", "", "Theorem more2 : True /\\ True.")
    result = BestFirstSearch(coq_env, policy, BestFirstConfig(budget_seconds=60), events=events.append).search(thm)
    assert result.proved and policy.more_calls == []


def test_an_empty_costly_tier_still_fails_the_search_when_nothing_is_left(coq_env):
    events: list[OrderEvent] = []
    policy = CostlyTierPolicyDouble(events, cheap=["idtac", "exact I"], more=[])
    thm = Theorem("more3", "coq", "", "Theorem more3 : True /\\ True.")
    result = BestFirstSearch(coq_env, policy, BestFirstConfig(budget_seconds=60), events=events.append).search(thm)
    assert not result.proved and result.status == "exhausted" and len(policy.more_calls) == 1


class OneSlowCloserPolicyDouble(TacticPolicy):
    """TEST DOUBLE: one closer that takes about a third of a second of Coq's time."""

    def suggest(self, state, n):
        return [Candidate("do 1000000 idtac; repeat constructor", -0.1)]


def test_a_learned_first_limit_spares_the_retries_of_a_slow_tactic(coq_env):
    cfg = BestFirstConfig(budget_seconds=60, first_tactic_timeout=0.05, tactic_timeout=30)
    order = SearchOrder()
    for i in range(2):  # two successful times: what a first limit is learned from (OrderSettings.min_times)
        trained = BestFirstSearch(coq_env, OneSlowCloserPolicyDouble(), cfg, order=order).search(
            Theorem(f"slow{i}", "coq", "", f"Theorem slow{i} : True /\\ (True /\\ True).")
        )
        assert trained.proved and trained.steps >= 2  # timed out at 0.05 s, then retried with twice the time
    target = Theorem("slow9", "coq", "", "Theorem slow9 : True /\\ True.")
    unordered = BestFirstSearch(coq_env, OneSlowCloserPolicyDouble(), cfg).search(target)
    ordered = BestFirstSearch(coq_env, OneSlowCloserPolicyDouble(), cfg, order=order).search(target)
    assert unordered.proved and unordered.steps >= 2
    assert ordered.proved and ordered.steps == 1  # its first limit is its learned time with a margin


class LowScoreProgressPolicyDouble(CostlyTierPolicyDouble):
    """TEST DOUBLE: its cheap candidates make progress only with a poor score, so a child ranks below a retry."""

    def suggest(self, state, n):
        return [Candidate(t, -5.0) for t in self.cheap][:n]


def test_the_costly_tier_waits_until_no_cheap_candidate_is_left_anywhere(coq_env):
    # The root's cheap candidates are spent after one round (`split` opens a child, `exact I` fails on a conjunction);
    # the child ranks far below the root's place in the queue, yet the cheap search finishes the proof in it before
    # the costly tier is asked once: a mixture never proves less than its cheap parts at the same budget.
    events: list[OrderEvent] = []
    policy = LowScoreProgressPolicyDouble(events, cheap=["split", "exact I"], more=["exact (conj I I)"])
    thm = Theorem("more4", "coq", "", "Theorem more4 : True /\\ True.")
    config = BestFirstConfig(budget_seconds=60, order_by_stats=False)
    result = BestFirstSearch(coq_env, policy, config, events=events.append).search(thm)
    assert result.proved and "exact (conj I I)" not in result.proof
    assert policy.more_calls == []
