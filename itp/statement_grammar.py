"""Building blocks of the proof assistants' statement grammars (`Dialect.statement_grammar`, built in
`itp/<system>/grammar.py`): EBNF text in the form vLLM's structured outputs and `generation.grammar` read (`name ::=`,
"literals", [classes], ( ), |, *, +, ?)."""

from __future__ import annotations

from typing import Iterable, Sequence

# Shared by every dialect: whitespace (traced statements keep the file's line breaks and indentation), numerals, the
# term structure (runs of words and symbols, two words never adjacent, so `foo` is one identifier and never `f o o`;
# brackets balanced by recursion). A dialect adds `ident`, `word`, `sym`, its binders and its ending.
TERM_RULES = r"""
ws ::= [ \t\n]+
number ::= [0-9]+
qualid ::= ident ("." ident)*
term ::= run (ws run)*
run ::= sym+ (word sym+)* word? | word (sym+ word)* sym*
group ::= "(" ws? (term ws?)? ")" | "{" ws? term ws? "}" | "[" ws? (term ws?)? "]"
"""

# A short variable (`x`, `n1`, `h'`, `x₁`): what a term may name besides the known names, e.g. a quantified variable.
SHORT_VARIABLE = "[a-z] [0-9'₀-₉]*"


def ebnf_literals(words: Iterable[str]) -> str:
    """An EBNF alternative of quoted literals (backslashes and quotes escaped)."""
    return " | ".join('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in words)


def term_words(names: Sequence[str]) -> tuple[str, str]:
    """(the rule a term's identifiers come from, the rules it needs): any qualified identifier, or with `names` only
    those names and short variables, so a sample mentions what exists. Binders are not limited by `names`: a
    statement may declare any identifier (the seed's `h₀`, a new `hx`), since declaring a name invents nothing."""
    if not names:
        return "qualid", ""
    return "name", f"name ::= {ebnf_literals(sorted(set(names)))} | var\nvar ::= {SHORT_VARIABLE}\n"
