"""Tracing a Lean file through `allTactics`: which listed tactics are proof steps, and their after-states.
The REPL lists every substantive tactic node of the info tree, nested ones included, and leaves out the combinator
nodes (`by`, tactic sequences, `<;>`, parentheses, `·`): REPL/Lean/InfoTree.lean, isSubstantive and
findAllInfoTactics, at leanprover-community/repl v4.24.0."""

from __future__ import annotations

from stp_prover.itp import LeanConfig
from stp_prover.itp.lean.session import LeanSession
from stp_prover.itp.lean.trace import declarations, outermost, steps, trace_file
from tests.conftest import repl_double_command
from tests.itp.lean.test_check_path import recorded


def tac(text, line, col, end_line, end_col, goals="", used=()):
    return {
        "tactic": text,
        "pos": {"line": line, "column": col},
        "endPos": {"line": end_line, "column": end_col},
        "goals": goals,
        "usedConstants": list(used),
    }


def test_calc_steps_nested_in_a_calc_are_not_proof_steps():
    # Recorded (calc): `calc`, its step block and the two nested `sorry`s are all listed.
    text = "example : 3 = 5 := by calc\n  3 = 4 := by sorry\n  4 = 5 := by sorry"
    listed = recorded("calc", 0)["tactics"]
    assert len(listed) == 4
    top = steps(text, listed)
    assert [t["tactic"].split("\n")[0] for t in top] == ["calc"] and top[0]["goals"] == "⊢ 3 = 5"


def test_a_file_traced_from_a_recorded_answer():
    # Recorded (all_tactics): two steps in one line, separated by `;`.
    config = LeanConfig(repl_command=repl_double_command("all_tactics"), repl_cwd=None)
    session = LeanSession("", config)
    try:
        traced = trace_file(session, "def f : Nat := by have t := 37; exact t", "F.lean", "F", 10)
    finally:
        session.close()
    (theorem,) = traced.theorems
    assert [(t.tactic, t.state_before, t.state_after) for t in theorem.tactics] == [
        ("have t := 37", "⊢ Nat", "t : Nat\n⊢ Nat"),
        ("exact t", "t : Nat\n⊢ Nat", "no goals"),
    ]


def test_have_with_a_nested_proof_is_one_step():
    text = "theorem t (p : Prop) (hp : p) : p ∧ p := by\n  have h : p := by exact hp\n  exact ⟨h, h⟩"
    listed = [
        tac("have h : p := by exact hp", 2, 2, 2, 27, "G0"),
        tac("exact hp", 2, 19, 2, 27, "G-inner"),
        tac("exact ⟨h, h⟩", 3, 2, 3, 14, "G1"),
    ]
    assert [t["goals"] for t in outermost(listed)] == ["G0", "G1"]
    assert [t["tactic"] for t in steps(text, listed)] == ["have h : p := by exact hp", "exact ⟨h, h⟩"]


def test_combinators_and_bullets_join_their_pieces():
    text = (
        "theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
        "  constructor <;> simp [*]\n"
        "theorem u (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
        "  constructor\n"
        "  · exact hp\n"
        "  · have := hq\n"
        "    exact this\n"
    )
    listed = [
        tac("constructor", 2, 2, 2, 13, "T0"),
        tac("simp [*]", 2, 18, 2, 26, "T1"),
        tac("simp [*]", 2, 18, 2, 26, "T1'"),  # `<;>` ran it on the second goal too: a second node, same span
        tac("constructor", 4, 2, 4, 13, "U0"),
        tac("exact hp", 5, 4, 5, 12, "U1"),
        tac("have := hq", 6, 4, 6, 14, "U2"),
        tac("exact this", 7, 4, 7, 14, "U3"),
    ]
    got = [(t["tactic"], t["goals"]) for t in steps(text, listed[:3]) + steps(text, listed[3:])]
    assert got == [
        ("constructor <;> simp [*]", "T0"),
        ("constructor", "U0"),
        # Inside a bullet the REPL lists the focused goal only; the bullets after it hold the other goals.
        ("· exact hp", "U1\n\nU2"),
        ("· have := hq\n    exact this", "U2"),
    ]


def test_declarations_come_from_tokens_and_are_named_by_namespace():
    # A Lean constant's full name is its namespace path (`namespace Foo` ... `theorem bar` is `Foo.bar`), never the
    # module's path; comments and strings declare nothing.
    text = (
        "import Mathlib\n/- theorem fake : False -/\nnamespace Foo\n\n@[simp] theorem bar (n : ℕ) : n = n := rfl\n"
        "noncomputable section\ndef baz : ℕ → ℕ\n  | 0 => 1\n  | n + 1 => n\nend\nend Foo\n"
        "structure P where\n  x : ℕ\n  deriving Repr\nderiving instance BEq for P\ntheorem _root_.top : True := trivial\n"
    )
    got = [(d.kind, d.name, d.full_name, d.code, d.line) for d in declarations(text)]
    assert got == [
        ("theorem", "bar", "Foo.bar", "@[simp] theorem bar (n : ℕ) : n = n", 5),
        ("def", "baz", "Foo.baz", "def baz : ℕ → ℕ", 7),
        ("structure", "P", "P", "structure P", 12),
        ("theorem", "_root_.top", "top", "theorem _root_.top : True", 16),
    ]
