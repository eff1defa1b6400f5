"""Training examples of our additions (traced proofs, the data pipelines' records: the disprove channel, commented
proofs, autoformalization). STP's own training data is built in `selfplay/stp.py`."""

from __future__ import annotations

from typing import Iterable

from stp_prover.conjecturer import autoformalize_prompt, disprove_completion, disprove_prompt
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import declared_name
from stp_prover.prover.prompts import cot_whole_proof_prompt, proof_completion, whole_proof_prompt
from stp_prover.training import TrainingExample


def traced_examples(known: Iterable[tuple[Theorem, str]], limit: int) -> list[TrainingExample]:
    """Human proofs of traced theorems, the initial data."""
    return [
        TrainingExample(whole_proof_prompt(t), proof_completion(p), 1.0, "prover", "traced")
        for t, p in list(known)[:limit]
    ]


def pipeline_examples(kind: str, records: Iterable[dict]) -> list[TrainingExample]:
    """Training examples the records of a data pipeline (bootstrap, counterexamples, autoformalize) give both roles:
    proofs of the theorems and of the negations, the disprove channel, autoformalization pairs."""
    out = []
    for r in records:
        if kind == "bootstrap":
            t = Theorem(
                r["name"], r["system"], r["header"], r["statement"], r["informal_statement"], r["informal_proof"]
            )
            out.append(TrainingExample(whole_proof_prompt(t), proof_completion(r["proof"]), 1.0, "prover", "bootstrap"))
            out.append(
                TrainingExample(
                    cot_whole_proof_prompt(t),
                    proof_completion(r["commented_proof"]),
                    1.0,
                    "prover",
                    "bootstrap-commented",
                )
            )
        elif kind == "counterexamples":
            neg = Theorem(declared_name(r["negation"]) or "", r["system"], r["header"], r["negation"])
            out.append(
                TrainingExample(whole_proof_prompt(neg), proof_completion(r["proof"]), 1.0, "prover", "counterexample")
            )
            original = Theorem(r["theorem"], r["system"], r["header"], r["original_statement"])
            out.append(
                TrainingExample(
                    disprove_prompt(original),
                    disprove_completion(r["statement"], r["witness"]),
                    1.0,
                    "conjecturer",
                    "disprove",
                )
            )
        elif kind == "autoformalize":
            out.append(
                TrainingExample(
                    autoformalize_prompt(r["informal_statement"], r["system"], r["header"]),
                    r["statement"].strip() + "\n```",
                    1.0,
                    "autoformalizer",
                    "autoformalize",
                )
            )
    return out
