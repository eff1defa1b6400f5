"""Coq's statement grammar (`COQ.statement_grammar`): `Theorem name binders : term.` in EBNF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..statement_grammar import TERM_RULES, ebnf_literals, term_words

if TYPE_CHECKING:
    from ..dialect import Dialect

# The notation tokens of Coq's standard library statements (Init/Notations.v and the scopes the stdlib opens); longer
# operators are runs of these (`==>` is `=` `=` `>`), so only known symbols are written.
COQ_OPERATORS = (
    "->", "<->", "/\\", "\\/", "~", "=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "^", ",", ":", "::",
    "++", "%", "=>", "|", "||", "&&", "!", "'", ";", "@", "?", "`", "&", "#", "$",
)


def coq_statement_rules(d: "Dialect", names: Sequence[str] = ()) -> str:
    """`Theorem name binders : term.` (Coq Reference Manual, "Assertions and proofs"), start rule `statement`: bare,
    `( )`, `{ }` and generalizing binders declaring any identifier; operators are runs of Coq's symbols (`->`,
    `<->`, `==>`, `%nat`); a term's identifiers limited to `names` and short variables when given."""
    word, extra = term_words(names)
    return (
        'statement ::= keyword ws ident (ws ident | ws? binder)* ws? ":" ws term ws? "."\n'
        f"keyword ::= {ebnf_literals(d.declaration_keywords)}\n"
        'binder ::= "(" ws? ident (ws ident)* ws? ":" ws? term ws? ")" '
        '| "{" ws? ident (ws ident)* (ws? ":" ws? term)? ws? "}" | "`" group\n'
        "ident ::= [A-Za-z_α-ωΑ-Ω] [A-Za-z0-9_'α-ωΑ-Ω₀-₉]*\n"
        f"word ::= {word} | number\nsym ::= op | group\n"
        f"op ::= {ebnf_literals(COQ_OPERATORS)}\n" + TERM_RULES + extra
    )
