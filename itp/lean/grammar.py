"""Lean 4's statement grammar (`LEAN.statement_grammar`): `theorem name binders : term := by` in EBNF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..statement_grammar import TERM_RULES, ebnf_literals, term_words

if TYPE_CHECKING:
    from ..dialect import Dialect


def lean_statement_rules(d: "Dialect", names: Sequence[str] = ()) -> str:
    """`theorem name binders : term := by`, STP's statement as its parser leaves it (RL_utils.py:62-65), start rule
    `statement`: `( )`, `{ }`, `[ ]` and `⦃ ⦄` binders declaring any identifier; Unicode identifiers and operators;
    `:` only before a space (`:=` ends it); a term's identifiers limited to `names` and short variables when given."""
    word, extra = term_words(names)
    return (
        'statement ::= keyword ws ident (ws? binder)* ws? ":" ws term ws ":= by"\n'
        f"keyword ::= {ebnf_literals(d.declaration_keywords)}\n"
        'binder ::= "(" ws? ident (ws ident)* ws? ":" ws term ws? ")" | "{" ws? ident (ws ident)* '
        '(ws? ":" ws term)? ws? "}" | "[" ws? term ws? "]" | "⦃" ws? ident (ws ident)* ws? ":" ws term ws? "⦄"\n'
        "ident ::= [A-Za-z_α-ωΑ-Ωℓ] [A-Za-z0-9_'!?α-ωΑ-Ωℓ₀-₉]*\n"
        f'word ::= {word} | number\nsym ::= op | group | "⟨" ws? term ws? "⟩" | ":" ws\n'
        "op ::= [-+*/^=<>~,%|&!?@#$;`\\\\¬→↔∧∨∀∃≠≤≥∣∈∉∑∏√•⁻¹ℕℤℚℝℂ∘×⊆⊂∪∩∅⌊⌋⌈⌉↑·]+\n" + TERM_RULES + extra
    )
