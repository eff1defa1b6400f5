"""Train the premise encoder: one shared encoder with mean-pooled, normalised embeddings for states and premises
(as ReProver's retriever); the loss is sentence-transformers' MultipleNegativesRankingLoss, a softmax cross-entropy
over the other examples' premises in the batch plus one hard negative per example (the best-scoring wrong premise
BM25 finds among the accessible ones). ReProver differs in the loss and the negatives (it regresses cosine
similarities onto 0/1 labels and samples several negatives among the accessible premises, some from the same file)."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from stp_prover.data.traced import tactic_examples

from .bm25 import BM25Retriever
from .corpus import PremiseCorpus
from .dense import encoder_path


def training_triples(
    theorems: Iterable[dict], corpus: PremiseCorpus, max_examples: Optional[int] = None, seed: int = 0
) -> list[dict]:
    """(state, used premise, hard negative) triples, tactics taken in a seeded random order until `max_examples`
    (BM25 is asked only for the tactics used)."""
    bm25 = BM25Retriever(corpus)
    rng = random.Random(seed)
    examples = [ex for ex in tactic_examples(theorems) if any(p in corpus.index_of for p in ex["premises"])]
    rng.shuffle(examples)
    triples = []
    for ex in examples:
        if max_examples and len(triples) >= max_examples:
            break
        positives = [corpus.index_of[p] for p in ex["premises"] if p in corpus.index_of]
        candidates = corpus.accessible(ex["file_path"], ex["start"])
        negatives = [i for i, _ in bm25.retrieve(ex["state"], candidates, 10) if i not in positives]
        if not negatives and len(candidates):
            negatives = [int(rng.choice(candidates))]
        if not negatives:
            continue
        for pos in positives:
            triples.append(
                {
                    "anchor": ex["state"],
                    "positive": corpus.premises[pos].text(),
                    "negative": corpus.premises[negatives[0]].text(),
                }
            )
    rng.shuffle(triples)
    return triples[:max_examples] if max_examples else triples


def train_encoder(
    theorems: list[dict],
    corpus: PremiseCorpus,
    out: Path,
    base: Optional[str] = None,
    epochs: float = 1.0,
    batch_size: int = 32,
    learning_rate: float = 3e-5,
    max_examples: Optional[int] = None,
    seed: int = 0,
    max_seq_length: Optional[int] = None,
) -> dict:
    """Fine-tune `base` (default: the packaged MiniLM) and save it to `out`; returns training statistics.
    `max_seq_length` truncates states and premises (tokens) to make CPU training cheaper."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import (
        BatchSamplers,
        SentenceTransformerTrainingArguments,
    )

    triples = training_triples(theorems, corpus, max_examples, seed)
    if not triples:
        raise ValueError("no training examples: no traced tactic used a premise of the corpus")
    model = SentenceTransformer(encoder_path(base), device="cpu")
    if max_seq_length:
        model.max_seq_length = max_seq_length
    with tempfile.TemporaryDirectory(prefix="stp-retriever-") as tmp:
        args = SentenceTransformerTrainingArguments(
            output_dir=tmp,
            num_train_epochs=epochs,
            per_device_train_batch_size=batch_size,
            learning_rate=learning_rate,
            warmup_ratio=0.1,
            save_strategy="no",
            report_to=[],
            seed=seed,
            logging_steps=50,
            batch_sampler=BatchSamplers.NO_DUPLICATES,
            disable_tqdm=True,
            use_cpu=True,
        )
        trainer = SentenceTransformerTrainer(
            model=model, args=args, train_dataset=Dataset.from_list(triples), loss=MultipleNegativesRankingLoss(model)
        )
        result = trainer.train()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return {"examples": len(triples), "epochs": epochs, "loss": round(float(result.training_loss), 4)}
