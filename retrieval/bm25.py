"""BM25 over premise statements: the baseline every learned retriever must beat."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Optional

import numpy as np

from .corpus import PremiseCorpus


def tokenize(text: str) -> list[str]:
    """Identifiers split on dots and underscores, lower-cased; symbols dropped."""
    tokens = []
    for word in re.findall(r"[A-Za-z0-9_.']+", text):
        tokens.append(word.lower())
        tokens += [p.lower() for p in re.split(r"[._']+", word) if p and p.lower() != word.lower()]
    return tokens


class BM25Retriever:
    name = "bm25"

    def __init__(self, corpus: PremiseCorpus, k1: float = 1.2, b: float = 0.75):
        self.corpus = corpus
        self.k1, self.b = k1, b
        docs = [tokenize(p.text()) for p in corpus.premises]
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if len(docs) else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for tok, tf in Counter(d).items():
                self.postings[tok].append((i, tf))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: str) -> np.ndarray:
        s = np.zeros(len(self.corpus), dtype=np.float32)
        for tok in set(tokenize(query)):
            idf = self.idf.get(tok)
            if idf is None:
                continue
            for i, tf in self.postings[tok]:
                s[i] += idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg))
        return s

    def retrieve(self, query: str, candidates: Optional[np.ndarray], k: int) -> list[tuple[int, float]]:
        return top_k(self.scores(query), candidates, k)


def top_k(scores: np.ndarray, candidates: Optional[np.ndarray], k: int) -> list[tuple[int, float]]:
    """The k best (index, score) among `candidates` (all when None), best first."""
    idx = np.arange(len(scores)) if candidates is None else candidates
    if len(idx) == 0:
        return []
    sub = scores[idx]
    k = min(k, len(idx))
    best = np.argpartition(-sub, k - 1)[:k]
    best = best[np.argsort(-sub[best], kind="stable")]
    return [(int(idx[j]), float(sub[j])) for j in best]
