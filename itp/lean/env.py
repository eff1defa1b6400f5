"""Lean 4 behind the proof-environment interface, through the Lean REPL."""

from __future__ import annotations

import dataclasses
import time
from typing import Optional

from ..config import PoolConfig
from ..env import BackendUnavailable, ProofEnv, StatementError, UntrustedInput, serialized
from ..types import FileVerdict, State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from ..verdicts import STRICT, VerdictRules
from ..warm import WarmCache
from .config import LeanConfig
from .lexer import LexError, TokenKind, tokenize
from .policy import (
    NotAStatement,
    PolicyViolation,
    declared_names,
    screen_file,
    screen_header,
    screen_statement,
)
from .portfolio import portfolio
from .repl import ReplDied, ReplTimeout
from .session import LeanSession, errors_of, refuse_proof

INSTALL_HINT = (
    "set STP_LEAN_REPL to the command that starts the Lean REPL inside a Mathlib project, e.g. "
    "STP_LEAN_REPL='lake env .lake/build/bin/stp-repl' STP_LEAN_PROJECT=/path/to/this/repository after `lake build` "
    "there (see the README's Lean setup)"
)


def require_lean(config: LeanConfig) -> None:
    if not config.repl_command:
        raise BackendUnavailable(f"no Lean REPL configured; {INSTALL_HINT}")


def screen_problem(theorem: Theorem) -> Optional[Verdict]:
    """The verdict for a theorem whose header or statement is refused before any process sees it, or None: text
    that is no statement at all is `bad_statement` (bad input), anything else the policy refuses `untrusted`."""
    try:
        screen_header(theorem.header)
        screen_statement(theorem.statement)
    except NotAStatement as exc:
        return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: {exc}")
    except PolicyViolation as exc:
        return Verdict(VerdictKind.UNTRUSTED, f"refused header or statement: {exc}")
    return None


def prescreen(theorem: Theorem, proof: str, rules: VerdictRules = STRICT) -> Optional[Verdict]:
    """The verdict the trust policy (under verdict mode `rules`) gives before any process runs, or None (needs no
    Lean)."""
    return screen_problem(theorem) or refuse_proof(theorem, proof, rules)


def prescreen_file(text: str) -> Optional[FileVerdict]:
    """The refusal the trust policy gives a whole file before any process runs, or None (needs no Lean)."""
    try:
        imports = import_prefix(text)
        screen_header(imports)
        screen_file(text[len(imports) :])
    except PolicyViolation as exc:
        return FileVerdict(False, reason=f"forbidden file content: {exc}")
    return None


def import_prefix(text: str) -> str:
    """The leading part of a file made of its `import` lines (and the comments between them)."""
    try:
        tokens = tokenize(text)
    except LexError as exc:
        raise PolicyViolation(f"the file does not lex as Lean: {exc}") from None
    end = 0
    for i, t in enumerate(tokens):
        if t.text == "import" and i + 1 < len(tokens):
            end = tokens[i + 1].end
        elif not (i > 0 and tokens[i - 1].text == "import") and t.kind is not TokenKind.DOC_COMMENT:
            break
    return text[:end]


class LeanEnv(ProofEnv):
    """Warm REPL processes per header; calls are `serialized`, so threads sharing one environment never interleave
    requests to one REPL."""

    system = "lean"

    def __init__(self, config: Optional[LeanConfig] = None, pool: Optional[PoolConfig] = None):
        self.config = config or LeanConfig()
        require_lean(self.config)
        self.sessions: WarmCache[LeanSession] = WarmCache.for_backend(self.config, pool)

    def session(self, header: str) -> LeanSession:
        return self.sessions.get(header, lambda: LeanSession(header, self.config))

    @serialized
    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        """The verdict of the config's verdict mode, labelled with it."""
        verdict = self._check(theorem, proof, timeout)
        return dataclasses.replace(verdict, verdicts=self.config.verdicts)

    def _check(self, theorem: Theorem, proof: str, timeout: Optional[float]) -> Verdict:
        refused = prescreen(theorem, proof, self.config.verdict_rules())
        if refused:
            return refused
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
        refused = prescreen_file(text)
        if refused:
            return refused
        names = declared_names(text)
        if not names:
            raise KeyError("(the file declares no theorem)")
        targets = only or names
        missing = [n for n in targets if n not in names]
        if missing:
            raise KeyError(", ".join(missing))
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

    @serialized
    def start(self, theorem: Theorem) -> State:
        """Open `theorem`; a REPL that died or timed out is discarded and the start is tried once on a fresh one."""
        refused = screen_problem(theorem)
        if refused:
            error = StatementError if refused.kind is VerdictKind.BAD_STATEMENT else UntrustedInput
            raise error(f"{theorem.name}: {refused.reason}")
        for attempt in (1, 2):
            try:
                return self.session(theorem.header).start(theorem)
            except (ReplDied, ReplTimeout, OSError) as exc:
                self.sessions.discard(theorem.header)
                if attempt == 2:
                    raise BackendUnavailable(f"the Lean REPL failed twice opening {theorem.name}: {exc}") from exc
        raise AssertionError("unreachable")

    @serialized
    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        try:
            session = self.session(state.theorem.header)
        except (ReplDied, ReplTimeout, OSError) as exc:
            return StepResult(StepKind.ERROR, messages=[f"could not start the Lean REPL: {exc}"])
        return session.step(state, tactic, timeout)

    def automation(self, state: State) -> list[str]:
        return portfolio(state)

    @serialized
    def premises(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> dict[str, str]:
        from .premises import proof_premises  # STP's `invokes`; see that module for the Lean behaviour relied on

        return proof_premises(self.session(theorem.header), theorem, proof, timeout or self.config.tactic_timeout)

    @serialized
    def close(self) -> None:
        self.sessions.close()
