"""The statements a run proves: benchmark targets (miniF2F, ...) plus theorems of a traced library, and the held-out
split it is evaluated on. A traced theorem is kept only when its statement elaborates on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from stp_prover.data import load_benchmark, select_theorems
from stp_prover.data.traced import traced_training_theorems
from stp_prover.itp import ProofEnv, StatementError, Theorem
from stp_prover.itp.dialect import dialect

from .config import HeldOutSettings, TargetSettings


@dataclass
class Target:
    theorem: Theorem
    premises: list[str] = field(default_factory=list)  # lemmas a known proof used: the conjecturer's lemma pool
    known_proof: Optional[str] = None  # a human proof (traced theorems), for round 0's training data


def benchmark_targets(settings: TargetSettings, system: str) -> list[Target]:
    theorems = load_benchmark(settings.benchmark, settings.split, system, settings.data_dir)
    theorems = select_theorems(
        theorems, settings.names, settings.limit, f"targets: {settings.benchmark}/{settings.split}"
    )
    return [Target(t) for t in theorems]


def traced_targets(folder: str, system: str, env: ProofEnv, limit: int) -> tuple[list[Target], int]:
    """Up to `limit` traced theorems that elaborate under `Require` of their own file; also how many did not."""
    d = dialect(system)
    kept, refused = [], 0
    for rec, theorem in traced_training_theorems(folder, system):
        if len(kept) >= limit:
            break
        try:
            env.start(theorem)
        except StatementError:
            refused += 1
            continue
        premises = sorted({p for t in rec["traced_tactics"] for p in t.get("premises", [])})
        proof = d.proof_from_tactics([t["tactic"] for t in rec["traced_tactics"]])
        kept.append(Target(theorem, premises, proof))
    return kept, refused


def heldout_theorems(
    settings: HeldOutSettings, system: str, exclude: set[str], data_dir: Optional[str] = None
) -> list[Theorem]:
    """The held-out split minus any theorem that is also a target."""
    theorems = select_theorems(
        load_benchmark(settings.benchmark, settings.split, system, data_dir),
        settings.names,
        where=f"heldout: {settings.benchmark}/{settings.split}",
    )
    theorems = [t for t in theorems if t.name not in exclude]
    return theorems[: settings.limit] if settings.limit is not None else theorems
