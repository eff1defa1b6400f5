"""A warm Lean REPL session bound to one header: the header is imported once, every proof runs on that environment."""

from __future__ import annotations

import time
from typing import Any, Optional

from ..env import StatementError
from ..types import State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from .config import LeanConfig
from .policy import (
    PolicyViolation,
    header_axioms,
    parse_axioms,
    rename_declaration,
    restated_name,
    screen_proof,
    sets_option,
)
from .repl import LeanRepl, ReplDied, ReplTimeout

REF_NAME = "stp_statement_ref"
# Sent after a non-empty header: REPL commands get Lean's default options (autoImplicit on), not the lakefile's, and
# an option set by one command holds in every command run on its environment (transcript `options`). A header that
# sets autoImplicit itself keeps its choice (ProofNet's statements were checked with Lean's defaults).
STRICT_OPTIONS = "set_option autoImplicit false"


class LeanHeaderError(StatementError):
    """The header does not elaborate."""


def errors_of(response: dict[str, Any]) -> list[str]:
    """Error texts of a response: REPL-level failures and messages of severity error."""
    errs = [response["message"]] if "message" in response and "env" not in response else []
    errs += [m.get("data", "") for m in response.get("messages", []) if m.get("severity") == "error"]
    return errs


def error_offset(response: dict[str, Any], code: str, proof_start: int, proof_length: int) -> Optional[int]:
    """Where the first error of a command falls in the proof, as a character offset into the proof text: `code` is
    what was sent and the proof is `code[proof_start:]`. Messages carry `pos` {line (1-based), column (0-based,
    in characters)} (transcripts in /work/shared/lean/repl_transcripts, e.g. `incomplete`). An "unsolved goals"
    error is placed at its `endPos`: every tactic of its block ran, goals were left (Lean puts its `pos` at the
    `by`, before the tactics). Any other error is placed at the start of its line's text (Lean puts an unknown
    identifier's `pos` at the identifier, inside its tactic): the prefix before it ends between tactics. An error
    before the proof (in the statement) is at 0. None when no error has a position."""
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    found = []
    for m in response.get("messages", []):
        if m.get("severity") != "error":
            continue
        at = m.get("endPos") if str(m.get("data", "")).startswith("unsolved goals") else m.get("pos")
        if not isinstance(at, dict) or not isinstance(at.get("line"), int) or not isinstance(at.get("column"), int):
            continue
        line = min(max(at["line"], 1), len(starts) - 1)
        offset = starts[line - 1] + at["column"]
        if at is m.get("pos"):
            text = code[starts[line - 1] : offset]
            offset = max(starts[line - 1] + len(text) - len(text.lstrip()), proof_start if offset >= proof_start else 0)
        found.append(offset)
    if not found:
        return None
    return min(max(min(found) - proof_start, 0), proof_length)


def _uses_sorry(message: str) -> bool:
    """The "declaration uses sorry" warning: quoted 'sorry' up to Lean v4.24, `sorry` with backticks later."""
    return "declaration uses" in message and "sorry" in message


def _with_sorry(statement: str) -> str:
    s = statement.rstrip()
    return s + " sorry" if s.endswith("by") else s + " by sorry"


def refuse_proof(theorem: Theorem, proof: str) -> Optional[Verdict]:
    """The `untrusted` verdict the proof screen gives `proof` on its own (forbidden text, or a restated declaration
    of another theorem), or None."""
    try:
        screen_proof(proof)
    except PolicyViolation as exc:
        return Verdict(VerdictKind.UNTRUSTED, f"forbidden proof text: {exc}")
    restated = restated_name(proof)
    if restated is not None and restated != theorem.name:
        return Verdict(VerdictKind.UNTRUSTED, f"the proof declares {restated!r}, not {theorem.name!r}")
    return None


