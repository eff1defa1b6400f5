"""Recall@k and mean reciprocal rank of retrievers on held-out traced tactics, among accessible premises."""

from __future__ import annotations

import random
import time
from typing import Iterable, Optional, Protocol, Sequence

import numpy as np

from stp_prover.data.traced import tactic_examples

from .corpus import PremiseCorpus


class Retriever(Protocol):
    name: str

    def retrieve(self, query: str, candidates, k: int) -> list[tuple[int, float]]: ...


def evaluate(
    retriever: Retriever,
    theorems: Iterable[dict],
    corpus: PremiseCorpus,
    ks: Sequence[int] = (1, 10, 100),
    max_queries: Optional[int] = None,
    seed: int = 0,
) -> dict:
    """Recall@k (share of a tactic's premises in the top k) and MRR over the tactics that use a premise of the
    corpus, among the premises accessible to each; at most `max_queries` of them, drawn with `seed`. Retrievers
    with `retrieve_many` get the queries in one batch; ms_per_query is the total time over the queries."""
    queries = []
    for ex in tactic_examples(theorems):
        positives = {corpus.index_of[p] for p in ex["premises"] if p in corpus.index_of}
        if positives:
            queries.append((ex["state"], corpus.accessible(ex["file_path"], ex["start"]), positives))
    if max_queries and len(queries) > max_queries:
        queries = [queries[i] for i in sorted(random.Random(seed).sample(range(len(queries)), max_queries))]
    t0 = time.perf_counter()
    if hasattr(retriever, "retrieve_many"):
        results = retriever.retrieve_many([q for q, _, _ in queries], [c for _, c, _ in queries], max(ks))
    else:
        results = [retriever.retrieve(q, c, max(ks)) for q, c, _ in queries]
    seconds = time.perf_counter() - t0
    recalls: dict[int, list[float]] = {k: [] for k in ks}
    rr = []
    for (_, _, positives), hits in zip(queries, results):
        ranked = [i for i, _ in hits]
        for k in ks:
            recalls[k].append(len(positives & set(ranked[:k])) / len(positives))
        first = next((r for r, i in enumerate(ranked) if i in positives), None)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
    n = len(rr)
    out = {"retriever": retriever.name, "queries": n}
    for k in ks:
        out[f"recall@{k}"] = round(float(np.mean(recalls[k])), 4) if n else 0.0
    out["mrr"] = round(float(np.mean(rr)), 4) if n else 0.0
    out["ms_per_query"] = round(1000 * seconds / n, 2) if n else 0.0
    return out
