"""A warm Lean REPL session bound to one header: the header is imported once, every proof runs on that environment."""

from __future__ import annotations

import json
import time
from typing import Any, Optional

from ..env import StatementError
from ..types import State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from ..verdicts import STRICT, VerdictRules
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


BASE_NAMES_TAG = "stp-base-names: "
AUDIT_OK = "stp-audit: ok"
# Both run as commands on a REPL environment (REPL transcript `options`: a command sees what earlier commands on its
# environment did). Constants declared in the environment itself, not imported, are in its `constants.map₂`
# (src/Lean/Environment.lean; imported ones are in `map₁`).
BASE_NAMES_CODE = "\n".join(
    [
        "open Lean Elab Command in",
        "#eval show CommandElabM Unit from do",
        "  let names := (← getEnv).constants.map₂.toList.map (fun (n, _) => toString n)",
        f'  logInfo m!"{BASE_NAMES_TAG}{{Json.compress (toJson names)}}"',
    ]
)


def _lean_string(text: str) -> str:
    """A Lean string literal: JSON's escapes are Lean's too (quotedCharCoreFn: `\\"`, `\\\\`, `\\n`, `\\uXXXX`)."""
    return json.dumps(text, ensure_ascii=False)


def result_audit(name: str, base: tuple[str, ...]) -> str:
    """The Lean command that checks the environment a proof left (run on it), not the proof's text:
    - exactly one new constant is `name`; every other is auxiliary to it (`name.proof_1`, `name.match_1`) or
      internal (`_auxLemma`); none is an axiom, opaque, inductive, unsafe or partial;
    - its type equals, as an `Expr`, that of REF_NAME: the statement elaborated alone before the proof ran, so
      nothing the proof adds (instances, notations, options) reaches it;
    - renamed copies of the new constants are replayed through the kernel (`Lean.Environment.replay`, lean4checker's
      approach; src/Lean/Replay.lean sends each declaration to `Kernel.Environment.addDecl` with empty options, so
      no `debug.skipKernelTC` applies), which catches a constant added unchecked;
    - `#print axioms` for the axiom audit (LeanSession.judge).
    `base`: the header's own constants (LeanSession.base_names); `_eval` is `#eval`'s own auxiliary constant."""
    names = ", ".join(_lean_string(n) for n in base)
    lines = [
        "open Lean Elab Command in",
        "#eval show CommandElabM Unit from do",
        "  let env ← getEnv",
        f"  let base : List String := [{names}]",
        f"  let asked : Name := String.toName {_lean_string(name)}",
        f"  let ref : Name := String.toName {_lean_string(REF_NAME)}",
        "  let fresh := env.constants.map₂.toList.filter fun (n, _) =>",
        "    !(base.contains (toString n)) && !(ref.isPrefixOf n) && !((`_eval).isPrefixOf n)",
        '  unless (fresh.filter (·.1 == asked)).length == 1 do throwError "stp: the proof did not declare {asked}"',
        "  for (n, c) in fresh do",
        '    unless asked.isPrefixOf n || n.isInternal do throwError "stp: the proof also declared {n}"',
        '    if c.isUnsafe || c.isPartial then throwError "stp: {n} is unsafe or partial"',
        '    unless c.isTheorem || c.isDefinition do throwError "stp: {n} is neither a theorem nor a definition"',
        '  let some got := env.find? asked | throwError "stp: no {asked}"',
        '  let some want := env.find? ref | throwError "stp: no reference statement"',
        "  unless got.type == want.type && got.levelParams.length == want.levelParams.length do",
        '    throwError "stp: the proved statement differs from the asked one"',
        "  let isNew : Name → Bool := fun n => fresh.any (·.1 == n)",
        "  let rn : Name → Name := fun n => if isNew n then `stp_replay ++ n else n",
        "  let re : Expr → Expr := fun e => e.replace fun",
        "    | .const n us => if isNew n then some (.const (rn n) us) else none",
        "    | _ => none",
        "  let mut copies : Std.HashMap Name ConstantInfo := {}",
        "  for (n, c) in fresh do",
        "    match c with",
        "    | .thmInfo v => copies := copies.insert (rn n) (.thmInfo { v with name := rn n, type := re v.type,",
        "        value := re v.value, all := v.all.map rn })",
        "    | .defnInfo v => copies := copies.insert (rn n) (.defnInfo { v with name := rn n, type := re v.type,",
        "        value := re v.value, all := v.all.map rn })",
        '    | _ => throwError "stp: {n} cannot be replayed"',
        "  discard <| (Lean.Environment.replay copies env.toKernelEnv : IO Kernel.Environment)",
        f'  logInfo "{AUDIT_OK}"',
        f"#print axioms {name}",
    ]
    return "\n".join(lines)


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