class LeanSession:
    """A REPL process with the header imported (environment `env`). States carry (generation, proofState) handles:
    after a kill and restart the generation changes and a state is rebuilt by replaying its tactic path."""

    def __init__(self, header: str, config: LeanConfig):
        if not config.repl_command:
            raise RuntimeError("no Lean REPL configured")
        self.header = header
        self.config = config
        try:
            self.header_axioms = header_axioms(header)
        except PolicyViolation:  # LeanEnv screens headers first; a session made directly still starts
            self.header_axioms = []
        self.uses = 0
        self.generation = 0
        self.repl: Optional[LeanRepl] = None
        self.env: Optional[int] = None
        self._boot()

    def _boot(self) -> None:
        if self.repl is not None:
            self.repl.close()
        self.generation += 1
        self.repl = LeanRepl(self.config.repl_command, self.config.limits, cwd=self.config.repl_cwd)
        self.env = None
        if self.header.strip():
            try:
                response = self.repl.request({"cmd": self.header}, self.config.start_timeout)
                errs = errors_of(response)
                strict = response
                if not errs and not sets_option(self.header, "autoImplicit"):
                    strict = self.repl.request(
                        {"cmd": STRICT_OPTIONS, "env": response["env"]}, self.config.start_timeout
                    )
                    errs = errors_of(strict)
            except (ReplDied, ReplTimeout):
                self.repl.close()
                raise
            if errs:
                self.repl.close()
                raise LeanHeaderError(f"header does not elaborate: {errs[0]}")
            self.env = strict["env"]

    def command(self, text: str, timeout: float, env: Optional[int] = None) -> dict[str, Any]:
        request: dict[str, Any] = {"cmd": text}
        env = self.env if env is None else env
        if env is not None:
            request["env"] = env
        return self.repl.request(request, timeout)

    # -- warm-session protocol ------------------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.repl is not None and self.repl.alive()

    def rss_mb(self) -> float:
        return self.repl.rss_mb() if self.repl else 0.0

    def close(self) -> None:
        if self.repl is not None:
            self.repl.close()

    # -- whole proofs ---------------------------------------------------------------------------------------------
    def check(self, theorem: Theorem, proof: str, timeout: float) -> Verdict:
        """Compile statement + proof as a command on the header environment, then audit it there. A proof that
        restates the theorem is compared with the asked statement elaborated beforehand in the header environment
        (elaborating it after the proof would let the proof change what the statement means)."""
        t0 = time.monotonic()
        self.uses += 1
        elapsed = lambda: time.monotonic() - t0  # noqa: E731
        refused = refuse_proof(theorem, proof)
        if refused:
            return refused
        restated = restated_name(proof)
        try:
            base_env = self.env
            if restated:
                ref = self.command(_with_sorry(rename_declaration(theorem.statement, REF_NAME)), timeout)
                errs = errors_of(ref)
                if errs:
                    return Verdict(VerdictKind.BAD_STATEMENT, f"statement does not elaborate: {errs[0]}")
                base_env = ref["env"]
            code = proof if restated else theorem.statement.rstrip() + "\n" + proof
            response = self.command(code, timeout, env=base_env)
            errs = errors_of(response)
            if errs:
                at = error_offset(response, code, len(code) - len(proof), len(proof))
                return Verdict(VerdictKind.REJECTED, errs[0], messages=errs, seconds=elapsed(), error_offset=at)
            warnings = [m.get("data", "") for m in response.get("messages", [])]
            if any(_uses_sorry(w) for w in warnings) or response.get("sorries"):
                return Verdict(VerdictKind.UNTRUSTED, "the proof uses sorry", seconds=elapsed())
            audit = self.command(
                self._audit_code(theorem, restated is not None), self.config.check_timeout, env=response["env"]
            )
        except ReplTimeout as exc:
            self._restart_quietly()
            return Verdict(VerdictKind.TIMEOUT, str(exc), seconds=elapsed())
        except ReplDied as exc:
            self._restart_quietly()
            return Verdict(VerdictKind.ERROR, f"Lean REPL died: {exc}", seconds=elapsed())
        return self.judge(audit, elapsed())

    def _audit_code(self, theorem: Theorem, restated: bool) -> str:
        lines = []
        if restated:
            # Both types are `Expr`s fixed when their declarations were elaborated: the reference one before the
            # proof ran, so instances or notations the proof might add cannot reach it.
            lines += [
                "open Lean Elab Command in",
                "#eval show CommandElabM Unit from do",
                f"  let a := ((← getEnv).find? `{theorem.name}).map (·.type)",
                f"  let b := ((← getEnv).find? `{REF_NAME}).map (·.type)",
                '  unless a.isSome && a == b do throwError "stp: the proved statement differs from the asked one"',
            ]
        lines.append(f"#print axioms {theorem.name}")
        return "\n".join(lines)

    def judge(self, audit: dict[str, Any], seconds: float) -> Verdict:
        """The verdict from an audit response: standard axioms pass, the header's own axioms are listed apart."""
        errs = errors_of(audit)
        if errs:
            return Verdict(VerdictKind.UNTRUSTED, f"audit failed: {errs[0]}", messages=errs, seconds=seconds)
        axioms = None
        for m in audit.get("messages", []):
            found = parse_axioms(m.get("data", ""))
            if found is not None:
                axioms = found
        if axioms is None:
            return Verdict(VerdictKind.UNTRUSTED, "no `#print axioms` answer", seconds=seconds)
        from_header = [a for a in axioms if a in self.header_axioms]
        axioms = [a for a in axioms if a not in self.header_axioms]
        bad = [a for a in axioms if a not in self.config.allowed_axioms]
        if bad:
            return Verdict(
                VerdictKind.UNTRUSTED,
                "non-standard axioms: " + ", ".join(bad),
                axioms=axioms,
                seconds=seconds,
                header_axioms=from_header,
            )
        return Verdict(VerdictKind.PROVED, axioms=axioms, seconds=seconds, header_axioms=from_header)

    # -- tactic mode ----------------------------------------------------------------------------------------------
    def start(self, theorem: Theorem) -> State:
        self.uses += 1
        response = self.command(_with_sorry(theorem.statement), self.config.start_timeout)
        errs = errors_of(response)
        sorries = response.get("sorries") or []
        if errs or not sorries:
            raise StatementError(f"{theorem.name}: statement does not elaborate: {errs[0] if errs else 'no goal'}")
        return State(theorem, sorries[0]["goal"], (), (self.generation, sorries[0]["proofState"]), 1)

    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        t0 = time.monotonic()
        self.uses += 1
        try:
            screen_proof(tactic)
        except PolicyViolation as exc:
            return StepResult(StepKind.ERROR, messages=[str(exc)])
        try:
            proof_state = self._materialise(state)
            response = self.repl.request(
                {"tactic": tactic, "proofState": proof_state}, timeout or self.config.tactic_timeout
            )
        except ReplTimeout as exc:
            self._restart_quietly()
            return StepResult(StepKind.TIMEOUT, messages=[str(exc)], seconds=time.monotonic() - t0)
        except (ReplDied, StatementError) as exc:
            self._restart_quietly()
            return StepResult(StepKind.ERROR, messages=[str(exc)], seconds=time.monotonic() - t0)
        return _classify(state, tactic, response, self.generation, time.monotonic() - t0)

    def _materialise(self, state: State) -> int:
        """The proofState id of `state` in the current process, replaying its path after a restart."""
        generation, proof_state = state.handle
        if generation == self.generation:
            return proof_state
        current = self.start(state.theorem)
        for tactic in state.path:
            response = self.repl.request(
                {"tactic": tactic, "proofState": current.handle[1]}, self.config.tactic_timeout
            )
            result = _classify(current, tactic, response, self.generation, 0.0)
            if result.kind is not StepKind.OPEN:
                raise ReplDied(f"replay of {tactic!r} gave {result.kind.value}")
            current = result.state
        return current.handle[1]

    def _restart_quietly(self) -> None:
        try:
            self._boot()
        except (ReplDied, ReplTimeout, LeanHeaderError):
            self.close()


def _classify(state: State, tactic: str, response: dict[str, Any], generation: int, seconds: float) -> StepResult:
    """`proved` only with no error message and proofStatus Completed (errors can come with `goals: []`)."""
    errs = errors_of(response)
    if errs:
        return StepResult(StepKind.ERROR, messages=errs, seconds=seconds)
    goals = response.get("goals", [])
    status = response.get("proofStatus", "")
    path = state.path + (tactic,)
    handle = (generation, response.get("proofState"))
    if not goals:
        if status == "Completed":
            return StepResult(StepKind.PROVED, State(state.theorem, "no goals", path, handle, 0), seconds=seconds)
        return StepResult(StepKind.ERROR, messages=[f"no goals but proof status {status!r}"], seconds=seconds)
    return StepResult(
        StepKind.OPEN, State(state.theorem, "\n\n".join(goals), path, handle, len(goals)), seconds=seconds
    )
