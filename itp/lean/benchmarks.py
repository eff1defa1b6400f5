"""Lean's files of the benchmarks: our JSONL records as Theorems, and miniF2F-lean4's upstream `.lean` files as
records."""

from __future__ import annotations

import re

from ..benchmark_files import BenchmarkLayout, record_theorem
from ..types import Theorem


def lean_statement(text: str) -> str:
    """A Lean statement ending in `:= by` (a trailing `sorry` placeholder removed)."""
    s = re.sub(r"\s*sorry\s*$", "", text.strip())
    return s if s.endswith("by") or s.endswith(":=") else s + " := by"


def minif2f_theorem(rec: dict, system: str) -> Theorem:
    return record_theorem(rec, system, lean_statement(rec["formal_statement"]))


def proofnet_theorem(rec: dict, system: str) -> Theorem:
    header = rec["header"].rstrip() + "\n\n" + (rec.get("helper") or "")
    # ProofNet-Verified was checked with Lean's default options: some statements bind a variable only implicitly
    # (Axler_exercise_7_6's `[RCLike F]`), so its headers keep auto-bound implicits, which the Lean backend
    # otherwise turns off after a header (itp/lean/session.py).
    header = header.rstrip() + "\n\nset_option autoImplicit true"
    return record_theorem(
        rec,
        system,
        lean_statement(rec["formal_stmt"]),
        header=header.rstrip() + "\n\n",
        informal_statement=rec.get("informal_stmt"),
        split="verified",
        source="marcusm117/ProofNet-Verified",
    )


def lean_record(name: str, split: str, text: str, source: str) -> dict:
    """Header (imports, options, opens) and the `theorem ... := by` statement from one upstream `.lean` file."""
    m = re.search(rf"^theorem\s+{re.escape(name)}\b", text, re.M)
    if not m:
        raise ValueError(f"{source}: no theorem {name}")
    body = text[m.start() :]
    end = body.find(":= by")
    if end < 0:
        raise ValueError(f"{source}: statement does not end in `:= by`")
    return {
        "name": name,
        "split": split,
        "header": text[: m.start()],
        "formal_statement": body[: end + 5],
        "source": source,
    }


BENCHMARKS = {
    "minif2f": BenchmarkLayout(
        "minif2f/lean4_{split}.jsonl",
        minif2f_theorem,
        upstream="yangky11/miniF2F-lean4@5746b7d6c47855ce1294bed87329618ff7f1bc31",
        upstream_files={"valid": r"MiniF2F/Valid/([^/]+)\.lean$", "test": r"MiniF2F/Test/([^/]+)\.lean$"},
        record=lean_record,
    ),
    "examples": BenchmarkLayout("lean4_{split}.jsonl", minif2f_theorem),
    "proofnet": BenchmarkLayout("proofnet/lean4_{split}.jsonl", proofnet_theorem),
}
