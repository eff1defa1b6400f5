"""Recall@k and mean reciprocal rank of retrievers on held-out traced tactics, among accessible premises."""

from __future__ import annotations

import time
from typing import Iterable, Protocol, Sequence

import numpy as np

from data.traced import tactic_examples

from .corpus import PremiseCorpus


class Retriever(Protocol):
    name: str

    def retrieve(self, query: str, candidates, k: int) -> list[tuple[int, float]]: ...


def evaluate(
    retriever: Retriever, theorems: Iterable[dict], corpus: PremiseCorpus, ks: Sequence[int] = (1, 10, 100)
) -> dict:
    recalls = {k: [] for k in ks}
    rr, latencies = [], []
    for ex in tactic_examples(theorems):
        positives = {corpus.index_of[p] for p in ex["premises"] if p in corpus.index_of}
        if not positives:
            continue
        candidates = corpus.accessible(ex["file_path"], ex["start"])
        t0 = time.perf_counter()
        ranked = [i for i, _ in retriever.retrieve(ex["state"], candidates, max(ks))]
        latencies.append(time.perf_counter() - t0)
        for k in ks:
            recalls[k].append(len(positives & set(ranked[:k])) / len(positives))
        first = next((r for r, i in enumerate(ranked) if i in positives), None)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
    n = len(rr)
    out = {"retriever": retriever.name, "queries": n}
    for k in ks:
        out[f"recall@{k}"] = round(float(np.mean(recalls[k])), 4) if n else 0.0
    out["mrr"] = round(float(np.mean(rr)), 4) if n else 0.0
    out["ms_per_query"] = round(1000 * float(np.median(latencies)), 2) if n else 0.0
    return out
