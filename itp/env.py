"""The proof-environment interface every backend implements: whole-proof `check`, and `start`/`step` for search."""

from __future__ import annotations

import abc
import functools
import threading
from typing import Optional

from .config import BackendConfig
from .types import FileVerdict, State, StepResult, Theorem, Verdict


class BackendUnavailable(RuntimeError):
    """The proof assistant is not installed or not configured; the message says how to get it."""


class StatementError(ValueError):
    """The theorem's header or statement does not elaborate: bad input, not a failed proof."""


class UntrustedInput(StatementError):
    """The header (or other input around a proof) was refused by the trust policy before any process saw it."""


def serialized(method):
    """Run an environment method under the environment's own lock: threads that share one environment are served
    one after the other and never interleave requests to one process (parallelism comes from several
    environments, as the verifier pool keeps them)."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self.__dict__.setdefault("_call_lock", threading.RLock()):
            return method(self, *args, **kwargs)

    return locked


class ProofEnv(abc.ABC):
    """A proof assistant behind one interface. Implementations keep warm processes and are not thread-safe."""

    system: str
    config: BackendConfig  # the backend's settings (its BackendConfig subclass): the one owner of its time limits

    @abc.abstractmethod
    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        """Check a whole proof of `theorem` in a fresh context under the trust policy."""

    @abc.abstractmethod
    def check_file(self, text: str, only: Optional[list[str]] = None) -> FileVerdict:
        """Check every theorem of a whole file (or those named in `only`; KeyError for names it lacks)."""

    @abc.abstractmethod
    def start(self, theorem: Theorem) -> State:
        """Open `theorem` in tactic mode; raises StatementError if it does not elaborate."""

    @abc.abstractmethod
    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        """Run one tactic on `state` (within `timeout` seconds, default the backend's tactic timeout). Never trusted
        on its own: proofs found this way are re-checked with `check`."""

    @abc.abstractmethod
    def automation(self, state: State) -> list[str]:
        """The proof assistant's own automation and structural tactics worth trying on `state`, best first."""

    def premises(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> dict[str, str]:
        """The library lemmas a verified `proof` of `theorem` invokes, as the proof assistant resolves them: fully
        qualified name -> the lemma's statement. Empty where a backend cannot tell (STP's conjecturer lemmas)."""
        return {}

    def release(self, theorem: Theorem) -> None:
        """Free what this environment holds for `theorem` (a search on it is over); the default holds nothing."""

    def default_tactic_timeout(self) -> float:
        """Seconds one tactic gets when `step` is given no timeout: the one default search and checks use (the
        environment's config, which ItpSettings sets)."""
        return float(self.config.tactic_timeout)

    def close(self) -> None:
        """Stop every process this environment started."""

    def __enter__(self) -> "ProofEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
