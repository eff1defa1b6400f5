"""Two provers on the same problems, paired: who proves what the other does not, whether that split could be chance
(exact McNemar), and how fast each is on what both prove."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Iterable, Mapping, Optional


def mcnemar_exact(wins: int, losses: int) -> float:
    """Two-sided exact McNemar test: the probability, were each discordant problem a fair coin, of a split at least
    as uneven as `wins` against `losses`."""
    n = wins + losses
    if wins < 0 or losses < 0:
        raise ValueError("wins and losses are counts")
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class PairedComparison:
    """Arm b against arm a: proved counts, b's wins and losses, McNemar's p, median seconds on what both prove."""

    a: int
    b: int
    wins: int
    losses: int
    p_value: float
    both: int
    median_a_s: Optional[float]
    median_b_s: Optional[float]

    @property
    def median_ratio(self) -> Optional[float]:
        """b's median time-to-proof over a's (below 1: b is faster), on the problems both prove."""
        if not self.median_a_s or self.median_b_s is None:
            return None
        return self.median_b_s / self.median_a_s

    def to_dict(self) -> dict:
        ratio = self.median_ratio
        return {**asdict(self), "median_ratio": None if ratio is None else round(ratio, 3)}


def compare_arms(a: Mapping[str, dict], b: Mapping[str, dict], names: Iterable[str]) -> PairedComparison:
    """Compare two arms' result records (by problem name: `proved`, `seconds`) on `names`; a missing record counts
    as not proved."""
    names = list(names)
    pa = {n for n in names if a.get(n, {}).get("proved")}
    pb = {n for n in names if b.get(n, {}).get("proved")}
    both = sorted(pa & pb)
    wins, losses = len(pb - pa), len(pa - pb)

    def median(arm: Mapping[str, dict]) -> Optional[float]:
        return round(statistics.median(float(arm[n]["seconds"]) for n in both), 3) if both else None

    return PairedComparison(
        len(pa), len(pb), wins, losses, round(mcnemar_exact(wins, losses), 6), len(both), median(a), median(b)
    )
