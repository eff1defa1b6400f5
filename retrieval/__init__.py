"""Premise corpora, BM25 and dense retrievers, the accessible-premise filter."""
