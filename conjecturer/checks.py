"""Well-formedness of conjectures: the statement elaborates, is new, its hypotheses are not contradictory, and no
single cheap automation tactic closes it. Each check runs in the proof assistant through `ProofEnv`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from stp_prover.itp import ProofEnv, State, StatementError, StepKind, Theorem
from stp_prover.itp.dialect import declared_name

REASONS = ("ok", "unparsable", "duplicate", "does_not_elaborate", "contradictory", "trivial", "error")
# The hypotheses are contradictory when False follows from them: introduce them, switch the goal to False, and try
# the automation on that. `intros` and `exfalso` are spelled alike in Coq and Lean.
EXFALSO = ("intros", "exfalso")


@dataclass
class CheckSettings:
    trivial_tactics: int = 3  # the first N automation tactics count as "one automation tactic"
    contradiction_tactics: int = 6
    step_timeout: Optional[float] = None  # None: the proof environment's tactic timeout


def normalize(statement: str) -> str:
    """The dedup key of a statement: its name removed, whitespace collapsed."""
    name = declared_name(statement) or ""
    body = statement.split(name, 1)[1] if name else statement
    return " ".join(body.split())


class ConjectureChecker:
    """Checks conjectures one by one; remembers every statement seen so duplicates are refused."""

    def __init__(self, env: ProofEnv, known: Iterable[str] = (), settings: Optional[CheckSettings] = None):
        self.env = env
        self.settings = settings or CheckSettings()
        self.seen = {normalize(s) for s in known}

    def check(self, theorem: Optional[Theorem]) -> str:
        """One of REASONS: "ok" or why the conjecture is refused."""
        if theorem is None:
            return "unparsable"
        key = normalize(theorem.statement)
        if key in self.seen:
            return "duplicate"
        self.seen.add(key)
        try:
            root = self.env.start(theorem)
        except StatementError:
            return "does_not_elaborate"
        except Exception:  # noqa: BLE001 - a checker failure refuses the conjecture, never ends the round
            return "error"
        state = root
        for tactic in EXFALSO:
            r = self.env.step(state, tactic, self.settings.step_timeout)
            if r.kind != StepKind.OPEN or r.state is None:
                state = None  # cannot set up the vacuity test (or `intros` alone proved it: trivial, below)
                break
            state = r.state
        if state is not None and self._closes(state, self.settings.contradiction_tactics, intro_first=False):
            return "contradictory"
        if self._closes(root, self.settings.trivial_tactics, intro_first=True):
            return "trivial"
        return "ok"

    def _closes(self, state: State, n: int, intro_first: bool) -> bool:
        if intro_first:
            r = self.env.step(state, EXFALSO[0], self.settings.step_timeout)
            if r.kind == StepKind.PROVED:
                return True
            if r.kind == StepKind.OPEN and r.state is not None:
                state = r.state
        tactics = [t for t in self.env.automation(state) if t not in EXFALSO][:n]
        for tactic in tactics:
            if self.env.step(state, tactic, self.settings.step_timeout).kind == StepKind.PROVED:
                return True
        return False
