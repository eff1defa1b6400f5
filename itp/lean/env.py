"""Lean 4 behind the proof-environment interface, through the Lean REPL."""

from __future__ import annotations

import re
import time
from typing import Optional

from ..config import LeanConfig, PoolConfig
from ..env import BackendUnavailable, ProofEnv, StatementError
from ..types import FileVerdict, State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from ..warm import WarmCache
from .repl import ReplDied, ReplTimeout
from .portfolio import portfolio
from .policy import PolicyViolation, declared_names, screen_proof
from .session import LeanSession, errors_of

INSTALL_HINT = (
    "set STP_LEAN_REPL to the command that starts the Lean REPL inside a Mathlib project, e.g. "
    "STP_LEAN_REPL='lake exe repl' STP_LEAN_PROJECT=/path/to/this/repository (see the README's Lean setup)"
)


def require_lean(config: LeanConfig) -> None:
    if not config.repl_command:
        raise BackendUnavailable(f"no Lean REPL configured; {INSTALL_HINT}")


class LeanEnv(ProofEnv):
    system = "lean"

    def __init__(self, config: Optional[LeanConfig] = None, pool: Optional[PoolConfig] = None):
        self.config = config or LeanConfig()
        require_lean(self.config)
        pool = pool or PoolConfig()
        self.sessions: WarmCache[LeanSession] = WarmCache(
            pool.headers_per_worker, self.config.recycle_after, self.config.limits.rss_recycle_mb
        )

    def session(self, header: str) -> LeanSession:
        return self.sessions.get(header, lambda: LeanSession(header, self.config))

    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        try:
            session = self.session(theorem.header)
        except StatementError as exc:
            return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: {exc}")
        except (ReplDied, ReplTimeout, OSError) as exc:
            return Verdict(VerdictKind.ERROR, f"could not start the Lean REPL: {exc}")
        verdict = session.check(theorem, proof, timeout or self.config.check_timeout)
        if not session.alive():
            self.sessions.discard(theorem.header)
        return verdict

    def check_file(self, text: str, only: Optional[list[str]] = None) -> FileVerdict:
        """Compile the file in a fresh REPL process (it brings its own imports), then audit each theorem."""
        t0 = time.monotonic()
        imports = re.match(r"^(?:\s*(?:import\s+\S+|--[^\n]*|/-.*?-/)\s*)*", text, re.S).group(0)
        names = declared_names(text)
        if not names:
            raise KeyError("(the file declares no theorem)")
        targets = only or names
        missing = [n for n in targets if n not in names]
        if missing:
            raise KeyError(", ".join(missing))
        try:
            screen_proof(text[len(imports) :])
        except PolicyViolation as exc:
            return FileVerdict(False, reason=f"forbidden file content: {exc}", seconds=time.monotonic() - t0)
        session = LeanSession("", self.config)
        try:
            response = session.command(text, self.config.check_timeout * 4)
            errs = errors_of(response)
            if errs:
                rows = [{"name": n, "ok": False, "axioms": [], "reason": errs[0]} for n in targets]
                return FileVerdict(False, rows, errs[0], time.monotonic() - t0)
            rows = []
            for name in targets:
                audit = session.command(f"#print axioms {name}", self.config.check_timeout, env=response["env"])
                verdict = session.judge(audit, 0.0)
                rows.append({"name": name, "ok": verdict.ok, "axioms": verdict.axioms, "reason": verdict.reason})
            return FileVerdict(all(r["ok"] for r in rows), rows, "", time.monotonic() - t0)
        except (ReplDied, ReplTimeout) as exc:
            return FileVerdict(False, reason=f"Lean REPL: {exc}", seconds=time.monotonic() - t0)
        finally:
            session.close()

    def start(self, theorem: Theorem) -> State:
        return self.session(theorem.header).start(theorem)

    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        try:
            session = self.session(state.theorem.header)
        except (ReplDied, ReplTimeout, OSError) as exc:
            return StepResult(StepKind.ERROR, messages=[f"could not start the Lean REPL: {exc}"])
        return session.step(state, tactic, timeout)

    def automation(self, state: State) -> list[str]:
        return portfolio(state)

    def premises(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> dict[str, str]:
        from .premises import proof_premises  # STP's `invokes`; see that module for the Lean behaviour relied on

        return proof_premises(self.session(theorem.header), theorem, proof, timeout or self.config.tactic_timeout)

    def close(self) -> None:
        self.sessions.close()
