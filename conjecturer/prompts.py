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
# STP's own code prompts the conjecturer in one format (model_utils.py:33-38: no header, ending `<hard theorem>\n
# theorem`) and trains it in another (RL_step2_train.py:67-69: PROVER_PROMPT's header, ending `<hard theorem>`;
# target `\n{statement}\n</hard theorem>`, RL_step2_train.py:70). A model samples well only from the prompt it
# learned, so ours is one prompt for both, STP's training bytes: the model then writes the whole statement, keyword
# included.
def declaration_keyword(statement: str) -> str:
    """The word a statement is declared with (`theorem`, `Theorem`, `lemma`)."""
    words = statement.split()
    return words[0] if words else "theorem"


def stp_no_lemma(keyword: str) -> str:
    """What STP shows when there is no lemma: `theorem true: True` (RL_step2_train.py:55, RL_utils.py:336)."""
    return f"{keyword} true: True"


def stp_join(statement: str, proof: str) -> str:
    """A statement and its proof as one text (STP concatenates them; a proof that does not start on a new line or
    after a space is put on the next line)."""
    return statement + proof if proof[:1].isspace() else statement.rstrip() + "\n" + proof


def stp_conjecture_prompt(seed: Theorem, seed_proof: str, lemma_statement: str) -> str:
    """STP's conjecturer prompt as STP trains it (RL_step2_train.py:67-69), used for generation too; an empty
    `lemma_statement` is STP's no-lemma text (`stp_no_lemma`)."""
    d = dialect(seed.system)
    header = seed.header if not seed.header or seed.header.endswith("\n") else seed.header + "\n"
    lemma = lemma_statement.strip() or stp_no_lemma(declaration_keyword(seed.statement))
    return (
        f"Complete the following {d.language} code:\n\n```{d.fence}\n{header}\n"
        f"{LEMMA_OPEN}\n{lemma}\n{EASY_OPEN}\n"
        f"{stp_join(seed.statement, seed_proof).strip()}\n{HARD_OPEN}"
    )


# Training and generation share one prompt, byte for byte (the name is kept for the training callers).
stp_conjecture_training_prompt = stp_conjecture_prompt


def stp_conjecture_target(statement: str) -> str:
    """STP's training target for the conjecturer (RL_step2_train.py:70): EOS is added by the trainer."""
    return f"\n{statement.strip()}\n{HARD_CLOSE}"


def stp_parse_conjecture(generated: str, seed: Theorem) -> Optional[str]:
    """The conjecture as the model wrote it (its own name kept), or None: the text before the closing tag, cut where
    the proof would start (STP: RL_utils.py:62-65 cuts at `:=`; here the dialect cuts one declaration). A text without
    a declaration keyword gets the seed's (a model trained on STP's generation prompt, which ends with it)."""
    d = dialect(seed.system)
    written = generated.split(HARD_CLOSE, 1)[0].replace("```", "\n").strip()
    if declaration_keyword(written) not in d.declaration_keywords:
        written = declaration_keyword(seed.statement) + " " + written
    return d.cut_statement(written)
