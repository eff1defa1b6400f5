"""STP's stage 1: the data the base model is fine-tuned on before self-play (Notebooks/construct_sft.ipynb, trained
by run_SFT.sh), built from a traced library (`stp data trace`, or LeanDojo Benchmark 4 read into the same layout).

* Conjecture examples: for every library theorem T and every library lemma p its proof uses, and every earlier
  theorem E of the same file whose proof uses p too (latest first), the conjecturer is shown p's statement and E
  with its proof, and learns to write T's statement (the notebook's `conjecture_examples` loop).
* Library proofs: each traced theorem's statement as the prompt and its proof as the target (the notebook's
  `train_theorems`); the final model is mixed with these too (run_RL_train.sh --sft_dataset)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from stp_prover.conjecturer.prompts import stp_conjecture_target, stp_conjecture_training_prompt
from stp_prover.data.traced import traced_training_theorems
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.training import TrainingExample

from .prompts import proof_prompt, proof_target


@dataclass(frozen=True)
class LibraryTheorem:
    theorem: Theorem
    proof: str
    premises: frozenset[str]  # library theorems (full names) its proof uses
    file: str
    line: int


def library_theorems(folder: str | Path, system: str) -> list[LibraryTheorem]:
    """Traced theorems with a proof, in file order; premises restricted to traced theorems (STP's theorem_dict)."""
    records = list(traced_training_theorems(folder, system))
    known = {rec["full_name"] for rec, _ in records}
    d = dialect(system)
    out = []
    for rec, theorem in records:
        used = {p for t in rec["traced_tactics"] for p in t.get("premises", []) if p in known and p != rec["full_name"]}
        proof = d.proof_from_tactics([t["tactic"] for t in rec["traced_tactics"]])
        out.append(LibraryTheorem(theorem, proof, frozenset(used), rec["file_path"], int(rec.get("start", 0))))
    out.sort(key=lambda x: (x.file, x.line))
    return out


def conjecture_examples(theorems: list[LibraryTheorem], limit: Optional[int] = None) -> list[TrainingExample]:
    """(lemma p, easy theorem E with its proof) -> hard theorem T, for E before T in one file, both using p."""
    statement_of = {t.theorem.source: t.theorem.statement for t in theorems}
    by_file: dict[str, list[LibraryTheorem]] = defaultdict(list)
    for t in theorems:
        by_file[t.file].append(t)
    out: list[TrainingExample] = []
    for file in sorted(by_file):
        earlier: list[LibraryTheorem] = []
        for t in by_file[file]:
            for p in sorted(t.premises):
                for e in reversed(earlier):
                    if p in e.premises:
                        prompt = stp_conjecture_training_prompt(e.theorem, e.proof, statement_of[p])
                        out.append(
                            TrainingExample(
                                prompt, stp_conjecture_target(t.theorem.statement), 1.0, "conjecturer", "stage1"
                            )
                        )
            earlier.append(t)
    return out[:limit] if limit is not None else out


def library_proof_examples(
    theorems: list[LibraryTheorem], style: str, limit: Optional[int] = None
) -> list[TrainingExample]:
    out = [
        TrainingExample(proof_prompt(t.theorem, style), proof_target(t.proof, style), 1.0, "prover", "library")
        for t in theorems
    ]
    return out[:limit] if limit is not None else out