def refuse_proof(theorem: Theorem, proof: str, rules: VerdictRules = STRICT) -> Optional[Verdict]:
    """The `untrusted` verdict the proof screen gives `proof` on its own (forbidden text, or a restated declaration
    of another theorem), or None. Under a mode without restated proofs the text is never read as a restatement."""
    try:
        screen_proof(proof, rules.screen_verdict_rules)
    except PolicyViolation as exc:
        return Verdict(VerdictKind.UNTRUSTED, f"forbidden proof text: {exc}")
    if not rules.restated_proofs:
        return None
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
        self._base_names: Optional[tuple[str, ...]] = None
        self._base_generation = 0
        self.repl: Optional[LeanRepl] = None
        self.env: Optional[int] = None
        self._boot()

    def _boot(self) -> None:
        if self.repl is not None:
            self.repl.close()
        self.generation += 1
        self.repl = LeanRepl(
            self.config.repl_command,
            self.config.limits,
            cwd=self.config.repl_cwd,
            sandbox=self.config.process_sandbox(),
        )
        self.env = None
        if self.header.strip():
            try:
                response = self.repl.request({"cmd": self.header}, self.config.start_timeout)
                errs = errors_of(response)
                strict = response
                # The stp mode keeps Lean's defaults, as STP's REPL does (verifier.py:86 sends the header alone).
                strict_options = self.config.verdict_rules().strict_options
                if not errs and strict_options and not sets_option(self.header, "autoImplicit"):
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
        """Elaborate the asked statement alone on the header environment (the reference), run statement + proof (or
        the restated theorem) on top of it, then audit the result, not the text (result_audit): exactly the asked
        declaration was added, its type is the reference's, the kernel re-checks it, and its axioms are listed."""
        t0 = time.monotonic()
        self.uses += 1
        elapsed = lambda: time.monotonic() - t0  # noqa: E731
        rules = self.config.verdict_rules()
        refused = refuse_proof(theorem, proof, rules)
        if refused:
            return refused
        if not rules.audit_result:
            return self._check_as_stp(theorem, proof, timeout, rules, t0)
        restated = restated_name(proof)
        try:
            reference = rename_declaration(theorem.statement, REF_NAME)
        except PolicyViolation as exc:
            return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: {exc}")
        try:
            base = self.base_names()
            ref = self.command(_with_sorry(reference), timeout)
            errs = errors_of(ref)
            if errs:
                return Verdict(VerdictKind.BAD_STATEMENT, f"statement does not elaborate: {errs[0]}")
            code = proof if restated else theorem.statement.rstrip() + "\n" + proof
            response = self.command(code, timeout, env=ref["env"])
            errs = errors_of(response)
            if errs:
                at = error_offset(response, code, len(code) - len(proof), len(proof))
                return Verdict(VerdictKind.REJECTED, errs[0], messages=errs, seconds=elapsed(), error_offset=at)
            warnings = [m.get("data", "") for m in response.get("messages", [])]
            if any(_uses_sorry(w) for w in warnings) or response.get("sorries"):
                return Verdict(VerdictKind.UNTRUSTED, "the proof uses sorry", seconds=elapsed())
            audit = self.command(result_audit(theorem.name, base), self.config.check_timeout, env=response["env"])
        except (ReplTimeout, ReplDied) as exc:
            return self._lost(exc, elapsed())
        if not errors_of(audit) and not any(m.get("data", "") == AUDIT_OK for m in audit.get("messages", [])):
            return Verdict(VerdictKind.UNTRUSTED, "the result audit gave no verdict", seconds=elapsed())
        return self.judge(audit, elapsed())

    def _lost(self, exc: Exception, seconds: float) -> Verdict:
        """The verdict of a check whose REPL timed out or died; the session is restarted for the next check."""
        self._restart_quietly()
        if isinstance(exc, ReplTimeout):
            return Verdict(VerdictKind.TIMEOUT, str(exc), seconds=seconds)
        return Verdict(VerdictKind.ERROR, f"Lean REPL died: {exc}", seconds=seconds)

    def _check_as_stp(self, theorem: Theorem, proof: str, timeout: float, rules: VerdictRules, t0: float) -> Verdict:
        """STP's verdict (kfdong/STP RL/utils/prover/lean/verifier.py): `statement + '\n' + proof` run on the header's
        environment (:150, :232); proved when no message is an error (:53), the answer lists no `sorries` and no
        warning says "declaration uses 'sorry'" or holds "failed" (:54). No reference statement, no result audit, no
        `#print axioms`: the statement is trusted to be the text sent first, as STP does."""
        elapsed = lambda: time.monotonic() - t0  # noqa: E731
        code = theorem.statement.rstrip() + "\n" + proof
        try:
            response = self.command(code, timeout)
        except (ReplTimeout, ReplDied) as exc:
            return self._lost(exc, elapsed())
        errs = errors_of(response)
        if errs:
            at = error_offset(response, code, len(code) - len(proof), len(proof))
            return Verdict(VerdictKind.REJECTED, errs[0], messages=errs, seconds=elapsed(), error_offset=at)
        warnings = [m.get("data", "") for m in response.get("messages", []) if m.get("severity") == "warning"]
        if response.get("sorries") or any(_uses_sorry(w) for w in warnings):
            return Verdict(VerdictKind.UNTRUSTED, "the proof uses sorry", seconds=elapsed())
        failed = [w for w in warnings if rules.refuse_failed_warnings and "failed" in w]
        if failed:
            return Verdict(VerdictKind.REJECTED, f"a warning says failed: {failed[0]}", messages=failed, seconds=elapsed())
        return Verdict(VerdictKind.PROVED, "stp verdict: no axiom audit, statement not compared", seconds=elapsed())

    def base_names(self) -> tuple[str, ...]:
        """Names of the constants the header's environment declares itself (not imported), asked once per process:
        what the result audit does not count as new."""
        if self.env is None:
            return ()  # a fresh environment: nothing but its imports
        if self._base_names is None or self._base_generation != self.generation:
            response = self.command(BASE_NAMES_CODE, self.config.start_timeout)
            found = None
            for m in response.get("messages", []):
                data = m.get("data", "")
                if data.startswith(BASE_NAMES_TAG):
                    found = json.loads(data[len(BASE_NAMES_TAG) :])
            if errors_of(response) or not isinstance(found, list):
                raise ReplDied(f"no answer to the base-names request: {errors_of(response) or response}")
            self._base_names, self._base_generation = tuple(str(n) for n in found), self.generation
        return self._base_names

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
