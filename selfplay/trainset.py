"""Training examples from sampling records, with STP's weights: short, quickly checked proofs of statements the
model rarely proves count most, and the weight of a statement is shared among its correct proofs."""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Optional

from conjecturer import (
    Selected,
    autoformalize_prompt,
    conjecture_completion,
    conjecture_prompt,
    disprove_completion,
    disprove_prompt,
)
from itp import Theorem
from itp.dialect import declared_name
from prover.prompts import cot_whole_proof_prompt, whole_proof_prompt
from training import TrainingExample

from .config import TrainDataSettings
from .sampling import correct_proofs


def proof_completion(proof: str) -> str:
    """The proof followed by the closing fence the whole-proof prompt opened (where generation is cut)."""
    return proof.rstrip() + "\n```"


def proof_examples(
    records: Iterable[dict],
    theorems: Mapping[str, Theorem],
    settings: TrainDataSettings,
    source: str,
    max_pass_rate: Optional[float] = None,
    max_proofs: Optional[int] = None,
    statement_weights: Optional[Mapping[str, float]] = None,
) -> list[TrainingExample]:
    limit = settings.max_pass_rate if max_pass_rate is None else max_pass_rate
    out = []
    for rec in records:
        theorem = theorems.get(rec["name"])
        if theorem is None or not rec["correct"] or rec["pass_rate"] > limit:
            continue
        proofs = correct_proofs(rec)[:max_proofs]
        scale = (statement_weights or {}).get(rec["name"], 1.0) / len(proofs)
        for p in proofs:
            w = math.exp(-settings.length_coef * len(p["text"]) - settings.time_coef * p["seconds"]) * scale
            out.append(TrainingExample(whole_proof_prompt(theorem), proof_completion(p["text"]), w, "prover", source))
    return out


def conjecturer_examples(
    selected: Iterable[Selected], seeds: Mapping[str, tuple[Theorem, str]], seed_of: Mapping[str, str], source: str
) -> list[TrainingExample]:
    """The conjecturer learns to write the selected conjectures from the prompt that asked for them."""
    out = []
    for s in selected:
        seed_name = seed_of.get(s.outcome.name)
        if seed_name not in seeds:
            continue
        seed, seed_proof = seeds[seed_name]
        prompt = conjecture_prompt(seed, seed_proof, s.outcome.lemma)
        out.append(TrainingExample(prompt, conjecture_completion(s.outcome.statement), s.weight, "conjecturer", source))
    return out


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
