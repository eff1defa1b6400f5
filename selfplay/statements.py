"""The statements a run proves: benchmark targets (miniF2F, ...) plus theorems of a traced library, and the held-out
split it is evaluated on. A traced theorem is kept only when its statement elaborates on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from stp_prover.data import DataError, load_benchmark, select_theorems
from stp_prover.data.leanworkbook import load_lean_workbook
from stp_prover.data.traced import traced_training_theorems
from stp_prover.itp import ProofEnv, StatementError, Theorem
from stp_prover.itp.dialect import dialect

from .config import HeldOutSettings, TargetSettings


@dataclass
class Target:
    theorem: Theorem
    premises: list[str] = field(default_factory=list)  # lemmas a known proof used: the conjecturer's lemma pool
    known_proof: Optional[str] = None  # a human proof (traced theorems), for round 0's training data
    # Its source's STP `weight`: conjecture inputs from it are repeated, and it is matched to, this many times
    # (RL_utils.py:414, 627). Not a count of targets: N (caps) counts each statement once.
    weight: int = 1


Loader = Callable[[TargetSettings.Source, str, Optional[str]], list[Theorem]]


def _registered(src: TargetSettings.Source, system: str, data_dir: Optional[str]) -> list[Theorem]:
    return load_benchmark(src.benchmark, src.split, system, data_dir)


def _lean_workbook(src: TargetSettings.Source, system: str, data_dir: Optional[str]) -> list[Theorem]:
    return load_lean_workbook(src.path, system, status=src.status)  # its path names a user's download (no data_dir)


# Sources read from a file the user downloads rather than from the benchmark registry; any other name is a registered
# benchmark (data/benchmarks.py REGISTRY).
SOURCE_LOADERS: dict[str, Loader] = {"leanworkbook": _lean_workbook, "lean-workbook": _lean_workbook}


def source_theorems(src: TargetSettings.Source, system: str, data_dir: Optional[str] = None) -> list[Theorem]:
    """One source's theorems, its `names` and `limit` applied."""
    load = SOURCE_LOADERS.get(src.benchmark.lower(), _registered)
    where = f"targets: {src.benchmark}" + ("" if load is not _registered else f"/{src.split}")
    return select_theorems(load(src, system, data_dir), src.names, src.limit, where)


def benchmark_targets(settings: TargetSettings, system: str) -> list[Target]:
    """Every source's targets in the order given (STP concatenates its dataset config's sets, RL_utils.py:710-726),
    each carrying its source's weight; a name two sources share is an error (targets are keyed by name)."""
    out: list[Target] = []
    owner: dict[str, str] = {}
    for src in settings.source_list():
        label = src.benchmark if src.benchmark.lower() in SOURCE_LOADERS else f"{src.benchmark}/{src.split}"
        for t in source_theorems(src, system, settings.data_dir):
            if t.name in owner:
                raise DataError(f"targets: {t.name} is in both {owner[t.name]} and {label}; give one of them `names`")
            owner[t.name] = label
            out.append(Target(t, weight=src.weight))
    return out


def traced_targets(folder: str, system: str, env: ProofEnv, limit: int, weight: int = 1) -> tuple[list[Target], int]:
    """Up to `limit` traced theorems that elaborate under `Require` of their own file, each with STP's `weight`
    (`targets.matching_weight`); also how many did not."""
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
        kept.append(Target(theorem, premises, proof, weight))
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
