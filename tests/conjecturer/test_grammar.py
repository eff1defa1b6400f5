"""The conjecturer's statement grammars (one per proof assistant, from a registry): what they accept and refuse."""

from __future__ import annotations

import pytest

from stp_prover.conjecturer.grammar import conjecture_grammar, parses, statement_checker
from stp_prover.conjecturer.prompts import HARD_CLOSE


@pytest.mark.parametrize(
    "system, statement",
    [
        ("coq", "Theorem t (x : R) (h : 2 * x = 6) : x = 3."),
        ("coq", "Lemma pred_succ n : pred (S n) = n."),
        ("coq", "Lemma map_cons (x:A)(l:list A) : map (x::l) = (f x) :: (map l)."),
        ("coq", "Theorem u : forall n : nat, Nat.add n 0 = n /\\ (n <= n)%nat."),
        ("lean", "theorem t (x : ℝ) (h₀ : 0 < x) : 0 < x ^ 2 := by"),
        ("lean", "theorem t {n : ℕ} [Fact (1 < n)] : ∀ m : ℕ, m ∣ n → m ≤ n := by"),
    ],
)
def test_statements_parse(system, statement):
    assert parses(system, statement)


@pytest.mark.parametrize(
    "system, statement",
    [
        ("coq", "Theorem t (x : R : x = 3."),  # unbalanced
        ("coq", "Theorem t : x = 3"),  # no end
        ("coq", "Definition t : nat."),  # not a theorem
        ("coq", "Theorem : x."),  # no name
        ("lean", "theorem t : x = 3 := by simp"),  # a proof after `by`
        ("lean", "theorem t (x : ℝ) : 0 < x := 3 := by"),
    ],
)
def test_non_statements_do_not(system, statement):
    assert not parses(system, statement)


def test_prefixes_and_the_registry():
    g = statement_checker("coq")
    assert g.is_prefix("\nTheorem t (x") and not g.is_prefix("\nTheorem t )") and not g.is_prefix("Theorem")
    assert g.accepts(f"\nTheorem t : True.\n{HARD_CLOSE}")
    with pytest.raises(ValueError, match="no conjecture grammar"):
        conjecture_grammar("isabelle")


def test_known_names_limit_terms_but_binders_declare_any_identifier():
    # The seed's own hypothesis names (`h₀`) and new ones (`hx`) are declared by binders; terms still use only the
    # known names and short variables, so an invented `foo` is refused.
    lean = statement_checker_of("lean", ["ℝ", "x", "h₀"])
    assert lean.accepts(f"\ntheorem t (x : ℝ) (h₀ : 0 < x) : 0 < x ^ 2 := by\n{HARD_CLOSE}")
    assert lean.accepts(f"\ntheorem t (x : ℝ) (hx : 0 < x) {{y₁ : ℝ}} : 0 < x + y₁ := by\n{HARD_CLOSE}")
    assert not lean.accepts(f"\ntheorem t (x : ℝ) (hx : 0 < foo x) : 0 < x := by\n{HARD_CLOSE}")
    coq = statement_checker_of("coq", ["R", "x", "Rlt"])
    assert coq.accepts(f"\nTheorem t (x : R) (hx : Rlt 0 x) (H0 : 0 < x) : 0 < x * x.\n{HARD_CLOSE}")
    assert coq.accepts(f"\nTheorem t x hx (h₀ : 0 < x) : x = x.\n{HARD_CLOSE}")
    assert not coq.accepts(f"\nTheorem t (x : R) : Rabs x = x.\n{HARD_CLOSE}")


def test_a_seeds_own_names_are_declarable(tmp_path):
    from stp_prover.conjecturer.generate import ConjectureInput
    from stp_prover.itp import Theorem

    seed = Theorem("s", "lean", "", "theorem s (x : ℝ) (h₀ : 0 < x) (hx : x < 3) : x ^ 2 < 9 := by")
    inp = ConjectureInput(seed, "nlinarith", None, "", "c")
    assert {"h₀", "hx", "x"} <= set(inp.names())
    g = statement_checker_of("lean", inp.names())
    assert g.accepts(f"\ntheorem c (x : ℝ) (h₀ : 0 < x) (hx : x < 3) : x ^ 3 < 27 := by\n{HARD_CLOSE}")


def statement_checker_of(system, names):
    from stp_prover.generation.grammar import Grammar

    return Grammar(conjecture_grammar(system, names))
