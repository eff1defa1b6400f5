"""Training examples from sampling records, with STP's weights: short, quickly checked proofs of statements the
model rarely proves count most, and the weight of a statement is shared among its correct proofs."""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Optional

from conjecturer import Selected, conjecture_completion, conjecture_prompt
from itp import Theorem
from prover.prompts import whole_proof_prompt
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
