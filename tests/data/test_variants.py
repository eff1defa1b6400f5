"""Textual variants of statements: constants moved, hypotheses dropped, conclusions transformed."""

from __future__ import annotations

from stp_prover.data.variants import drop_hypotheses, perturb_constants, transform_conclusion, variants

COQ_ARROWS = "Theorem t :\n  forall (x : R), 0 < x -> x < 3 ->\n  x * x < 9."
COQ_BINDERS = "Theorem t (x y : R) (h0 : x + y = 10) (h1 : x - y = 2) : x = 6."
LEAN = "theorem t (x y : ℝ) (h₀ : x + y = 10) (h₁ : x - y = 2) : x = 6 := by"


def test_hypotheses_are_dropped_one_at_a_time():
    assert [v.statement for v in drop_hypotheses(COQ_ARROWS, "coq")] == [
        "Theorem t :\n  forall (x : R), x < 3 ->\n  x * x < 9.",
        "Theorem t :\n  forall (x : R), 0 < x ->\n  x * x < 9.",
    ]
    assert [v.statement for v in drop_hypotheses(COQ_BINDERS, "coq")] == [
        "Theorem t (x y : R) (h1 : x - y = 2) : x = 6.",
        "Theorem t (x y : R) (h0 : x + y = 10) : x = 6.",
    ]
    assert drop_hypotheses(LEAN, "lean")[0].statement == "theorem t (x y : ℝ) (h₁ : x - y = 2) : x = 6 := by"


def test_constants_move_by_one_and_the_name_is_untouched():
    stmts = [v.statement for v in perturb_constants("Theorem p2 : 2 + 2 = 4.")]
    assert stmts[:2] == ["Theorem p2 : 3 + 2 = 4.", "Theorem p2 : 1 + 2 = 4."]
    assert "Theorem p2 : 2 + 2 = 5." in stmts


def test_conclusion_transforms_keep_the_statement_form():
    assert [v.statement for v in transform_conclusion(LEAN, "lean")] == [
        "theorem t (x y : ℝ) (h₀ : x + y = 10) (h₁ : x - y = 2) : x + 1 = 6 + 1 := by",
        "theorem t (x y : ℝ) (h₀ : x + y = 10) (h₁ : x - y = 2) : 2 * (x) = 2 * (6) := by",
        "theorem t (x y : ℝ) (h₀ : x + y = 10) (h₁ : x - y = 2) : (x) ^ 2 = (6) ^ 2 := by",
    ]
    assert transform_conclusion(COQ_ARROWS, "coq")[0].statement.endswith("x * x + 1 < 9 + 1.")
    assert transform_conclusion("Theorem t : forall P : Prop, P -> P.", "coq") == []


def test_variants_are_distinct():
    texts = [" ".join(v.statement.split()) for v in variants(COQ_BINDERS, "coq")]
    assert len(texts) == len(set(texts)) and len(texts) > 4


def test_statements_become_propositions_with_their_variables():
    from stp_prover.data.variants import proposition
    from stp_prover.itp.coq import COQ as COQ_DIALECT
    from stp_prover.itp.lean import LEAN as LEAN_DIALECT

    prop, variables = proposition(COQ_BINDERS, "coq")
    assert prop == "forall (x y : R) (h0 : x + y = 10) (h1 : x - y = 2), x = 6"
    assert variables == [("x", "R"), ("y", "R")]
    prop, variables = proposition(LEAN, "lean")
    assert prop == "∀ (x y : ℝ) (h₀ : x + y = 10) (h₁ : x - y = 2), x = 6" and variables == [("x", "ℝ"), ("y", "ℝ")]
    assert LEAN_DIALECT.negation("n", prop) == f"theorem n : ¬ ({prop}) := by"
    assert LEAN_DIALECT.witness_tactics(["7", "3"])[0] == "intro H\n  have h := H (7) (3)\n  norm_num at h"
    assert COQ_DIALECT.witness_tactics([])[0] == "intro H; specialize (H ); lra"
    assert proposition("Theorem t {x : nat} : x = x.", "coq") is None  # implicit binders: not handled
