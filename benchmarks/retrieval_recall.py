"""Premise retrieval on held-out Coq standard-library files: BM25, the packaged all-MiniLM-L6-v2 encoder and the
encoder trained on the other files, on the same queries (every traced tactic of the held-out files that uses a
premise) among the premises accessible to each, with recall@1/10/100, MRR and query latency, in one run.

    .venv/bin/python benchmarks/retrieval_recall.py --data runs/traced-coq          # after `stp data trace`
    .venv/bin/python benchmarks/retrieval_recall.py --data runs/traced-coq --files 'theories/Arith/*.v' ...   # traces first
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from data.traced import build_dataset, read_jsonl, trace_library
from retrieval import BM25Retriever, DenseRetriever, Encoder, PremiseCorpus, evaluate
from retrieval.train import train_encoder


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="runs/traced-coq")
    p.add_argument("--files", action="append", help="trace these library files first (globs)")
    p.add_argument("--trained", help="an encoder already trained on this data's novel_files/train split")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-examples", type=int)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    data = Path(args.data)
    if args.files:
        trace_library("coq", data, args.files)
        build_dataset(data)
    corpus = PremiseCorpus.load(data / "corpus.jsonl")
    train = read_jsonl(data / "splits" / "novel_files" / "train.jsonl")
    test = read_jsonl(data / "splits" / "novel_files" / "test.jsonl")
    trained_dir = args.trained
    train_stats = {}
    if not trained_dir:
        trained_dir = str(data / "retriever-benchmark")
        t0 = time.monotonic()
        train_stats = train_encoder(
            train, corpus, Path(trained_dir), epochs=args.epochs, max_examples=args.max_examples
        )
        train_stats["seconds"] = round(time.monotonic() - t0, 1)
    rows = [evaluate(BM25Retriever(corpus), test, corpus)]
    for label, name in (("packaged MiniLM", None), ("trained MiniLM", trained_dir)):
        t0 = time.monotonic()
        dense = DenseRetriever(Encoder(name), corpus)
        row = evaluate(dense, test, corpus)
        row["retriever"], row["index_seconds"] = label, round(time.monotonic() - t0, 1)
        rows.append(row)
    result = {
        "premises": len(corpus),
        "train_theorems": len(train),
        "test_theorems": len(test),
        "training": train_stats,
        "rows": rows,
        "trained_over_bm25_recall@10": round(rows[2]["recall@10"] / max(rows[0]["recall@10"], 1e-9), 2),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"held-out files (novel_files/test): {rows[0]['queries']} tactics using a premise; {len(corpus)} premises; "
        f"trained on {len(train)} theorems of the other files {train_stats or ''}"
    )
    print(f"  {'retriever':<16} {'R@1':>7} {'R@10':>7} {'R@100':>7} {'MRR':>7} {'ms/query':>9}")
    for r in rows:
        print(
            f"  {r['retriever']:<16} {r['recall@1']:7.3f} {r['recall@10']:7.3f} {r['recall@100']:7.3f} "
            f"{r['mrr']:7.3f} {r['ms_per_query']:9.2f}"
        )
    print(f"  trained / BM25 recall@10: {result['trained_over_bm25_recall@10']}x")


if __name__ == "__main__":
    main()
