"""`stp retrieval train|index|eval`: premise retrievers on traced data."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..errors import UsageError
from ..options import add_json_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retrieval", help="premise retrieval: train an encoder, index a corpus, evaluate recall@k")
    rsub = p.add_subparsers(dest="retrieval_command", required=True, metavar="ACTION")

    def data_args(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--data", default="runs/traced-coq", help="folder written by `stp data trace` or `stp data import-leandojo`"
        )
        q.add_argument(
            "--split",
            default="random",
            choices=["random", "novel_premises"],
            help="LeanDojo's splits: random, or novel_premises (each test theorem uses a premise unseen in training)",
        )

    t = rsub.add_parser("train", help="fine-tune the encoder on the training split (in-batch + hard negatives)")
    data_args(t)
    t.add_argument("--base", help="encoder to start from (default: the packaged all-MiniLM-L6-v2)")
    t.add_argument("--out", default="runs/retriever", help="where to save the trained encoder")
    t.add_argument("--epochs", type=float, default=1.0)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--max-examples", type=int)
    t.set_defaults(run=run_train)

    i = rsub.add_parser("index", help="embed every premise of the corpus once")
    data_args(i)
    i.add_argument("--encoder", help="trained encoder folder (default: the packaged all-MiniLM-L6-v2)")
    i.add_argument("--out", default="runs/premise-index")
    i.set_defaults(run=run_index)

    e = rsub.add_parser("eval", help="recall@1/10/100 and MRR of BM25, the packaged and a trained encoder")
    data_args(e)
    e.add_argument("--part", default="test", choices=["train", "val", "test"])
    e.add_argument("--trained", help="trained encoder folder to compare")
    e.add_argument("--no-packaged", action="store_true", help="skip the packaged encoder")
    add_json_option(e, "the recalls as one JSON list")
    e.set_defaults(run=run_eval)


def _load(args: argparse.Namespace, part: str):
    from stp_prover.data.traced import read_jsonl
    from stp_prover.retrieval import PremiseCorpus

    data = Path(args.data)
    corpus_path = data / "corpus.jsonl"
    split = data / "splits" / args.split / f"{part}.jsonl"
    if not corpus_path.is_file() or not split.is_file():
        raise UsageError(
            f"{data} has no traced data for split {args.split}; run `stp data trace --out {data}` "
            f"(or `stp data import-leandojo BENCHMARK --out {data}`) first"
        )
    return corpus_path, PremiseCorpus.load(corpus_path), read_jsonl(split)


def run_train(args: argparse.Namespace) -> int:
    from stp_prover.retrieval.train import train_encoder

    _, corpus, theorems = _load(args, "train")
    t0 = time.monotonic()
    try:
        stats = train_encoder(
            theorems, corpus, Path(args.out), args.base, args.epochs, args.batch_size, max_examples=args.max_examples
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"trained on {stats['examples']} (state, premise, hard negative) examples, {stats['epochs']} epoch(s), "
        f"final loss {stats['loss']}, in {time.monotonic() - t0:.0f}s; encoder saved in {args.out}"
    )
    return 0


def run_index(args: argparse.Namespace) -> int:
    from stp_prover.retrieval import DenseRetriever, Encoder

    corpus_path, corpus, _ = _load(args, "train")
    t0 = time.monotonic()
    retriever = DenseRetriever(Encoder(args.encoder), corpus)
    retriever.save(Path(args.out), corpus_path)
    print(f"indexed {len(corpus)} premises in {time.monotonic() - t0:.0f}s into {args.out}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from stp_prover.retrieval import BM25Retriever, DenseRetriever, Encoder, evaluate

    _, corpus, theorems = _load(args, args.part)
    rows = [evaluate(BM25Retriever(corpus), theorems, corpus)]
    encoders = ([] if args.no_packaged else [("packaged", None)]) + (
        [("trained", args.trained)] if args.trained else []
    )
    for label, name in encoders:
        row = evaluate(DenseRetriever(Encoder(name), corpus), theorems, corpus)
        row["retriever"] = f"dense ({label})"
        rows.append(row)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"held-out {args.split}/{args.part}: {rows[0]['queries']} tactics that use a premise, {len(corpus)} premises")
    print(f"  {'retriever':<18} {'R@1':>7} {'R@10':>7} {'R@100':>7} {'MRR':>7} {'ms/query':>9}")
    for r in rows:
        print(
            f"  {r['retriever']:<18} {r['recall@1']:7.3f} {r['recall@10']:7.3f} {r['recall@100']:7.3f} "
            f"{r['mrr']:7.3f} {r['ms_per_query']:9.2f}"
        )
    return 0
