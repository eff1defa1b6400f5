"""Premise retrieval on traced Coq standard-library data, on LeanDojo's two splits (random and novel_premises) drawn
with several seeds: BM25 (the baseline), the packaged all-MiniLM-L6-v2 encoder and that encoder trained on each
split's train part, on the same test queries (every test tactic that uses a premise, or a sample of them), among the
premises accessible to each. Prints recall@1/10/100 and MRR as mean ± standard deviation over the seeds, the
trained/BM25 recall@10 ratio, and how many test (tactic, premise) pairs use a premise that training also uses.
Each (split, seed) result is appended to --out as it is measured; a rerun skips the ones already there.

    .venv/bin/python benchmarks/retrieval_recall.py --data runs/traced-coq --seeds 0 1 2 --max-examples 1500

Dense encoders embed only the premises the sampled queries can rank (the others are never candidates).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import numpy as np

from stp_prover.data.traced import SPLITS, read_jsonl, split_theorems
from stp_prover.retrieval import BM25Retriever, DenseRetriever, Encoder, PremiseCorpus, evaluate
from stp_prover.retrieval.train import train_encoder

METRICS = ("recall@1", "recall@10", "recall@100", "mrr")


def seen_in_training(train: list[dict], test: list[dict]) -> float:
    """Share of the test's (tactic, premise) pairs whose premise some training tactic uses too."""
    used = {p for t in train for tac in t["traced_tactics"] for p in tac["premises"]}
    pairs = [p for t in test for tac in t["traced_tactics"] for p in tac["premises"]]
    return sum(p in used for p in pairs) / max(len(pairs), 1)


def needed_premises(corpus: PremiseCorpus, test: list[dict], max_queries: int, seed: int) -> np.ndarray:
    """Indices of the premises the sampled test queries can rank (their accessible ones): only these need embedding."""
    from stp_prover.data.traced import tactic_examples

    queries = [ex for ex in tactic_examples(test) if any(p in corpus.index_of for p in ex["premises"])]
    if max_queries and len(queries) > max_queries:  # the same draw as `evaluate`'s
        queries = [queries[i] for i in sorted(random.Random(seed).sample(range(len(queries)), max_queries))]
    idx = set()
    for ex in queries:
        idx.update(corpus.accessible(ex["file_path"], ex["start"]).tolist())
    return np.array(sorted(idx), dtype=np.int64)


_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id(encoder) -> (embeddings, which rows are computed)


def dense(encoder: Encoder, corpus: PremiseCorpus, needed: np.ndarray, reuse: bool = False) -> DenseRetriever:
    """A dense retriever whose premise embeddings are computed for `needed` only (the rest are never candidates);
    with `reuse`, rows already computed for this encoder (the packaged one, across seeds) are kept."""
    fresh = (np.zeros((len(corpus), 384), np.float32), np.zeros(len(corpus), bool))
    emb, done = _CACHE.setdefault(id(encoder), fresh) if reuse else fresh
    todo = needed[~done[needed]] if len(needed) else needed
    if len(todo):
        emb[todo] = encoder.encode([corpus.premises[i].text() for i in todo])
        done[todo] = True
    return DenseRetriever(encoder, corpus, emb)


def measure(args, corpus: PremiseCorpus, theorems: list[dict], split: str, seed: int, packaged: Encoder) -> dict:
    parts = split_theorems(theorems, split, seed)
    train, test = parts["train"], parts["test"]
    needed = needed_premises(corpus, test, args.max_queries, seed)
    row = {
        "split": split,
        "seed": seed,
        "train_theorems": len(train),
        "test_theorems": len(test),
        "test_pairs_seen_in_training": round(seen_in_training(train, test), 3),
    }
    retrievers = [("bm25", BM25Retriever(corpus)), ("packaged", dense(packaged, corpus, needed, reuse=True))]
    row["premises_embedded"] = len(needed)
    if not args.no_train:
        retrievers.append(("trained", dense(trained_encoder(args, corpus, train, split, seed, row), corpus, needed)))
    row["results"] = {}
    for label, retriever in retrievers:
        row["results"][label] = evaluate(retriever, test, corpus, max_queries=args.max_queries, seed=seed)
    return row


