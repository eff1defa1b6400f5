"""What search asks of the dialect, so that it never parses proof-assistant output itself: state keys up to
hypothesis names, a goal's kind, a tactic's family, and a proof continued from a prefix."""

from __future__ import annotations

from stp_prover.itp import Theorem
from stp_prover.itp.coq import COQ
from stp_prover.itp.lean import LEAN
from stp_prover.prover.portfolio import PortfolioProofPolicy

COQ_GOAL = "n, m : nat\nH : n * n = m\n============================\nforall k : nat, n + k = m"


def test_coq_states_differing_only_in_hypothesis_names_share_a_key():
    renamed = "a, b : nat\nHx : a * a = b\n============================\nforall k : nat, a + k = b"
    assert COQ.canonical_state(COQ_GOAL) == COQ.canonical_state(renamed)
    swapped = "a, b : nat\nHx : b * b = a\n============================\nforall k : nat, a + k = b"
    assert COQ.canonical_state(COQ_GOAL) != COQ.canonical_state(swapped)  # a different state stays different
    # Names bound in the conclusion and qualified names are not hypotheses.
    other_bound = COQ_GOAL.replace("forall k : nat, n + k", "forall j : nat, n + j")
    assert COQ.canonical_state(COQ_GOAL) != COQ.canonical_state(other_bound)


def test_lean_states_differing_only_in_hypothesis_names_share_a_key():
    a = "x y z : Nat\nh1 : x = y\nh2 : y = z\n⊢ x = z"
    b = "p q r : Nat\nhp : p = q\nhq : q = r\n⊢ p = r"
    assert LEAN.canonical_state(a) == LEAN.canonical_state(b)
    assert LEAN.canonical_state("n✝ : ℕ\n⊢ n✝ = Nat.succ n✝") == LEAN.canonical_state("m✝ : ℕ\n⊢ m✝ = Nat.succ m✝")


def test_goal_kinds_and_tactic_families():
    assert COQ.goal_feature(COQ_GOAL) == "forall/nat"
    assert COQ.goal_feature("x : R\nH : x > 0\n============================\nx * x >= 0") == ">=/R"
    assert COQ.goal_feature("x : R\n============================\n(x = 2) -> x <= 2") == "->/R"
    assert LEAN.goal_feature("x : ℝ\n⊢ ∃ y, y = x") == "∃/ℝ"
    assert COQ.tactic_family("subst; lra") == "subst;lra" and COQ.tactic_family("rewrite H1 in *") == "rewrite"
    assert LEAN.tactic_family("nlinarith [sq_nonneg (a - b)]") == "nlinarith"


def test_a_proof_continues_its_prefix_verbatim():
    for prefix in ("Proof.\n  intros.\n  ", "Proof.\n  split.\n  - lia.\n  - ", "Proof. split. lia. "):
        proof = COQ.continue_proof(prefix, ["exact I"])
        assert proof.startswith(prefix) and proof.endswith("exact I.\nQed.")
    assert LEAN.continue_proof("  constructor\n  · rfl\n  ", ["simp"]) == "  constructor\n  · rfl\n  simp"
    assert COQ.continue_proof("", ["lia"]) == COQ.proof_from_tactics(["lia"])


def test_the_portfolio_continues_a_prefix_with_its_closers(coq_env):
    thm = Theorem("pf", "coq", "From Coq Require Import Lia.\n", "Theorem pf (n : nat) : n + 0 = n /\\ True.")
    policy = PortfolioProofPolicy(coq_env)
    prefix = "Proof.\n  split.\n  - lia.\n  - "
    proofs = [c.text for c in policy.sample(thm, 40, prefix=prefix)]
    assert proofs and all(p.startswith(prefix) for p in proofs)
    assert any(coq_env.check(thm, p).ok for p in proofs)  # e.g. `easy` or `auto` closes `True`
