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
        return closing_tactic(self.env, state, n, self.settings.step_timeout, intro_first) is not None


def closing_tactic(env: ProofEnv, state: State, n: int, timeout: float, intro_first: bool = True) -> Optional[str]:
    """The first of the `n` first automation tactics that proves `state` alone (after `intros` when `intro_first`;
    `intros` itself when it proves it), or None: what "closed by the cheap tactics" means everywhere."""
    if intro_first:
        r = env.step(state, EXFALSO[0], timeout)
        if r.kind == StepKind.PROVED:
            return EXFALSO[0]
        if r.kind == StepKind.OPEN and r.state is not None:
            state = r.state
    for tactic in [t for t in env.automation(state) if t not in EXFALSO][:n]:
        if env.step(state, tactic, timeout).kind == StepKind.PROVED:
            return tactic
    return None
