"""A model aligner for NL-FL bootstrapping: informal proof steps placed before the tactic lines they resemble most
(sentence-encoder cosine), in order (a monotone alignment found by dynamic programming)."""

from __future__ import annotations

from typing import Optional

import numpy as np


class EmbeddingAligner:
    name = "embedding"

    def __init__(self, encoder_name: Optional[str] = None):
        from .dense import Encoder

        self.encoder = Encoder(encoder_name)

    def __call__(self, steps: list[str], tactics: list[str]) -> list[int]:
        sims = self.encoder.encode(steps) @ self.encoder.encode([t.strip() for t in tactics]).T
        return monotone_alignment(sims)


def monotone_alignment(scores: np.ndarray) -> list[int]:
    """For each row (step) a column (tactic line), non-decreasing, maximising the summed score."""
    n_steps, n_tactics = scores.shape
    best = np.full((n_steps, n_tactics), -np.inf)
    back = np.zeros((n_steps, n_tactics), dtype=int)
    best[0] = scores[0]
    for i in range(1, n_steps):
        running, arg = -np.inf, 0
        for j in range(n_tactics):
            if best[i - 1, j] > running:
                running, arg = best[i - 1, j], j
            best[i, j] = running + scores[i, j]
            back[i, j] = arg
    j = int(np.argmax(best[-1]))
    path = [j]
    for i in range(n_steps - 1, 0, -1):
        j = int(back[i, j])
        path.append(j)
    return path[::-1]
