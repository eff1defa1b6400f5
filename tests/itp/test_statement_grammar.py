"""Each proof assistant's statement grammar comes with its dialect (`Dialect.statement_grammar`), so the layers
above never name a proof assistant's syntax; checked with the generic EBNF engine from its `statement` rule."""

from __future__ import annotations

import dataclasses

import pytest

from stp_prover.generation.grammar import Grammar
from stp_prover.itp.dialect import dialect


def checker(system, names=()):
    return Grammar(dialect(system).statement_grammar(names), start="statement")


@pytest.mark.parametrize(
    "system, good, bad",
    [
        ("coq", "Theorem t (x : R) (h : 2 * x = 6) : x = 3.", "Theorem t (x : R : x = 3."),
        ("coq", "Lemma pred_succ n : pred (S n) = n.", "Definition t : nat."),
        ("lean", "theorem t (x : ℝ) (h₀ : 0 < x) : 0 < x ^ 2 := by", "theorem t : x = 3 := by simp"),
        ("lean", "theorem t {n : ℕ} [Fact (1 < n)] : ∀ m : ℕ, m ∣ n → m ≤ n := by", "theorem (x : ℝ) : x := by"),
    ],
)
def test_each_dialect_has_its_statement_grammar(system, good, bad):
    g = checker(system)
    assert g.accepts(good) and not g.accepts(bad)
    assert dialect(system).declaration_keywords[0] in dialect(system).statement_grammar()


@pytest.mark.parametrize(
    "system, statement",
    [
        ("lean", "theorem t (x : ℝ) (h₀ : 0 < x) : 0 < x ^ 2 := by"),
        ("lean", "theorem t (x : ℝ) (hx : 0 < x) ⦃y₁ : ℝ⦄ : x ≤ x := by"),
        ("coq", "Theorem t (x : R) (h₀ : 0 < x) (hx : 0 < x) : 0 < x * x."),
    ],
)
def test_binders_declare_any_identifier_under_known_names(system, statement):
    # Known names limit what a term mentions, not what a binder declares: `h₀`, `hx` are not short variables.
    assert checker(system, ["x", "ℝ", "R"]).accepts(statement)
    assert not checker(system, ["ℝ", "R"]).accepts(statement.replace("0 < x", "0 < xyz", 1))


def test_a_dialect_without_a_statement_grammar_says_so():
    bare = dataclasses.replace(dialect("coq"), system="toy", statement_rules=None)
    with pytest.raises(ValueError, match="no statement grammar for 'toy'"):
        bare.statement_grammar()
