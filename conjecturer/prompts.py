"""The conjecturer's prompt (STP's tags: a lemma, an easy theorem with its proof, then a harder theorem to write)
and the parsing of what the model writes back."""

from __future__ import annotations

from typing import Optional

from itp import Theorem
from itp.dialect import dialect

LEMMA_OPEN, LEMMA_CLOSE = "<lemma>", "</lemma>"
EASY_OPEN, EASY_CLOSE = "<easy theorem>", "</easy theorem>"
HARD_OPEN, HARD_CLOSE = "<hard theorem>", "</hard theorem>"


def conjecture_prompt(seed: Theorem, seed_proof: str, lemma: Optional[str]) -> str:
    """Ask for a harder theorem related to `seed` (stated and proved) that uses `lemma` when one is given."""
    d = dialect(seed.system)
    return (
        f"Complete the following {d.language} code:\n\n```{d.fence}\n{seed.header}```\n\n"
        f"{LEMMA_OPEN}\n{lemma or ''}\n{LEMMA_CLOSE}\n"
        f"{EASY_OPEN}\n{seed.statement.rstrip()}\n{seed_proof.strip()}\n{EASY_CLOSE}\n"
        f"{HARD_OPEN}\n"
    )


def conjecture_completion(statement: str) -> str:
    """What the model is trained to write after the prompt for a selected conjecture."""
    return f"{statement.strip()}\n{HARD_CLOSE}"


def parse_conjecture(generated: str, system: str) -> Optional[str]:
    """The statement the model wrote before the closing tag, cut to one statement; None if there is none."""
    text = generated.split(HARD_CLOSE, 1)[0].replace("```", "\n")
    return dialect(system).cut_statement(text)


TRUE_OPEN, TRUE_CLOSE = "<true theorem>", "</true theorem>"
FALSE_OPEN, FALSE_CLOSE = "<false variant>", "</false variant>"
WITNESS_OPEN, WITNESS_CLOSE = "<witness>", "</witness>"


def disprove_prompt(theorem: Theorem) -> str:
    """The disprove channel: from a true theorem, write a false variant and a witness that refutes it."""
    d = dialect(theorem.system)
    return (
        f"Complete the following {d.language} code:\n\n```{d.fence}\n{theorem.header}```\n\n"
        f"{TRUE_OPEN}\n{theorem.statement.rstrip()}\n{TRUE_CLOSE}\n{FALSE_OPEN}\n"
    )


def disprove_completion(false_statement: str, witness: list[str]) -> str:
    return f"{false_statement.strip()}\n{FALSE_CLOSE}\n{WITNESS_OPEN}{', '.join(witness)}{WITNESS_CLOSE}"


def parse_false_variant(generated: str, system: str) -> Optional[str]:
    """The false variant the model wrote before its closing tag, cut to one statement; None if there is none."""
    text = generated.split(FALSE_CLOSE, 1)[0].replace("```", "\n")
    return dialect(system).cut_statement(text)
