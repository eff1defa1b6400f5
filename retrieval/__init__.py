"""Premise corpora, BM25 and dense retrievers, the accessible-premise filter, retriever training and recall@k."""

from .bm25 import BM25Retriever, tokenize, top_k
from .corpus import Premise, PremiseCorpus
from .dense import DEFAULT_ENCODER, DenseRetriever, Encoder, StaleIndex
from .evaluate import evaluate
from .premises import premise_source

__all__ = [
    "BM25Retriever",
    "DEFAULT_ENCODER",
    "DenseRetriever",
    "Encoder",
    "Premise",
    "PremiseCorpus",
    "StaleIndex",
    "evaluate",
    "premise_source",
    "tokenize",
    "top_k",
]
