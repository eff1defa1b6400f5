"""The conjecturer's prompts: STP's tags (a lemma, an easy theorem with its proof, then a harder theorem to write) in
STP's own formats, the disprove channel's, and the parsing of what the model writes back."""

from __future__ import annotations

from typing import Optional

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect

LEMMA_OPEN, LEMMA_CLOSE = "<lemma>", "</lemma>"
EASY_OPEN, EASY_CLOSE = "<easy theorem>", "</easy theorem>"
HARD_OPEN, HARD_CLOSE = "<hard theorem>", "</hard theorem>"


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


# -- STP's own formats (RL/utils/model_utils.py:17-45, RL/RL_step2_train.py:52-76, RL/utils/RL_utils.py:53-74) -----
# A published STP checkpoint expects these byte for byte. Generation and training differ in STP's code, and both are
# kept: the generation prompt has no header and ends `<hard theorem>\n theorem`; the training prompt has the header
# (STP's PROVER_PROMPT) and ends `<hard theorem>`, its target is the conjecture between newlines and the closing tag.
def declaration_keyword(statement: str) -> str:
    """The word a statement is declared with (`theorem`, `Theorem`, `lemma`): STP's prompts end with it."""
    words = statement.split()
    return words[0] if words else "theorem"


def stp_no_lemma(keyword: str) -> str:
    """What STP shows when there is no lemma: `theorem true: True` (RL_utils.py:336)."""
    return f"{keyword} true: True"


def stp_join(statement: str, proof: str) -> str:
    """A statement and its proof as one text (STP concatenates them; a proof that does not start on a new line or
    after a space is put on the next line)."""
    return statement + proof if proof[:1].isspace() else statement.rstrip() + "\n" + proof


def stp_conjecture_prompt(seed: Theorem, seed_proof: str, lemma_statement: str) -> str:
    """STP's generation prompt (model_utils.py:33-38)."""
    d = dialect(seed.system)
    return (
        f"Complete the following {d.language} code:\n\n```{d.fence}\n"
        f"{LEMMA_OPEN}\n{lemma_statement.strip()}\n{EASY_OPEN}\n"
        f"{stp_join(seed.statement, seed_proof).strip()}\n{HARD_OPEN}\n {declaration_keyword(seed.statement)}"
    )


def stp_conjecture_training_prompt(seed: Theorem, seed_proof: str, lemma_statement: str) -> str:
    """STP's training prompt for the conjecturer (RL_step2_train.py:67-69): the header, then the tags."""
    d = dialect(seed.system)
    return (
        f"Complete the following {d.language} code:\n\n```{d.fence}\n{seed.header}\n"
        f"{LEMMA_OPEN}\n{lemma_statement.strip()}\n{EASY_OPEN}\n"
        f"{stp_join(seed.statement, seed_proof).strip()}\n{HARD_OPEN}"
    )


def stp_conjecture_target(statement: str) -> str:
    """STP's training target for the conjecturer (RL_step2_train.py:70): EOS is added by the trainer."""
    return f"\n{statement.strip()}\n{HARD_CLOSE}"


def stp_parse_conjecture(generated: str, seed: Theorem) -> Optional[str]:
    """The conjecture as the model wrote it (its own name kept), or None: STP prefixes the keyword the prompt ended
    with, keeps the text before the closing tag and cuts it where the proof would start (RL_utils.py:62-65); here
    the proof assistant's dialect cuts it to one declaration."""
    written = declaration_keyword(seed.statement) + " " + generated.split(HARD_CLOSE, 1)[0].strip()
    return dialect(seed.system).cut_statement(written.replace("```", "\n"))
