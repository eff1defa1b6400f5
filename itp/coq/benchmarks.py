"""Coq's files of the benchmarks: our JSONL records as Theorems, and miniF2F-rocq's upstream `.v` files as records."""

from __future__ import annotations

import re

from ..benchmark_files import BenchmarkLayout, record_theorem
from ..types import Theorem


def minif2f_theorem(rec: dict, system: str) -> Theorem:
    return record_theorem(rec, system, rec["formal_statement"].strip())


def example_theorem(rec: dict, system: str) -> Theorem:
    return record_theorem(rec, system, rec["formal_statement"].strip(), split="all", source="stp-prover examples")


def coq_record(name: str, split: str, text: str, source: str) -> dict:
    """Header (everything before the theorem) and the theorem's declaration from one upstream `.v` file."""
    from .sentences import SentenceError, split_sentences

    m = re.search(rf"^(?:Theorem|Lemma|Example)\s+{re.escape(name)}\b", text, re.M)
    if not m:
        raise ValueError(f"{source}: no theorem {name}")
    try:
        statement = split_sentences(text[m.start() :])[0]
    except (SentenceError, IndexError) as exc:
        raise ValueError(f"{source}: unreadable statement: {exc}") from exc
    return {"name": name, "split": split, "header": text[: m.start()], "formal_statement": statement, "source": source}


BENCHMARKS = {
    "minif2f": BenchmarkLayout(
        "minif2f/rocq_{split}.jsonl",
        minif2f_theorem,
        upstream="LLM4Rocq/miniF2F-rocq@b60affae5d9b81eb097424e3143c40165ccbe97b",
        upstream_files={"valid": r"(?:^|/)valid/([^/]+)\.v$", "test": r"(?:^|/)test/([^/]+)\.v$"},
        record=coq_record,
    ),
    "examples": BenchmarkLayout("coq_{split}.jsonl", example_theorem),
}
