"""Typed records the self-play stages pass each other (and write to the run folder as JSON)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

from stp_prover.conjecturer import Conjecture
from stp_prover.itp import Theorem

from .stp import ConjectureExample, ConjectureInput


@dataclass(frozen=True)
class CheckedConjecture:
    """A conjecture as generated, with the check it got ("ok" when checks are off: STP samples every one)."""

    name: str
    statement: str
    seed: str
    lemma: Optional[str]
    source: str
    edit: str = ""
    written: str = ""
    check: str = "ok"

    @classmethod
    def of(cls, c: Conjecture, check: str) -> "CheckedConjecture":
        return cls(c.name, c.statement, c.seed, c.lemma, c.source, c.edit, c.written, check)


@dataclass
class GeneratedInput:
    """One conjecture input (a seed proof and a lemma, or a seed's mutations) and what came of it: a conjectures.jsonl
    line."""

    input: str  # the input's index, or "mutations:SEED"
    seed: str
    statement: str
    proof: str
    lemma: str
    lemma_statement: str
    unparsable: int
    conjectures: list[CheckedConjecture]

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "conjectures": [dataclasses.asdict(c) for c in self.conjectures]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "GeneratedInput":
        return cls(**{**d, "conjectures": [CheckedConjecture(**c) for c in d["conjectures"]]})

    @classmethod
    def of(cls, key: str, inp: ConjectureInput, unparsable: int, made: list[CheckedConjecture]) -> "GeneratedInput":
        return cls(key, inp.seed, inp.statement, inp.proof, inp.lemma, inp.lemma_statement, unparsable, made)


@dataclass(frozen=True)
class PooledConjecture:
    """A conjecture kept for sampling, with the input that produced it."""

    name: str
    statement: str
    written: str
    seed: str
    lemma: Optional[str]
    source: str
    seed_proof: str
    lemma_statement: str

    def theorem(self, seed: Theorem) -> Theorem:
        return Conjecture(self.name, self.statement, self.seed, self.lemma or None, self.source).theorem(seed)

    def meta(self) -> dict[str, Any]:
        """What its sampling summary carries, so a resumed run can rebuild the theorem."""
        return {"seed": self.seed, "lemma": self.lemma, "source": self.source}

    def as_input(self, seed_statement: str) -> ConjectureInput:
        return ConjectureInput(self.seed, seed_statement, self.seed_proof, self.lemma or "", self.lemma_statement)


@dataclass
class Refutations:
    """The disprove channel's result for one seed: a counterexamples.jsonl line."""

    seed: str
    counterexamples: list[dict[str, Any]]  # data.counterexamples.Counterexample.to_dict()
    rejected: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class ConjectureRound:
    """Stage A's output: the inputs, every generated conjecture, the pool to sample, the refuted false variants."""

    inputs: list[ConjectureInput] = field(default_factory=list)
    generated: list[GeneratedInput] = field(default_factory=list)
    pool: list[PooledConjecture] = field(default_factory=list)
    refutations: list[Refutations] = field(default_factory=list)
    per_input: int = 0


@dataclass
class Selection:
    """Stage C's output: the conjecturer examples kept and how many survived each filter."""

    examples: list[ConjectureExample]
    funnel: dict[str, int]


@dataclass
class Trained:
    """Stage D's output (RUN/round-NNN/model.json)."""

    checkpoint_in: str
    checkpoint_out: str
    report: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class HeldOut:
    """Stage E's output: the model alone on the held-out statements."""

    proved: int = 0
    total: int = 0
    mean_pass_rate: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "heldout_proved": self.proved,
            "heldout_total": self.total,
            "heldout_mean_pass_rate": self.mean_pass_rate,
        }
