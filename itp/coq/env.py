"""Coq behind the proof-environment interface: warm `coqtop` sessions per header, `coqc` for files."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Optional

from ..config import CoqConfig, PoolConfig
from ..env import BackendUnavailable, ProofEnv, StatementError
from ..types import FileVerdict, State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from ..warm import WarmCache
from .coqc import check_cold, check_file
from .coqtop import CoqTopDied, CoqTopTimeout
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
    system = "coq"

    def __init__(self, config: Optional[CoqConfig] = None, pool: Optional[PoolConfig] = None):
        self.config = config or CoqConfig()
        require_coq(self.config)
        pool = pool or PoolConfig()
        self.sessions: WarmCache[CoqSession] = WarmCache(
            pool.headers_per_worker, pool.recycle_after, self.config.limits.rss_recycle_mb
        )

    def session(self, header: str) -> CoqSession:
        """The warm session for `header`'s libraries; raises StatementError if the header does not load."""
        imports, _ = split_header(header)
        return self.sessions.get(imports, lambda: CoqSession(imports, self.config))

    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        try:
            session = self.session(theorem.header)
        except StatementError as exc:
            return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: {exc}")
        except (CoqTopDied, CoqTopTimeout) as exc:
            return Verdict(VerdictKind.ERROR, f"could not start coqtop: {exc}")
        verdict = session.check(theorem, proof, timeout or self.config.check_timeout)
        if not session.alive():
            self.sessions.discard(session.imports)
        return verdict

    def check_cold(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        """The same check in a fresh `coqc` process: the baseline the warm path is measured against."""
        return check_cold(theorem, proof, self.config, timeout)

    def check_file(self, text: str, only: Optional[list[str]] = None) -> FileVerdict:
        return check_file(text, self.config, only)

    def start(self, theorem: Theorem) -> State:
        return self.session(theorem.header).start(theorem)

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

    def close(self) -> None:
        self.sessions.close()