def trained_encoder(args, corpus: PremiseCorpus, train: list[dict], split: str, seed: int, row: dict) -> Encoder:
    t0 = time.monotonic()
    enc_dir = Path(args.work) / f"encoder-{split}-{seed}"
    row["training"] = train_encoder(
        train,
        corpus,
        enc_dir,
        epochs=args.epochs,
        max_examples=args.max_examples,
        seed=seed,
        max_seq_length=args.max_seq_length,
    )
    row["training"]["seconds"] = round(time.monotonic() - t0, 1)
    trained = Encoder(str(enc_dir))
    trained.model.max_seq_length = args.max_seq_length
    return trained


def summarise(rows: list[dict]) -> None:
    for split in SPLITS:
        mine = [r for r in rows if r["split"] == split]
        if not mine:
            continue
        seen = [r["test_pairs_seen_in_training"] for r in mine]
        print(
            f"\n{split}: seeds {[r['seed'] for r in mine]}, {mine[0]['results']['bm25']['queries']} test queries "
            f"per seed, {statistics.mean(seen):.0%} of test (tactic, premise) pairs use a premise seen in training"
        )
        print(f"  {'retriever':<10} " + " ".join(f"{m:>15}" for m in METRICS) + f" {'ms/query':>9}")
        for label in [lab for lab in ("bm25", "packaged", "trained") if all(lab in r["results"] for r in mine)]:
            cells = []
            for m in METRICS:
                xs = [r["results"][label][m] for r in mine]
                sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
                cells.append(f"{statistics.mean(xs):.3f} ± {sd:.3f}".rjust(15))
            ms = statistics.mean(r["results"][label]["ms_per_query"] for r in mine)
            print(f"  {label:<10} " + " ".join(cells) + f" {ms:9.1f}")
        if not all("trained" in r["results"] for r in mine):
            continue
        ratios = [r["results"]["trained"]["recall@10"] / max(r["results"]["bm25"]["recall@10"], 1e-9) for r in mine]
        print(f"  trained / BM25 recall@10: {statistics.mean(ratios):.2f}x (per seed {[round(x, 2) for x in ratios]})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="runs/traced-coq", help="traced data (`stp data trace`)")
    p.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--max-examples", type=int, default=1500, help="training triples per encoder")
    p.add_argument("--max-queries", type=int, default=500, help="test queries per (split, seed), drawn at random")
    p.add_argument("--max-seq-length", type=int, default=128, help="tokens per state or premise (all encoders)")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--no-train", action="store_true", help="BM25 and the packaged encoder only")
    p.add_argument("--out", help="results JSONL (default DATA/retrieval_recall.jsonl); resumed")
    p.add_argument("--work", help="where trained encoders go (default DATA/retrieval-benchmark)")
    args = p.parse_args()
    data = Path(args.data)
    out = Path(args.out or data / "retrieval_recall.jsonl")
    args.work = args.work or str(data / "retrieval-benchmark")
    corpus = PremiseCorpus.load(data / "corpus.jsonl")
    theorems = read_jsonl(data / "theorems.jsonl")
    rows = read_jsonl(out) if out.exists() else []
    done = {(r["split"], r["seed"]) for r in rows}
    # Seed by seed, so an interrupted run still has every split at the seeds it finished.
    todo = [(s, seed) for seed in args.seeds for s in args.splits if (s, seed) not in done]
    print(f"{len(corpus)} premises, {len(theorems)} theorems; {len(todo)} (split, seed) runs to do", flush=True)
    packaged = Encoder()
    packaged.model.max_seq_length = args.max_seq_length
    for split, seed in todo:
        row = measure(args, corpus, theorems, split, seed, packaged)
        rows.append(row)
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        print(
            json.dumps(
                {k: row[k] for k in ("split", "seed", "test_pairs_seen_in_training")}
                | {lab: row["results"][lab]["recall@10"] for lab in row["results"]}
            ),
            flush=True,
        )
    summarise([r for r in rows if r["split"] in args.splits and r["seed"] in args.seeds])


if __name__ == "__main__":
    main()
