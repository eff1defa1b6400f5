"""What has worked on similar goals: per tactic family, its mean step time and, per goal feature, how often it made
progress. Best-first tries its expensive candidates in that order; cheap ones keep the policy's order."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass


@dataclass
class _Tally:
    tries: int = 0
    successes: int = 0
    seconds: float = 0.0


class TacticStats:
    """In-process statistics, shared by the searches of one process (thread-safe)."""

    def __init__(self, expensive_seconds: float = 0.25):
        self.expensive_seconds = expensive_seconds  # a family whose mean step takes longer is reordered
        self._cost: dict[str, _Tally] = defaultdict(_Tally)
        self._by_feature: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        self._lock = threading.Lock()

    def record(self, feature: str, family: str, success: bool, seconds: float) -> None:
        with self._lock:
            for tally in (self._cost[family], self._by_feature[(feature, family)]):
                tally.tries += 1
                tally.successes += int(success)
                tally.seconds += seconds

    def expensive(self, family: str) -> bool:
        with self._lock:
            t = self._cost.get(family)
            return t is not None and t.tries > 0 and t.seconds / t.tries > self.expensive_seconds

    def success_rate(self, feature: str, family: str) -> float:
        """Laplace-smoothed: an untried family on this feature gets 1/2."""
        with self._lock:
            t = self._by_feature.get((feature, family), _Tally())
            return (t.successes + 1) / (t.tries + 2)

    def order(self, items: list, feature: str, family_of) -> list:
        """`items` with the expensive ones (by `family_of(item)`) after the cheap ones, best success rate on
        `feature` first; the order is otherwise kept (a stable sort)."""
        keyed = []
        for i, item in enumerate(items):
            family = family_of(item)
            costly = self.expensive(family)
            keyed.append((costly, -self.success_rate(feature, family) if costly else 0.0, i, item))
        return [item for *_, item in sorted(keyed, key=lambda k: k[:3])]


# One table per process: a benchmark or server run learns across its theorems.
SHARED_STATS = TacticStats()
