"""Coq behind the proof-environment interface: warm `coqtop` sessions per header, `coqc` for files."""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
import time
from typing import Optional

from ..config import PoolConfig
from ..env import BackendUnavailable, ProofEnv, StatementError, UntrustedInput, serialized
from ..types import FileVerdict, State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from ..warm import WarmCache
from .config import CoqConfig
from .coqc import check_cold, check_file, kernel_recheck
from .coqtop import CoqTopDied, CoqTopTimeout
from .policy import PolicyViolation, screen_header
from .portfolio import portfolio
from .script import split_header
from .session import CoqSession

INSTALL_HINT = "install Coq: apt-get install -y --no-install-recommends coq libcoq-coquelicot"


@functools.lru_cache(maxsize=None)
def library_dir(coqc: str = "coqc") -> str:
    """Coq's library folder (`coqc -where`), or "" when Coq is not installed."""
    try:
        return subprocess.run([coqc, "-where"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def has_library(logical_root: str, coqc: str = "coqc") -> bool:
    """Whether Coq's user-contrib holds a library (e.g. "Hammer" for CoqHammer's `sauto`)."""
    where = library_dir(coqc)
    return bool(where) and os.path.isdir(os.path.join(where, "user-contrib", logical_root))


def require_coq(config: CoqConfig) -> None:
    """Raise BackendUnavailable with the install command when coqtop/coqc are missing."""
    for tool in (config.coqtop, config.coqc):
        if shutil.which(tool) is None:
            raise BackendUnavailable(f"`{tool}` not found; {INSTALL_HINT}")


class CoqEnv(ProofEnv):
    """Warm `coqtop` sessions per header; calls are `serialized`, so threads sharing one environment never
    interleave sentences in one coqtop."""

    system = "coq"

    def __init__(self, config: Optional[CoqConfig] = None, pool: Optional[PoolConfig] = None):
        self.config = config or CoqConfig()
        require_coq(self.config)
        self.sessions: WarmCache[CoqSession] = WarmCache.for_backend(self.config, pool)

    def session(self, header: str) -> CoqSession:
        """The warm session for `header`'s libraries; raises UntrustedInput if the header policy refuses it and
        StatementError if it does not load. A process that dies while starting (killed from outside, out of
        memory) is started again, up to `start_attempts` times: starting is ours to get right, not the proof's."""
        try:
            screen_header(header)
        except PolicyViolation as exc:
            raise UntrustedInput(str(exc)) from None
        imports, _ = split_header(header)
        attempts = max(1, self.config.start_attempts)
        for attempt in range(attempts):
            try:
                return self.sessions.get(imports, lambda: CoqSession(imports, self.config))
            except CoqTopDied:
                if attempt + 1 == attempts:
                    raise
        raise AssertionError("unreachable")

    @serialized
    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        """The verdict of the config's verdict mode, labelled with it."""
        return dataclasses.replace(self._check(theorem, proof, timeout), verdicts=self.config.verdicts)

    def _check(self, theorem: Theorem, proof: str, timeout: Optional[float]) -> Verdict:
        try:
            session = self.session(theorem.header)
        except UntrustedInput as exc:
            return Verdict(VerdictKind.UNTRUSTED, f"{theorem.name}: {exc}")
        except StatementError as exc:
            return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: {exc}")
        except (CoqTopDied, CoqTopTimeout) as exc:
            return Verdict(VerdictKind.ERROR, f"could not start coqtop: {exc}")
        verdict = session.check(theorem, proof, timeout or self.config.check_timeout)
        if not session.alive():
            self.sessions.discard(session.imports)
        return self._recheck(theorem, proof, verdict, timeout)

    def _recheck(self, theorem: Theorem, proof: str, verdict: Verdict, timeout: Optional[float]) -> Verdict:
        """With `kernel_recheck` on, an accepted proof stands only if coqchk agrees (its cost is added). The stp
        verdict mode ignores it: STP re-checks nothing after the REPL's answer."""
        recheck = self.config.kernel_recheck and self.config.verdict_rules().kernel_recheck
        if verdict.kind is not VerdictKind.PROVED or not recheck:
            return verdict
        t0 = time.monotonic()
        refused = kernel_recheck(theorem, proof, self.config, timeout)
        if refused is None:
            seconds = verdict.seconds + time.monotonic() - t0
            messages = [*verdict.messages, "kernel re-check (coqchk): ok"]
            return dataclasses.replace(verdict, messages=messages, seconds=seconds)
        return dataclasses.replace(refused, seconds=verdict.seconds + refused.seconds)

    def check_cold(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        """The same check in a fresh `coqc` process: the baseline the warm path is measured against."""
        try:
            screen_header(theorem.header)
        except PolicyViolation as exc:
            verdict = Verdict(VerdictKind.UNTRUSTED, f"{theorem.name}: {exc}")
        else:
            verdict = self._recheck(theorem, proof, check_cold(theorem, proof, self.config, timeout), timeout)
        return dataclasses.replace(verdict, verdicts=self.config.verdicts)

    def check_file(self, text: str, only: Optional[list[str]] = None) -> FileVerdict:
        return check_file(text, self.config, only)

    @serialized
    def start(self, theorem: Theorem) -> State:
        return self.session(theorem.header).start(theorem)

    @serialized
    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        try:
            session = self.session(state.theorem.header)
        except (CoqTopDied, CoqTopTimeout, StatementError) as exc:
            return StepResult(StepKind.ERROR, messages=[f"could not start coqtop: {exc}"])
        result = session.step(state, tactic, timeout)
        if not session.alive():
            self.sessions.discard(session.imports)
        return result

    def automation(self, state: State) -> list[str]:
        return portfolio(state)

    @serialized
    def premises(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> dict[str, str]:
        from .premises import proof_premises

        try:
            session = self.session(theorem.header)
        except (CoqTopDied, CoqTopTimeout, StatementError):
            return {}
        return proof_premises(session, theorem, proof, timeout or self.config.tactic_timeout)

    @serialized
    def close(self) -> None:
        self.sessions.close()
