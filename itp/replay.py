"""A verified whole proof read back as tactic steps: the proof state before each tactic, replayed in tactic mode.
What an online tactic memory learns from (Tactician records the same pairs as proofs are checked)."""

from __future__ import annotations

from typing import Optional

from .backends import system_spec
from .env import ProofEnv, StatementError
from .types import State, StepKind, Theorem


def proof_tactics(system: str, proof: str) -> Optional[list[str]]:
    """The top-level tactics of a whole proof, or None where they cannot be read (the proof assistant's spec has no
    reader: a Lean tactic block is split by its layout, which the REPL's own tactic records do right, and Lean proofs
    reach the memory from best-first search, whose path already holds the tactics)."""
    try:
        split = system_spec(system).proof_tactics
    except ValueError:
        return None
    return split(proof) if split else None


def replay_steps(env: ProofEnv, theorem: Theorem, tactics: list[str]) -> list[tuple[State, str]]:
    """(state before, tactic) for each tactic that runs, in order; stops at the first that does not."""
    try:
        state = env.start(theorem)
    except StatementError:
        return []
    steps = []
    for tactic in tactics:
        result = env.step(state, tactic)
        if result.kind not in (StepKind.OPEN, StepKind.PROVED) or result.state is None:
            break
        steps.append((state, tactic))
        if result.kind is StepKind.PROVED:
            break
        state = result.state
    return steps
