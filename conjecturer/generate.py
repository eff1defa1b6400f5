"""Two sources of conjectures from a seed (a proved statement, its proof, and a lemma its proof invokes or none): the
model, prompted as STP prompts it, and our textual mutation of the seed (a hypothesis dropped, a constant moved)."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Callable, Optional, Sequence

from stp_prover.data.variants import variants
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import rename

from .prompts import stp_conjecture_prompt, stp_parse_conjecture

# prompt, n -> n generated texts
Generate = Callable[[str, int], list[str]]
# prompts, n -> n generated texts per prompt (one engine call for all: PolicyActor.generate)
GenerateMany = Callable[[list[str], int], list[list[str]]]


@dataclass(frozen=True)
class Conjecture:
    name: str
    statement: str  # None-free: unparsable generations are counted, not kept
    seed: str
    lemma: Optional[str]
    source: str  # "model" | "mutation"
    edit: str = ""
    written: str = ""  # the statement as the model wrote it, its own name kept (STP's dedup key and training target)

    def theorem(self, seed: Theorem) -> Theorem:
        """The conjecture as a theorem under the seed's header."""
        return Theorem(
            self.name, seed.system, seed.header, self.statement, split="conjecture", source=f"conjecture:{seed.name}"
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ConjectureInput:
    """What STP's conjecture prompt is made of, and the name prefix of the conjectures it gives."""

    seed: Theorem
    seed_proof: str
    lemma: Optional[str]
    lemma_statement: str
    prefix: str

    def prompt(self) -> str:
        return stp_conjecture_prompt(self.seed, self.seed_proof, self.lemma_statement)


def parse_conjectures(inp: ConjectureInput, texts: Sequence[str]) -> tuple[list[Conjecture], int]:
    """The conjectures in the generated `texts`, renamed `prefix_i`; also how many did not parse
    (RL/utils/RL_utils.py:53-74)."""
    out, unparsable = [], 0
    for i, text in enumerate(texts):
        written = stp_parse_conjecture(text, inp.seed)
        if written is None:
            unparsable += 1
            continue
        name = f"{inp.prefix}_{i}"
        out.append(Conjecture(name, rename(written, name), inp.seed.name, inp.lemma, "model", "", written))
    return out, unparsable


def model_conjectures(
    seed: Theorem, seed_proof: str, lemma: Optional[str], lemma_statement: str, generate: Generate, n: int, prefix: str
) -> tuple[list[Conjecture], int]:
    """n conjectures the model writes from STP's prompt for (seed, its proof, the lemma's statement), renamed
    `prefix_i` for our records; also how many generations did not parse (RL/utils/RL_utils.py:53-74)."""
    inp = ConjectureInput(seed, seed_proof, lemma, lemma_statement, prefix)
    return parse_conjectures(inp, generate(inp.prompt(), n))


def model_conjectures_batch(
    inputs: Sequence[ConjectureInput], generate_many: GenerateMany, n: int
) -> list[tuple[list[Conjecture], int]]:
    """`model_conjectures` for many inputs with every prompt in one generation call (one engine call)."""
    if not inputs:
        return []
    texts = generate_many([inp.prompt() for inp in inputs], n)
    return [parse_conjectures(inp, t) for inp, t in zip(inputs, texts)]


def mutation_conjectures(seed: Theorem, n: int, prefix: str, rng: random.Random) -> list[Conjecture]:
    """Up to n textual variants of the seed's statement, renamed `prefix_mI`: its consequences (true whenever the
    seed is) first, then a random choice among the other edits."""
    pool = variants(seed.statement, seed.system, limit=64)
    sure = [v for v in pool if not v.edit.startswith(("constant", "drop"))][:n]
    rest = [v for v in pool if v not in sure]
    chosen = sure + rng.sample(rest, min(n - len(sure), len(rest)))
    out = []
    for i, v in enumerate(chosen):
        name = f"{prefix}_m{i}"
        renamed = rename(v.statement, name)
        out.append(Conjecture(name, renamed, seed.name, None, "mutation", v.edit, renamed))
    return out
