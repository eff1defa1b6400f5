"""A tactic policy that adds to the default instead of replacing it: candidates of several policies (a model, the
memory, the built-in portfolio) merged by calibrated score. A costly part (a model: seconds of CPU a call) is
deferred: asked only where the cheap parts' candidates of a node are spent, so it can add proofs but never delay the
portfolio's."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Optional

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
    deferred: bool = False  # asked only by `suggest_more`, once a node's other candidates are spent (a model)
    limit: Optional[int] = None  # at most this many candidates asked of the part (a model's small beam)


class MixtureTacticPolicy(TacticPolicy):
    """Each part's calibrated probabilities, weighted and summed per tactic; a tactic several parts propose ranks
    higher. The log of the mixture probability is the candidate's score, so best-first search orders by it. The
    merged top n is returned, then what a `keep` part proposed that fell below it (the mixture adds to the
    portfolio, it never drops one of its candidates). Deferred parts answer `suggest_more` alone, without the
    tactics `suggest` already gave for that state."""

    _REMEMBERED = 4096  # states whose `suggest` answer is kept, so `suggest_more` does not repeat it

    def __init__(self, parts: list[MixturePart]):
        if not parts:
            raise ValueError("a mixture needs at least one policy")
        if all(p.deferred for p in parts):
            raise ValueError("a mixture needs at least one part that is not deferred")
        self.parts = parts
        self._given: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._lock = threading.Lock()

    def suggest(self, state: State, n: int) -> list[Candidate]:
        chosen = self._merge([p for p in self.parts if not p.deferred], state, n)
        key = getattr(state, "text", "")
        with self._lock:
            self._given[key] = frozenset(c.text for c in chosen)
            self._given.move_to_end(key)
            while len(self._given) > self._REMEMBERED:
                self._given.popitem(last=False)
        return chosen

    @property
    def has_more(self) -> bool:
        return any(p.deferred for p in self.parts)

    def suggest_more(self, state: State, n: int) -> list[Candidate]:
        deferred = [p for p in self.parts if p.deferred]
        if not deferred:
            return []
        with self._lock:
            given = self._given.get(getattr(state, "text", ""), frozenset())
        return [c for c in self._merge(deferred, state, n) if c.text not in given]

    @staticmethod
    def _merge(parts: list[MixturePart], state: State, n: int) -> list[Candidate]:
        total_weight = sum(p.weight for p in parts) or 1.0
        score: dict[str, float] = defaultdict(float)
        order: dict[str, int] = {}
        kept: set[str] = set()
        for part in parts:
            asked = n if part.limit is None else min(n, part.limit)
            for text, p in calibrated(part.policy.suggest(state, asked)).items():
                score[text] += part.weight / total_weight * p
                order.setdefault(text, len(order))
                if part.keep:
                    kept.add(text)
        ranked = sorted(score, key=lambda t: (-score[t], order[t]))
        chosen = ranked[:n] + [t for t in ranked[n:] if t in kept]
        return [Candidate(t, math.log(score[t])) for t in chosen]
