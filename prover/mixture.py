"""A tactic policy that adds to the default instead of replacing it: candidates of several policies (a model, the
memory, the built-in portfolio) merged by calibrated score."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from stp_prover.itp import State
from stp_prover.policy import Candidate, TacticPolicy


def calibrated(candidates: list[Candidate]) -> dict[str, float]:
    """One policy's candidates as probabilities over its own list (a softmax of its log-probabilities): the scales
    differ between policies (a model's sequence log-probabilities, the portfolio's rank prior), their shares do not."""
    if not candidates:
        return {}
    top = max(c.logprob for c in candidates)
    weights: dict[str, float] = defaultdict(float)
    for c in candidates:
        weights[c.text.strip()] += math.exp(c.logprob - top)
    total = sum(weights.values())
    return {t: w / total for t, w in weights.items() if t}


@dataclass
class MixturePart:
    policy: TacticPolicy
    weight: float = 1.0
    name: str = ""
    keep: bool = False  # every candidate of this part is tried (after the merged top n): the default stays whole


class MixtureTacticPolicy(TacticPolicy):
    """Each part's calibrated probabilities, weighted and summed per tactic; a tactic several parts propose ranks
    higher. The log of the mixture probability is the candidate's score, so best-first search orders by it. The
    merged top n is returned, then what a `keep` part proposed that fell below it (the mixture adds to the
    portfolio, it never drops one of its candidates)."""

    def __init__(self, parts: list[MixturePart]):
        if not parts:
            raise ValueError("a mixture needs at least one policy")
        self.parts = parts

    def suggest(self, state: State, n: int) -> list[Candidate]:
        total_weight = sum(p.weight for p in self.parts) or 1.0
        score: dict[str, float] = defaultdict(float)
        order: dict[str, int] = {}
        kept: set[str] = set()
        for part in self.parts:
            for text, p in calibrated(part.policy.suggest(state, n)).items():
                score[text] += part.weight / total_weight * p
                order.setdefault(text, len(order))
                if part.keep:
                    kept.add(text)
        ranked = sorted(score, key=lambda t: (-score[t], order[t]))
        chosen = ranked[:n] + [t for t in ranked[n:] if t in kept]
        return [Candidate(t, math.log(score[t])) for t in chosen]
