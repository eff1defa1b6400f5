"""TEST DOUBLE of the `lean_dojo` module's interface (Dojo, TacticState, ProofFinished, LeanError, ProofGivenUp and
its exceptions), for testing the adapter's mapping where no traced repository exists. Tactics are scripted:
"done" finishes, "fail" errors, "sorry" gives up, "hang" times out, "crash" crashes; anything else opens a state."""

from __future__ import annotations

from dataclasses import dataclass


class DojoTacticTimeoutError(Exception):
    pass


class DojoCrashError(Exception):
    pass


class DojoInitError(Exception):
    pass


@dataclass(frozen=True)
class LeanGitRepo:
    url: str
    commit: str


@dataclass(frozen=True)
class Theorem:
    repo: LeanGitRepo
    file_path: str
    full_name: str


@dataclass(frozen=True)
class TacticState:
    pp: str
    id: int


@dataclass(frozen=True)
class ProofFinished:
    tactic_state_id: int


@dataclass(frozen=True)
class LeanError:
    error: str


@dataclass(frozen=True)
class ProofGivenUp:
    pass


class Dojo:
    entered = 0

    def __init__(self, theorem: Theorem, timeout: int = 600):
        self.theorem = theorem
        self.next_id = 1

    def __enter__(self):
        Dojo.entered += 1
        if self.theorem.full_name == "missing":
            raise DojoInitError("theorem not found in the traced repository")
        return self, TacticState("n : ℕ\n⊢ n + 0 = n", 0)

    def __exit__(self, *exc):
        return False

    def run_tac(self, state: TacticState, tactic: str):
        if tactic == "done":
            return ProofFinished(self.next_id)
        if tactic == "fail":
            return LeanError("unknown tactic")
        if tactic == "sorry":
            return ProofGivenUp()
        if tactic == "hang":
            raise DojoTacticTimeoutError()
        if tactic == "crash":
            raise DojoCrashError("lean exited")
        self.next_id += 1
        return TacticState(f"{state.pp}\n-- after {tactic}", self.next_id)
