"""LeanDojo (`lean_dojo.Dojo`) behind the proof-environment interface. LeanDojo runs tactics on a traced
repository; whole-proof checks with the axiom audit go through the Lean REPL, which LeanDojo does not offer."""

from __future__ import annotations

import inspect
import threading
import time
from collections import OrderedDict
from typing import Any, Optional

from ..env import BackendUnavailable, ProofEnv, StatementError, serialized
from ..types import FileVerdict, State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from .config import LeanConfig
from .portfolio import portfolio

INSTALL_HINT = "pip install 'stp-prover[lean-dojo]' and trace the repository first (see LeanDojo's documentation)"


def _lean_dojo() -> Any:
    try:
        import lean_dojo
    except ImportError as exc:
        raise BackendUnavailable(f"lean_dojo is not installed; {INSTALL_HINT}") from exc
    return lean_dojo


class _StepTimeout(RuntimeError):
    """Our own per-tactic deadline passed."""


class LeanDojoEnv(ProofEnv):
    """`Theorem.source` names the traced repository as "URL@COMMIT:FILE_PATH"; `Theorem.name` is the full name."""

    system = "lean"

    def __init__(
        self,
        timeout: int = 600,
        checker: Optional[ProofEnv] = None,
        dojo_module: Any = None,
        max_open: int = 2,
        config: Optional[LeanConfig] = None,
    ):
        self.lean_dojo = dojo_module or _lean_dojo()
        self.timeout = timeout  # the Dojo's own limit, over its whole life
        self.config = config or LeanConfig()  # its tactic_timeout: one tactic, when `step` is given none
        self.max_open = max(1, max_open)  # each open Dojo is a Lean process with the file's imports loaded
        self.checker = checker  # a LeanEnv (REPL) for whole-proof checks, when configured
        self._open: "OrderedDict[str, tuple[Any, Any]]" = OrderedDict()  # theorem name -> (context manager, dojo)
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

    def _make_dojo(self, theorem: Theorem) -> Any:
        """lean_dojo 1.x takes `timeout`, later versions `hard_timeout` (both: seconds for the Dojo's whole life)."""
        params = inspect.signature(self.lean_dojo.Dojo).parameters
        key = "hard_timeout" if "hard_timeout" in params else "timeout"
        return self.lean_dojo.Dojo(self._dojo_theorem(theorem), **{key: self.timeout})

    def _enter(self, theorem: Theorem) -> Any:
        self._leave(theorem.name)
        while len(self._open) >= self.max_open:  # a benchmark run opens one Dojo per theorem: keep a few
            self._leave(next(iter(self._open)))
        cm = self._make_dojo(theorem)
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
            except Exception:  # a wedged Dojo may fail to close (signals outside the main thread): kill its process
                proc = getattr(entry[1], "proc", None)
                if proc is not None and proc.poll() is None:
                    proc.kill()

    @serialized
    def start(self, theorem: Theorem) -> State:
        init = self._enter(theorem)
        return State(theorem, init.pp, (), (self._generation[theorem.name], init), init.pp.count("⊢") or 1)

    def release(self, theorem: Theorem) -> None:
        self._leave(theorem.name)

    def _timeout_errors(self) -> tuple[type, ...]:
        ld = self.lean_dojo
        names = ("DojoTacticTimeoutError", "DojoHardTimeoutError")
        return tuple(getattr(ld, n) for n in names if isinstance(getattr(ld, n, None), type))

    def _run(self, name: str, dojo_state: Any, tactic: str, timeout: float) -> Any:
        """`run_tac` with a deadline of our own: Dojo takes no per-tactic limit, so past `timeout` the Dojo is
        closed (which kills its Lean process and ends the blocked read) and the step is a timeout."""
        dojo = self._open[name][1]
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = dojo.run_tac(dojo_state, tactic)
            except BaseException as exc:
                box["error"] = exc

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            self._leave(name)
            worker.join(5)
            raise _StepTimeout(f"tactic ran past {timeout:.0f}s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    @serialized
    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        t0 = time.monotonic()
        ld = self.lean_dojo
        name = state.theorem.name
        try:
            dojo_state = self._materialise(state)
            result = self._run(name, dojo_state, tactic, timeout or self.config.tactic_timeout)
        except (_StepTimeout, *self._timeout_errors()) as exc:
            self._leave(name)  # a Dojo is wedged after a tactic timeout: the next step re-creates it
            return StepResult(StepKind.TIMEOUT, messages=[str(exc) or "tactic timeout"], seconds=time.monotonic() - t0)
        except (ld.DojoCrashError, ld.DojoInitError) as exc:
            self._leave(name)
            return StepResult(StepKind.ERROR, messages=[f"LeanDojo crashed: {exc}"], seconds=time.monotonic() - t0)
        except StatementError as exc:  # re-entering the theorem to replay a path failed
            self._leave(name)
            return StepResult(StepKind.ERROR, messages=[str(exc)], seconds=time.monotonic() - t0)
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
        if not isinstance(result, ld.TacticState):  # later lean_dojo returns a TimeoutError record (try_for_time)
            self._leave(name)
            return StepResult(StepKind.TIMEOUT, messages=[str(getattr(result, "error", result))], seconds=seconds)
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
            current = self._run(name, current, tactic, self.config.tactic_timeout)  # a replayed step has a deadline too
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

    @serialized
    def close(self) -> None:
        for name in list(self._open):
            self._leave(name)
        if self.checker is not None:
            self.checker.close()
