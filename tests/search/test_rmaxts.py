"""RMaxTS-like search (issue 14, part 4): a whole proof cut at its first error becomes a tree node, and sampling
resumes from a node chosen by UCB with a novelty reward. Real Coq; test-double proof policies."""

from __future__ import annotations

from stp_prover.itp import PoolConfig, Theorem, VerifierPool
from stp_prover.policy import Candidate, ProofPolicy
from stp_prover.prover.portfolio import PortfolioProofPolicy
from stp_prover.prover.prove import ProveConfig, prove_theorem
from stp_prover.search import RMaxTSConfig, rmax_tree_search
from stp_prover.search.rmaxts import _Tree

THM = Theorem("rm", "coq", "From Coq Require Import Lia.\n", "Theorem rm (n : nat) : n + 0 = n /\\ True.")
GOOD_PREFIX = "Proof.\n  split.\n  - lia.\n  - "


class ResumingPolicyDouble(ProofPolicy):
    """TEST DOUBLE: from scratch, a proof right up to its last tactic, which is wrong; from the checked prefix, the
    right last tactic. Records the prefixes it was asked to continue."""

    def __init__(self):
        self.prefixes: list[str] = []

    def sample(self, theorem, n, prefix=""):
        self.prefixes.append(prefix)
        if prefix == GOOD_PREFIX:
            return [Candidate(prefix + "exact I.\nQed.", -1.0)]
        return [Candidate(GOOD_PREFIX + "discriminate.\nQed.", -1.0)]  # no equation to discriminate


class SameProofDouble(ProofPolicy):
    """TEST DOUBLE: the same failing proof whatever the prefix."""

    def sample(self, theorem, n, prefix=""):
        return [Candidate("Proof.\n  split.\n  - lra.\nQed.", -1.0)]


def _pool(env) -> VerifierPool:
    return VerifierPool(lambda: env, PoolConfig(workers=1), owns_envs=False)


def test_a_failed_proof_is_resumed_from_its_checked_prefix(coq_env):
    policy = ResumingPolicyDouble()
    result = rmax_tree_search(THM, policy, _pool(coq_env), RMaxTSConfig(batch=1, budget_seconds=60))
    assert result.proved and result.proof == GOOD_PREFIX + "exact I.\nQed."
    assert policy.prefixes == ["", GOOD_PREFIX]  # the new node was the most promising place to resume
    assert result.samples == 2 and result.nodes == 2 and result.method == "rmaxts" and result.status == "proved"
    assert coq_env.check_cold(THM, result.proof).ok


def test_a_policy_with_nothing_new_to_say_ends_the_search_early(coq_env):
    result = rmax_tree_search(THM, SameProofDouble(), _pool(coq_env), RMaxTSConfig(samples=50, budget_seconds=60))
    assert not result.proved and result.status == "exhausted" and result.samples < 50


def test_ucb_prefers_a_fresh_node_to_one_that_keeps_giving_nothing_new():
    tree = _Tree(RMaxTSConfig())
    for _ in range(5):
        tree.reward(tree.root, 0.0)
    assert tree.insert("Proof.\n  intros.\n  ") and not tree.insert("Proof.\n  intros.")  # same prefix, same node
    assert tree.insert("Proof.\n  intros.\n  split.\n  ")  # under the first, not beside it
    [child] = tree.root.children
    assert [g.prefix for g in child.children] == ["Proof.\n  intros.\n  split.\n  "]
    assert tree.select() is child  # unvisited: the UCB bonus outweighs the root's empty record
    tree.root.exhausted = child.exhausted = child.children[0].exhausted = True
    assert tree.select() is None


def test_prove_runs_rmaxts_with_the_portfolio(coq_env):
    thm = Theorem("rm2", "coq", "From Coq Require Import Lia.\n", "Theorem rm2 (a b : nat) : a + b = b + a.")
    env_policy = PortfolioProofPolicy(coq_env)
    config = ProveConfig(method="rmaxts", budget_seconds=60)
    result = prove_theorem(thm, coq_env, None, env_policy, config)
    assert result.proved and result.method == "rmaxts"
