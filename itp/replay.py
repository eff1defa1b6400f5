"""A verified whole proof read back as tactic steps: the proof state before each tactic, replayed in tactic mode.
What an online tactic memory learns from (Tactician records the same pairs as proofs are checked)."""

from __future__ import annotations

import time
from typing import Iterator, Optional

from .backends import system_spec
from .env import ProofEnv, StatementError
from .types import State, StepKind, StepResult, Theorem


def proof_tactics(system: str, proof: str) -> Optional[list[str]]:
    """The top-level tactics of a whole proof, or None where they cannot be read (the proof assistant's spec has no
    reader: a Lean tactic block is split by its layout, which the REPL's own tactic records do right, and Lean proofs
    reach the memory from best-first search, whose path already holds the tactics)."""
    try:
        split = system_spec(system).proof_tactics
    except ValueError:
        return None
    return split(proof) if split else None


def replay(env: ProofEnv, theorem: Theorem, tactics: list[str]) -> Iterator[tuple[State, str, StepResult, float]]:
    """Each tactic run on the state the previous one left: (state before, tactic, its result, wall seconds), up to
    and including the first that leaves no open state; nothing when the statement does not elaborate."""
    try:
        state = env.start(theorem)
    except StatementError:
        return
    for tactic in tactics:
        t0 = time.monotonic()
        result = env.step(state, tactic)
        yield state, tactic, result, time.monotonic() - t0
        if result.kind is not StepKind.OPEN or result.state is None:
            return
        state = result.state


def replay_steps(env: ProofEnv, theorem: Theorem, tactics: list[str]) -> list[tuple[State, str]]:
    """(state before, tactic) for each tactic that runs, in order; stops at the first that does not."""
    return [
        (state, tactic)
        for state, tactic, result, _ in replay(env, theorem, tactics)
        if result.kind in (StepKind.OPEN, StepKind.PROVED) and result.state is not None
    ]
