"""The settings of STP's selection of conjectures worth training on (the steps are in `selfplay/stp.py`): proved
at least once but rarely (barely provable), relabelled "no lemma" when the proof does not invoke their lemma, the
least elegant fifth of each lemma group dropped, and matched to the targets still unsolved."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SelectionSettings:
    """STP's selection (RL/utils/RL_utils.py:464-500, 79-101, 370-381, 607-638) by default; `require_lemma_use`,
    `matching: soft` and `embedder: minilm` are our variants, off by default."""

    min_pass_rate: float = 0.0  # exclusive: proved at least once
    max_pass_rate: float = 0.25  # exclusive (CONJECTURE_THRESHOLD, RL_utils.py:28, 481)
    # STP relabels a conjecture whose proofs do not invoke its lemma as "no lemma" (RL_utils.py:487-497); with
    # require_lemma_use it is dropped instead.
    require_lemma_use: bool = False
    elegance_drop: float = 0.2  # per lemma group, the fraction with the lowest proof/statement length ratio
    # "stp": each unsolved target adds N/M to its nearest conjecture, a conjecture is masked once its weight reaches
    # weight_cap, unmatched conjectures are dropped. "soft": weight exp(sharpness (similarity - mean)) capped at
    # weight_cap, nothing dropped.
    matching: str = "stp"
    weight_cap: float = 4.0
    similarity_sharpness: float = 5.0
    # "policy": embeddings are the current checkpoint's mean-pooled last hidden states (RL/utils/embedding_utils.py,
    # created from the round's model at RL_utils.py:535); "minilm": the packaged sentence encoder.
    embedder: str = "policy"
