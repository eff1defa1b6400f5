"""A verified whole proof read back as tactic steps: the proof state before each tactic, replayed in tactic mode.
What an online tactic memory learns from (Tactician records the same pairs as proofs are checked)."""

from __future__ import annotations

from typing import Callable, Optional

from .env import ProofEnv, StatementError
from .types import State, StepKind, Theorem


def _coq_tactics(proof: str) -> Optional[list[str]]:
    from .coq.sentences import SentenceError, split_sentences

    try:
        sentences = split_sentences(proof)
    except SentenceError:
        return None
    frame = {"Proof.", "Qed.", "Defined.", "Admitted.", "Abort."}
    return [s for s in sentences if s not in frame and not s.startswith("Proof using")]


# Proof text -> its top-level tactics, per proof assistant. Lean has none yet: a Lean tactic block is split by its
# layout, which the REPL's own tactic records do right (`allTactics`); Lean proofs reach the memory from best-first
# search, whose path already holds the tactics.
_SPLITTERS: dict[str, Callable[[str], Optional[list[str]]]] = {"coq": _coq_tactics}


def proof_tactics(system: str, proof: str) -> Optional[list[str]]:
    """The top-level tactics of a whole proof, or None where they cannot be read."""
    split = _SPLITTERS.get(system)
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
