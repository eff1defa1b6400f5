"""The grammar of what the conjecturer writes after STP's prompt (`\\n{statement}\\n</hard theorem>`,
RL/RL_step2_train.py:70): the proof assistant's statement grammar (`Dialect.statement_grammar`, which alone knows
the syntax) between STP's line breaks and closing tag, in the EBNF that `generation.grammar` checks and vLLM's
structured outputs take. A sample decoded under it is a statement by construction."""

from __future__ import annotations

from typing import Sequence

from stp_prover.generation.grammar import Grammar, compile_grammar
from stp_prover.itp.dialect import dialect

from .prompts import HARD_CLOSE


def conjecture_grammar(system: str, names: Sequence[str] = ()) -> str:
    """The EBNF text of what the conjecturer may write for `system` (for `GenerationRequest.grammar`), its terms'
    identifiers limited to `names` (and short variables) when given; ValueError for a system without one."""
    try:
        statement = dialect(system).statement_grammar(names)
    except ValueError as exc:
        raise ValueError(f"no conjecture grammar for {system!r}: {exc}") from None
    return f'root ::= "\\n" statement "\\n{HARD_CLOSE}"\n' + statement  # HARD_CLOSE has no quote to escape


def statement_checker(system: str) -> Grammar:
    """The prefix checker of `conjecture_grammar(system)`."""
    return compile_grammar(conjecture_grammar(system))


def parses(system: str, statement: str) -> bool:
    """Whether `statement` is one the grammar generates (as the text between STP's tags)."""
    return statement_checker(system).accepts(f"\n{statement.strip()}\n{HARD_CLOSE}")
