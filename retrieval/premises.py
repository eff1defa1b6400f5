"""Premises for the provers: a function from a proof state to the best accessible premises (name and statement)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from stp_prover.itp import State

from .bm25 import BM25Retriever
from .corpus import Premise, PremiseCorpus
from .dense import DenseRetriever


def premise_source(index: str, k: int = 8) -> Callable[[State], list[Premise]]:
    """`index` is a dense index folder (from `stp retrieval index`) or a corpus.jsonl for BM25. Premises are
    filtered by what the theorem's header imports before the top k are taken. Tactic policies write a premise's
    `full_name`; prompts show its `code`, as ReProver's do. Raises StaleIndex for an index of another corpus."""
    path = Path(index)
    retriever = DenseRetriever.load(path) if path.is_dir() else BM25Retriever(PremiseCorpus.load(path))
    corpus = retriever.corpus
    cache: dict[str, object] = {}

    def source(state: State) -> list[str]:
        header = state.theorem.header
        if header not in cache:
            cache[header] = corpus.accessible_from_imports(header)
        return [corpus.premises[i] for i, _ in retriever.retrieve(state.text, cache[header], k)]

    return source
