"""The model aligner of NL-FL bootstrapping: monotone, and it follows the encoder's similarities."""

from __future__ import annotations

import numpy as np

from stp_prover.retrieval.align import EmbeddingAligner, monotone_alignment


def test_monotone_alignment_maximises_the_score_in_order():
    scores = np.array([[0.9, 0.1, 0.0], [0.0, 0.2, 0.8], [0.0, 0.9, 0.1]])
    # Greedy would take columns 0, 2, 1 (out of order); the best ordered choice is 0, 1, 1 (2.0 against 1.8 for 0, 2, 2).
    assert monotone_alignment(scores) == [0, 1, 1]
    assert monotone_alignment(np.array([[0.1], [0.2]])) == [0, 0]


def test_embedding_aligner_places_steps_near_the_tactics_they_describe():
    aligner = EmbeddingAligner()
    steps = [
        "Introduce the variables and hypotheses.",
        "Rewrite with the commutativity of addition.",
        "Finish with linear arithmetic.",
    ]
    tactics = ["  intros.", "  rewrite Nat.add_comm.", "  lia."]
    positions = aligner(steps, tactics)
    assert positions == sorted(positions) and positions[-1] == 2 and len(positions) == 3
