"""Two sources of conjectures from a seed (a proved statement, its proof, and a lemma its proof invokes or none): the
model, prompted as STP prompts it, and our textual mutation of the seed (a hypothesis dropped, a constant moved)."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from typing import Callable, Optional, Sequence

from stp_prover.data.variants import variants
from stp_prover.generation.records import GenerationRequest
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import declared_name, dialect, rename

from .grammar import conjecture_grammar
from .prompts import HARD_CLOSE, stp_conjecture_prompt, stp_parse_conjecture

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
        """The prompt the conjecturer is trained on too (byte for byte: `stp_conjecture_training_prompt`)."""
        return stp_conjecture_prompt(self.seed, self.seed_proof, self.lemma_statement)

    def names(self) -> list[str]:
        """The identifiers a conjecture may use in its terms: those of the seed's and the lemma's statements (not the
        names they declare), the dialect's binders and number types."""
        d = dialect(self.seed.system)
        texts = [self.seed.statement, self.lemma_statement]
        declared = {declared_name(t) for t in texts}
        found = {m.group(0) for t in texts for m in d.identifier.finditer(t)} - declared - set(d.declaration_keywords)
        return sorted(found | {b for b in d.binders if b.isidentifier()} | set(d.number_types))

    def request(self, n: int, settings: Optional["ConjectureDecoding"] = None) -> GenerationRequest:
        """The engine request for n conjectures: STP's prompt, cut at the closing tag, constrained to the system's
        statement grammar unless `settings.constrained` is off."""
        s = settings or ConjectureDecoding()
        grammar = None
        if s.constrained:
            grammar = conjecture_grammar(self.seed.system, self.names() if s.known_names else ())
        return GenerationRequest(
            self.prompt(), n, s.max_tokens, s.temperature, s.top_p, (HARD_CLOSE,), s.seed, grammar=grammar
        )


def constrain(request: GenerationRequest, inp: ConjectureInput, known_names: bool = True) -> GenerationRequest:
    """`request` (e.g. one the self-play context built within its token budget) for `inp`'s prompt, constrained to
    the statement grammar and cut at STP's closing tag."""
    grammar = conjecture_grammar(inp.seed.system, inp.names() if known_names else ())
    stop = request.stop if HARD_CLOSE in request.stop else request.stop + (HARD_CLOSE,)
    return replace(request, grammar=grammar, stop=stop)


@dataclass(frozen=True)
class ConjectureDecoding:
    """How conjectures are sampled: STP samples at temperature 1 (RL/run_RL_train.sh); `constrained` keeps every
    sample inside the statement grammar (conjecturer/grammar.py)."""

    max_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    seed: Optional[int] = None
    constrained: bool = True
    known_names: bool = True  # terms use only `ConjectureInput.names()` and short variables (x, n1, h')


def parse_conjectures(inp: ConjectureInput, texts: Sequence[str]) -> tuple[list[Conjecture], int]:
    """The conjectures in the generated `texts`, renamed `prefix_i`; also how many did not parse
    (RL/utils/RL_utils.py:53-74). STP renames nothing: it keeps the model's name and keys a conjecture by its statement
    text (model_utils.py:289-300, `insert_lemma`), which is our `written`; `prefix_i` only names our records so that
    two samples never clash in one proof-assistant file."""
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
