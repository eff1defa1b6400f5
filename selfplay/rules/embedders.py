"""Embedders for matching conjectures to targets (`selection.embedder`): `fn(ctx, texts)` returns one row per text.
A new one is one function under `@EMBEDDERS.register("name")`."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Callable

import numpy as np

from .registry import Registry

if TYPE_CHECKING:
    from ..context import Context

Embedder = Callable[["Context", list[str]], np.ndarray]
EMBEDDERS: Registry[Embedder] = Registry("embedder")


@EMBEDDERS.register("policy")
def policy_embeddings(ctx: "Context", texts: list[str]) -> np.ndarray:
    """STP's: the current checkpoint's embeddings, computed by the policy actor (RL/utils/embedding_utils.py)."""
    return np.array(ctx.workers.get(ctx.workers.policy.embed.remote(texts), "embeddings from the policy actor"))


@functools.lru_cache(maxsize=1)
def _sentence_encoder():
    from stp_prover.retrieval.dense import Encoder

    return Encoder(None)  # loaded once per process: selection embeds conjectures and targets separately


@EMBEDDERS.register("minilm")
def minilm_embeddings(ctx: "Context", texts: list[str]) -> np.ndarray:
    """Ours: the packaged sentence encoder, independent of the model being trained."""
    return np.asarray(_sentence_encoder().encode(texts))


def similarity(ctx: "Context", conjectures: list[str], targets: list[str]) -> np.ndarray:
    """Cosine similarity of conjectures (rows) to targets (columns) under the run's `selection.embedder`."""
    embed = EMBEDDERS.get(ctx.cfg.selection.embedder)
    a, b = np.asarray(embed(ctx, conjectures)), np.asarray(embed(ctx, targets))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a @ b.T
