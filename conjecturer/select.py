"""STP's selection of conjectures worth training on: proved at least once but rarely (barely provable), proved with
the lemma they were conjectured from, the least elegant fifth of each lemma group dropped, and weights that favour
conjectures resembling the targets still unsolved."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

# conjecture texts, target texts -> for each conjecture its highest similarity to any target
Similarity = Callable[[list[str], list[str]], list[float]]


@dataclass
class SelectionSettings:
    min_pass_rate: float = 0.0  # exclusive: proved at least once
    max_pass_rate: float = 0.25  # exclusive
    require_lemma_use: bool = True  # only where the conjecture had a lemma
    elegance_drop: float = 0.2  # per lemma group, the fraction with the lowest proof/statement length ratio
    weight_cap: float = 4.0
    similarity_sharpness: float = 5.0  # weight = exp(sharpness * (similarity - mean similarity)), capped


@dataclass
class Outcome:
    """What sampling found for one conjecture."""

    name: str
    statement: str
    lemma: Optional[str]
    samples: int
    correct: int
    proofs: list[str] = field(default_factory=list)  # distinct verified proofs

    @property
    def pass_rate(self) -> float:
        return self.correct / self.samples if self.samples else 0.0


@dataclass
class Selected:
    outcome: Outcome
    weight: float
    seed: Optional[str] = None  # the statement it was conjectured from, filled in by the caller that knows it


def uses_lemma(proof: str, lemma: str) -> bool:
    """The proof mentions the lemma: its last name component as a whole word, qualified or not."""
    short = lemma.split(".")[-1]
    return re.search(rf"(?<![\w.'])(?:[A-Za-z_][\w']*\.)*{re.escape(short)}(?![\w'])", proof) is not None


def select_conjectures(
    outcomes: Sequence[Outcome],
    settings: SelectionSettings,
    unsolved_targets: Sequence[str] = (),
    similarity: Optional[Similarity] = None,
) -> tuple[list[Selected], dict[str, int]]:
    """The selected conjectures with their weights, and how many were dropped for each reason."""
    dropped: dict[str, int] = defaultdict(int)
    kept: list[Outcome] = []
    for o in outcomes:
        if not o.correct or o.pass_rate <= settings.min_pass_rate:
            dropped["unproved"] += 1
        elif o.pass_rate >= settings.max_pass_rate:
            dropped["too_easy"] += 1
        elif settings.require_lemma_use and o.lemma and not any(uses_lemma(p, o.lemma) for p in o.proofs):
            dropped["lemma_unused"] += 1
        else:
            kept.append(o)
    groups: dict[Optional[str], list[Outcome]] = defaultdict(list)
    for o in kept:
        groups[o.lemma].append(o)
    elegant: list[Outcome] = []
    for group in groups.values():
        ranked = sorted(group, key=lambda o: min(len(p) for p in o.proofs) / max(1, len(o.statement)))
        cut = int(len(ranked) * settings.elegance_drop)
        dropped["inelegant"] += cut
        elegant += ranked[cut:]
    weights = [1.0] * len(elegant)
    if elegant and unsolved_targets and similarity is not None:
        sims = similarity([o.statement for o in elegant], list(unsolved_targets))
        mean = sum(sims) / len(sims)
        weights = [min(settings.weight_cap, math.exp(settings.similarity_sharpness * (s - mean))) for s in sims]
    return [Selected(o, round(w, 4)) for o, w in zip(elegant, weights)], dict(dropped)


def embedding_similarity(encoder_name: Optional[str] = None) -> Similarity:
    """Cosine similarity with a sentence encoder (the packaged MiniLM by default)."""
    from retrieval.dense import Encoder

    encoder = Encoder(encoder_name)

    def similarity(conjectures: list[str], targets: list[str]) -> list[float]:
        a, b = encoder.encode(conjectures), encoder.encode(targets)
        return [float(x) for x in (a @ b.T).max(axis=1)]

    return similarity
