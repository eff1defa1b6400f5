"""LeanDojo (`lean_dojo.Dojo`) behind the proof-environment interface. LeanDojo runs tactics on a traced
repository; whole-proof checks with the axiom audit go through the Lean REPL, which LeanDojo does not offer."""

from __future__ import annotations

import time
from typing import Any, Optional

from ..env import BackendUnavailable, ProofEnv, StatementError
from .portfolio import portfolio
from ..types import FileVerdict, State, StepKind, StepResult, Theorem, Verdict, VerdictKind

INSTALL_HINT = "pip install 'stp-prover[lean-dojo]' and trace the repository first (see LeanDojo's documentation)"


def _lean_dojo() -> Any:
    try:
        import lean_dojo  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise BackendUnavailable(f"lean_dojo is not installed; {INSTALL_HINT}") from exc
    return lean_dojo


class LeanDojoEnv(ProofEnv):
    """`Theorem.source` names the traced repository as "URL@COMMIT:FILE_PATH"; `Theorem.name` is the full name."""

    system = "lean"

    def __init__(self, timeout: int = 600, checker: Optional[ProofEnv] = None, dojo_module: Any = None):
        self.lean_dojo = dojo_module or _lean_dojo()
        self.timeout = timeout
        self.checker = checker  # a LeanEnv (REPL) for whole-proof checks, when configured
        self._open: dict[str, tuple[Any, Any]] = {}  # theorem name -> (context manager, dojo)
        self._generation: dict[str, int] = {}

    def _dojo_theorem(self, theorem: Theorem) -> Any:
        if not theorem.source or "@" not in theorem.source or ":" not in theorem.source.split("@", 1)[1]:
            raise StatementError(
                f"{theorem.name}: LeanDojo needs source 'URL@COMMIT:FILE_PATH', got {theorem.source!r}"
            )
        url, rest = theorem.source.split("@", 1)
        commit, file_path = rest.split(":", 1)
        ld = self.lean_dojo
        return ld.Theorem(ld.LeanGitRepo(url, commit), file_path, theorem.name)

    def _enter(self, theorem: Theorem) -> Any:
        self._leave(theorem.name)
        cm = self.lean_dojo.Dojo(self._dojo_theorem(theorem), timeout=self.timeout)
        try:
            dojo, init_state = cm.__enter__()
        except self.lean_dojo.DojoInitError as exc:
            raise StatementError(f"{theorem.name}: LeanDojo could not open it: {exc}") from exc
        self._open[theorem.name] = (cm, dojo)
        self._generation[theorem.name] = self._generation.get(theorem.name, 0) + 1
        return init_state

    def _leave(self, name: str) -> None:
        entry = self._open.pop(name, None)
        if entry is not None:
            try:
                entry[0].__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - a wedged Dojo may fail to close; it is discarded either way
                pass

    def start(self, theorem: Theorem) -> State:
        init = self._enter(theorem)
        return State(theorem, init.pp, (), (self._generation[theorem.name], init), init.pp.count("⊢") or 1)

    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        t0 = time.monotonic()
        ld = self.lean_dojo
        name = state.theorem.name
        try:
            dojo_state = self._materialise(state)
            result = self._open[name][1].run_tac(dojo_state, tactic)
        except ld.DojoTacticTimeoutError as exc:
            self._leave(name)  # a Dojo is wedged after a tactic timeout: the next step re-creates it
            return StepResult(StepKind.TIMEOUT, messages=[str(exc)], seconds=time.monotonic() - t0)
        except (ld.DojoCrashError, ld.DojoInitError) as exc:
            self._leave(name)
            return StepResult(StepKind.ERROR, messages=[f"LeanDojo crashed: {exc}"], seconds=time.monotonic() - t0)
        handle_gen = self._generation[name]
        path = state.path + (tactic,)
        seconds = time.monotonic() - t0
        if isinstance(result, ld.ProofFinished):
            return StepResult(
                StepKind.PROVED, State(state.theorem, "no goals", path, (handle_gen, result), 0), seconds=seconds
            )
        if isinstance(result, ld.LeanError):
            return StepResult(StepKind.ERROR, messages=[result.error], seconds=seconds)
        if isinstance(result, ld.ProofGivenUp):
            return StepResult(StepKind.GAVE_UP, messages=["proof given up (sorry)"], seconds=seconds)
        return StepResult(
            StepKind.OPEN,
            State(state.theorem, result.pp, path, (handle_gen, result), result.pp.count("⊢") or 1),
            seconds=seconds,
        )

    def _materialise(self, state: State) -> Any:
        generation, dojo_state = state.handle
        name = state.theorem.name
        if name in self._open and generation == self._generation.get(name):
            return dojo_state
        current = self._enter(state.theorem)
        for tactic in state.path:
            current = self._open[name][1].run_tac(current, tactic)
            if not isinstance(current, self.lean_dojo.TacticState):
                raise self.lean_dojo.DojoCrashError(f"replay of {tactic!r} did not reach an open state")
        return current

    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        if self.checker is None:
            return Verdict(
                VerdictKind.ERROR,
                "LeanDojo cannot audit axioms of a whole proof; configure the Lean "
                "REPL (STP_LEAN_REPL) to check proofs found with LeanDojo",
            )
        return self.checker.check(theorem, proof, timeout)

    def check_file(self, text: str, only: Optional[list[str]] = None) -> FileVerdict:
        if self.checker is None:
            return FileVerdict(False, reason="LeanDojo cannot check files; configure the Lean REPL (STP_LEAN_REPL)")
        return self.checker.check_file(text, only)

    def automation(self, state: State) -> list[str]:
        return portfolio(state)

    def close(self) -> None:
        for name in list(self._open):
            self._leave(name)
        if self.checker is not None:
            self.checker.close()
