"""Retrieval end to end on a small corpus traced for real from Coq's standard library."""

from __future__ import annotations

import numpy as np
import pytest

from stp_prover.data.traced import read_jsonl
from stp_prover.itp import State, Theorem
from stp_prover.prover.prompts import tactic_prompt
from stp_prover.retrieval import (
    BM25Retriever,
    DenseRetriever,
    Encoder,
    PremiseCorpus,
    evaluate,
    premise_source,
    tokenize,
)


@pytest.fixture(scope="module")
def corpus(traced_dir):
    return PremiseCorpus.load(traced_dir / "corpus.jsonl")


@pytest.fixture(scope="module")
def packaged():
    return Encoder()


def test_accessible_premises_are_earlier_in_the_file_or_imported(corpus):
    idx = corpus.accessible("theories/Arith/Between.v", 80)
    files = {corpus.premises[i].file for i in idx}
    assert files <= {"theories/Arith/Between.v"} | corpus.imports["theories/Arith/Between.v"]
    assert all(corpus.premises[i].line < 80 for i in idx if corpus.premises[i].file.endswith("Between.v"))
    later = [i for i, p in enumerate(corpus.premises) if p.file.endswith("Between.v") and p.line > 80]
    assert later and not set(later) & set(idx.tolist())


def test_bm25_ranks_within_the_candidates(corpus):
    assert tokenize("Nat.add_comm n") == ["nat.add_comm", "nat", "add", "comm", "n"]
    bm25 = BM25Retriever(corpus)
    candidates = corpus.accessible("theories/Arith/Wf_nat.v", 10**6)
    hits = bm25.retrieve("lt_wf well founded lt", candidates, 5)
    assert len(hits) == 5 and set(i for i, _ in hits) <= set(candidates.tolist())
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_dense_index_roundtrip_and_recall(tmp_path, traced_dir, corpus, packaged):
    dense = DenseRetriever(packaged, corpus)
    assert dense.embeddings.shape == (len(corpus), 384)
    assert np.allclose(np.linalg.norm(dense.embeddings, axis=1), 1.0, atol=1e-3)
    dense.save(tmp_path / "index", traced_dir / "corpus.jsonl")
    loaded = DenseRetriever.load(tmp_path / "index")
    q = "n : nat\n============================\nn < S n"
    assert loaded.retrieve(q, None, 3) == dense.retrieve(q, None, 3)
    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    for r in (evaluate(BM25Retriever(corpus), theorems, corpus), evaluate(dense, theorems, corpus)):
        assert r["queries"] > 10 and 0.0 <= r["recall@1"] <= r["recall@10"] <= r["recall@100"] <= 1.0
        assert 0.0 < r["mrr"] <= 1.0 and r["ms_per_query"] > 0


def test_an_index_of_another_corpus_is_refused(tmp_path, traced_dir, corpus, packaged):
    import shutil

    from stp_prover.data import DataError
    from stp_prover.retrieval import StaleIndex

    corpus_path = tmp_path / "corpus.jsonl"
    shutil.copy(traced_dir / "corpus.jsonl", corpus_path)
    DenseRetriever(packaged, PremiseCorpus.load(corpus_path)).save(tmp_path / "index", corpus_path)
    assert DenseRetriever.load(tmp_path / "index").embeddings.shape[0] == len(corpus)
    # Same number of premises, one statement changed: the embeddings no longer match what they stand for.
    corpus_path.write_text(corpus_path.read_text().replace("in_int_intro :", "in_int_intro' :", 1))
    assert len(PremiseCorpus.load(corpus_path)) == len(corpus)
    with pytest.raises(StaleIndex, match="another version of .*corpus.jsonl.*stp retrieval index"):
        DenseRetriever.load(tmp_path / "index")
    with pytest.raises(DataError):  # what `prove --retriever` and `stp eval --retriever` report as bad input
        premise_source(str(tmp_path / "index"))


def test_training_produces_an_encoder_that_loads(tmp_path, traced_dir, corpus):
    from stp_prover.retrieval.train import train_encoder, training_triples

    theorems = read_jsonl(traced_dir / "theorems.jsonl")
    triples = training_triples(theorems, corpus)
    assert triples and all(t["positive"] != t["negative"] for t in triples)
    stats = train_encoder(theorems, corpus, tmp_path / "enc", epochs=1, batch_size=8, max_examples=24)
    assert stats["examples"] == 24
    trained = DenseRetriever(Encoder(str(tmp_path / "enc")), corpus)
    assert trained.embeddings.shape == (len(corpus), 384)


def test_provers_get_accessible_premises_from_the_index(tmp_path, traced_dir, corpus, packaged):
    DenseRetriever(packaged, corpus).save(tmp_path / "index", traced_dir / "corpus.jsonl")
    source = premise_source(str(tmp_path / "index"), k=4)
    thm = Theorem("t", "coq", "Require Import Wf_nat.\n", "Theorem t : well_founded lt.")
    premises = source(State(thm, "============================\nwell_founded lt"))
    names = [p.full_name for p in premises]
    assert len(names) == 4 and all(n.startswith("Coq.") for n in names)
    # The tactic prompt shows the premises' statements, as ReProver's does, not just their names.
    prompt = tactic_prompt("well_founded lt", premises)
    assert all(p.code in prompt for p in premises) and prompt.endswith("well_founded lt")
    nothing = Theorem("u", "coq", "Require Import Reals.\n", "Theorem u : True.")
    assert source(State(nothing, "True")) == []  # nothing of the corpus is imported
