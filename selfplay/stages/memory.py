"""Stage B2 (our addition): the Tactician-style memory learns the round's verified proofs, targets and conjectures,
as soon as sampling ends; no retraining. The memory lives in the run folder (memory.jsonl), so a resumed run has it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from stp_prover.prover.memory import TacticMemory, open_memory

from ..config import MemorySettings
from ..context import Context

MEMORY_FILE = "memory.jsonl"


def open_run_memory(settings: MemorySettings, root: Path) -> Optional[TacticMemory]:
    """The run's memory (None when off); a new one is seeded from `seed_from`'s train part."""
    if not settings.enabled:
        return None
    seed = Path(settings.seed_from) if settings.seed_from else None
    return open_memory(root / MEMORY_FILE, seed, settings.seed_limit)


def learn_round(ctx: Context, r: int) -> dict[str, int]:
    """Teach the memory the shortest verified proof of every statement round r proved; returns the counts the
    round's metrics report (proofs replayed, pairs new to the memory, the memory's size after)."""
    memory = ctx.memory
    rd = ctx.run.round(r)
    if memory is None:
        return {}
    if (rd / "memory.json").exists():
        return json.loads((rd / "memory.json").read_text())
    items = ctx.shortest_proofs(r)
    added = ctx.checks.map(lambda env, item: memory.learn_proof(env, ctx.theorems[item[0]], item[1]), items)
    counts = {"memory_proofs_learned": len(items), "memory_pairs_added": sum(added), "memory_entries": len(memory)}
    ctx.run.write_json(rd / "memory.json", counts)
    return counts
