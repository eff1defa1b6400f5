"""The Lean screen reads tokens as Lean's tokenizer does (src/Lean/Parser/Basic.lean, tokenFnAux; recovery after an
error in src/Lean/Parser/Module.lean, parseCommand). Attack texts written by us, one per class the issue names; each
would carry a forbidden command past a screen that split the text differently from Lean."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stp_prover.itp import Theorem, VerdictKind
from stp_prover.itp.lean.env import prescreen
from stp_prover.itp.lean.lexer import CORE_TOKENS, LIBRARY_TOKENS, LexError, TokenKind, tokenize
from stp_prover.itp.lean.policy import (
    NotAStatement,
    PolicyViolation,
    restated_name,
    screen_header,
    screen_proof,
    screen_statement,
    statement_contract,
)

THM = Theorem("X", "lean", "import Mathlib\n", "theorem X (xs : List ℕ) (h : 0 < xs.length) : True := by")

# Each hides `#eval` (or another runner) from a screen that reads the quote, number or comment edge differently.
ATTACKS = {
    # `×'` is one token: the following `'"'` is not a char literal, the `"` opens a string to Lean.
    "primed token then quote": "  have : Nat ×'\"' \" #eval evil --\"",
    "sigma primed": "  exact (Σ'\"' \" #eval evil --\"",
    "getElem proof quote": "  exact xs[0]'\"' \" #eval evil --\"",
    "library primed token without its import": "  exact f ⁻¹'\"' #eval evil \"",
    "tsum quote": "  exact ∑'\"a\" #eval evil",
    "image quote": "  exact f ''\"' \" #eval evil --\"",
    "unknown symbol then quote": "  exact ⊛'\"' #eval evil \"",
    # numbers: Lean stops `0b` at a non-binary digit (an error), then resumes inside the literal.
    "binary prefix with letters": "  exact 0bef'\"' \" run_tac evil --\"",
    "hex prefix with no digit": "  exact 0xg'\"' #eval evil '\"'",
    "octal prefix": "  exact 0oe'\"' \" #eval evil --\"",
    "exponent without digits": "  exact 1e'\"' #eval evil '\"'",
    "field index exponent": "  exact h.1e5'\"' \" #eval evil --\"",
    "library token swallows digits": "  exact (x : ℝ≥0b1'\"' \" #eval evil --\")",
    # doc-comment edges: the body of `/--` starts after the three characters.
    "doc comment /--/": "/--/ \"-/ #eval evil --\"\ntheorem X (xs : List ℕ) (h : 0 < xs.length) : True := trivial",
    "doc comment in a tactic block": "  simp\n  /-- x -/ trivial",
    "comment glued to a library token": "  exact x </- \"-/ #eval evil --\"",
    "comment glued to a symbol hides code": "  exact a ⊢-- #eval evil",
    "arrow then comment": "  simp <-- #eval evil",
    # names and options
    "eval%": "  exact eval% (1 + 1)",
    "loadDynlib": '  have := Lean.loadDynlib "x.so"',
    "skipKernelTC in a glued comment line": "  simp ⊢-- set_option debug.skipKernelTC true",
    "open Lean in": "  open Lean in exact trivial",
    "open renaming": "  open Nat renaming succ → s in exact trivial",
    "open without in": "  open Finset\n  simp",
}


@pytest.mark.parametrize("proof", list(ATTACKS.values()), ids=list(ATTACKS))
def test_each_attack_is_refused_before_any_process(proof):
    with pytest.raises(PolicyViolation):
        screen_proof(proof)
    assert prescreen(THM, proof).kind is VerdictKind.UNTRUSTED


HEADER_ATTACKS = {
    "primed token in a header": "import Mathlib\ndef f := (Σ'\"x\" , 1)\n#eval evil\n-- \"",
    "number prefix in a header": "import Mathlib\ndef f := 0bef'\"'\n#eval evil\n-- '\"'",
    "doc edge in a header": "import Mathlib\n/--/ \"-/ #eval evil --\"\ndef f := 1",
    "notation token with a quote": "import Mathlib\nnotation \"§'\" => 1\n",
    "notation token with a comment opener": "import Mathlib\nnotation \"§--\" => 1\n",
    "prelude": "prelude\nimport Init\n",
}


@pytest.mark.parametrize("header", list(HEADER_ATTACKS.values()), ids=list(HEADER_ATTACKS))
def test_header_attacks_are_refused(header):
    with pytest.raises(PolicyViolation):
        screen_header(header)


@pytest.mark.parametrize(
    "statement",
    [
        "theorem X : True := (Σ'\"x\" , 1)\n#eval evil\n-- \" :=",
        "theorem X : 0bef'\"' = 1 #eval evil '\"' := by",
        "/--/ \"-/ #eval evil --\"\ntheorem X : True := by",
    ],
)
def test_the_same_tricks_in_statements_are_refused(statement):
    with pytest.raises(PolicyViolation):
        screen_statement(statement)


@pytest.mark.parametrize(
    "proof",
    [
        "  exact xs[0]'h",
        "  have := xs[0]'h\n  trivial",
        "  intro x\n  -- goal: ⊢-- note\n  trivial",
        "  show True ⊢-- note\n  trivial",
        "  have h : (1 : ℕ) = 1 := rfl ⊢-- a note, with punctuation: (x + 1)\n  trivial",
        "  open Finset in\n  simp [sum_range_succ]",
        "open Finset in\ntheorem X (xs : List ℕ) (h : 0 < xs.length) : True := by\n  trivial",
        "/-- doc -/\nopen Finset in\ntheorem X (xs : List ℕ) (h : 0 < xs.length) : True := by trivial",
        "  exact f ⁻¹' {7} = f ⁻¹' {7}",
        "  exact (f '' s, ∑' i, g i, ∏' i, g i)",
        "  exact h.1.2",
        "  exact (0x1F, 0b10, 1_000, 2.5e-3, √2, ↑3!)",
    ],
)
def test_ordinary_proofs_are_accepted(proof):
    screen_proof(proof)


def test_a_restated_theorem_after_open_in_is_the_restated_one():
    assert restated_name("open Finset in\ntheorem X : True := trivial") == "X"


def test_the_statement_contract():
    for ok in [
        "theorem X : True := by",
        "theorem X : True :=",
        "theorem X : True := -- the proof follows\n",
        "theorem X (h : ℕ := 3) : let a := 1; a = 1 := by",
        "open Real in\ntheorem X : π > 3 := by",
        "def f : Nat := by",
    ]:
        statement_contract(ok)
    with pytest.raises(NotAStatement, match="end with"):
        statement_contract("theorem X (x : ℕ) : x = x")  # a proof `(h : False) : False := h` would extend it
    with pytest.raises(NotAStatement, match="before its final"):
        statement_contract("theorem X : True := trivial :=")
    with pytest.raises(NotAStatement, match="before its final"):
        statement_contract("theorem X : True := by trivial\n  :=")
    with pytest.raises(PolicyViolation, match="declares only"):
        statement_contract("theorem X : True := by trivial\ntheorem Y : True :=")
    with pytest.raises(NotAStatement):
        statement_contract("-- nothing\n")


# -- property-based: random token sequences of the table ---------------------------------------------------------
_BENIGN = sorted(CORE_TOKENS | LIBRARY_TOKENS) + [
    "x", "h₀", "Nat.succ", "«x y»", "1", "0x1F", "2.5", '"s"', "'c'", "r#\"a\"#", "(", ")", "fun", "by", "simp",
    "-- c\n", "/- c -/", "\n", " ",
]  # fmt: skip
_FORBIDDEN = ["#eval evil", "run_tac evil", "run_cmd evil", "set_option debug.skipKernelTC true in", "sorry",
              "native_decide", "Lean.loadDynlib", "eval% 1"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_BENIGN), max_size=12),
    st.sampled_from(_FORBIDDEN),
    st.lists(st.sampled_from(_BENIGN), max_size=12),
    st.sampled_from([" ", "\n"]),
)
def test_a_forbidden_command_in_a_random_sequence_is_always_refused(before, forbidden, after, sep):
    # Whatever precedes or follows it (any token glued to any other), the text with a forbidden command is refused:
    # either the screen sees the command, or it refuses a reading that could hide it. Only a comment the tokens
    # themselves open before it (glued `-` `-`, `/` `-`) may truly hide it, from Lean too.
    head = "".join(before)
    assume("/-" not in head and "--" not in head.rsplit("\n", 1)[-1] + sep)
    text = head + sep + forbidden + sep + "".join(after)
    with pytest.raises(PolicyViolation):
        screen_proof(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_BENIGN), max_size=20))
def test_benign_sequences_never_hide_a_forbidden_word(parts):
    # A sequence of table tokens (separated by spaces) lexes, and no token is a command or name the screen refuses.
    text = " ".join(parts)
    try:
        tokens = tokenize(text, glued=True)
    except LexError:
        assume(False)  # refused as reading two ways (`'' ''`): a refusal, never a hidden command
    assert not any(t.kind is TokenKind.HASH_COMMAND for t in tokens)
    assert all(t.text not in ("run_tac", "run_cmd", "sorry") for t in tokens)
    # The tokens cover the code in order: each starts after the previous one ends.
    ends = [t.end for t in tokens if t.kind is not TokenKind.GLUED_COMMENT]
    starts = [t.start for t in tokens if t.kind is not TokenKind.GLUED_COMMENT]
    assert all(s >= e for s, e in zip(starts[1:], ends))
