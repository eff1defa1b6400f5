"""TEST DOUBLE of the `lean_dojo` module's interface (Dojo, TacticState, ProofFinished, LeanError, ProofGivenUp and
its exceptions), for testing the adapter's mapping where no traced repository exists. Tactics are scripted:
"done" finishes, "fail" errors, "sorry" gives up, "hang" times out, "crash" crashes, "block" blocks until the Dojo is
closed (as a read from a killed Lean process ends); anything else opens a state. `Dojo.refuse_entry` makes the next
entries fail as a theorem LeanDojo cannot open. Like lean_dojo 1.x, the constructor takes `timeout`."""

from __future__ import annotations

import threading
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
    exited = 0
    open_now = 0
    refuse_entry = False

    def __init__(self, theorem: Theorem, timeout: int = 600):
        self.theorem = theorem
        self.timeout = timeout
        self.next_id = 1
        self.closed = threading.Event()

    def __enter__(self):
        if self.theorem.full_name == "missing" or Dojo.refuse_entry:
            raise DojoInitError("theorem not found in the traced repository")
        Dojo.entered += 1
        Dojo.open_now += 1
        return self, TacticState("n : ℕ\n⊢ n + 0 = n", 0)

    def __exit__(self, *exc):
        Dojo.exited += 1
        Dojo.open_now -= 1
        self.closed.set()
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
        if tactic == "block":
            self.closed.wait(60)
            raise DojoCrashError("Unexpected EOF")
        self.next_id += 1
        return TacticState(f"{state.pp}\n-- after {tactic}", self.next_id)
