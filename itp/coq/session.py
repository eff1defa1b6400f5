"""A warm Coq session bound to one header: whole-proof checks and tactic steps on a linear document."""

from __future__ import annotations

import time
from typing import Optional

from ..env import StatementError
from ..types import State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from .config import CoqConfig
from .coqtop import CoqTop, CoqTopDied, CoqTopTimeout, read_goals
from .policy import PolicyViolation, screen_tactic
from .script import ProofLimits, judge, prepare_check, split_header, statement_sentence


class HeaderError(StatementError):
    """The header does not load."""


class CoqSession:
    """coqtop with a header's libraries loaded once. Each check goes back (`BackTo`) to the state right after the
    libraries, replays the rest of its header (definitions, scopes: milliseconds), and runs from there: the same
    context a fresh process would have. Consecutive checks with the same header reuse that state directly."""

    def __init__(self, imports: tuple[str, ...], config: CoqConfig):
        self.imports = imports
        self.config = config
        self.uses = 0
        self.top = CoqTop(config)
        try:
            for sentence in imports:
                reply = self.top.run(sentence, config.start_timeout)
                if reply.error:
                    raise HeaderError(f"header does not load: {sentence[:80]!r}: {reply.error}")
        except (HeaderError, CoqTopDied, CoqTopTimeout):
            self.top.close()
            raise
        self.base = self.top.sid
        self._context: tuple[str, ...] = ()  # the rest of the header currently loaded on top of the imports
        self._context_sid = self.base
        # The current line of tactic states: (tactic path, state id), each path a prefix of the next.
        self._line: list[tuple[tuple[str, ...], int]] = []
        self._theorem: Optional[Theorem] = None

    def _enter(self, header: str) -> None:
        """Make the tip the state right after `header` (whose imports must be this session's)."""
        imports, local = split_header(header)
        if imports != self.imports:
            raise ValueError("header belongs to another session")
        self._line = []
        self._theorem = None
        if local == self._context and self._context_sid is not None:
            self._back(self._context_sid)
            return
        self._back(self.base)
        self._context, self._context_sid = (), self.base
        for sentence in local:
            reply = self.top.run(sentence, self.config.start_timeout)
            if reply.error:
                self._back(self.base)
                raise HeaderError(f"header does not load: {sentence[:80]!r}: {reply.error}")
        self._context, self._context_sid = local, self.top.sid

    # -- warm-session protocol ------------------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.top.alive()

    def rss_mb(self) -> float:
        return self.top.proc.rss_mb()

    def close(self) -> None:
        self.top.close()

    # -- whole proofs ---------------------------------------------------------------------------------------------
    def check(self, theorem: Theorem, proof: str, timeout: float) -> Verdict:
        t0 = time.monotonic()
        self.uses += 1
        rules = self.config.verdict_rules()
        script = prepare_check(theorem, proof, t0, ProofLimits.of(self.config), rules)
        if isinstance(script, Verdict):
            return script
        deadline = t0 + timeout
        try:
            self._enter(theorem.header)
        except HeaderError as exc:
            return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: {exc}", seconds=time.monotonic() - t0)
        except CoqTopTimeout as exc:
            self._recover()
            return Verdict(VerdictKind.BAD_STATEMENT, f"{theorem.name}: header timed out: {exc}")
        running: Optional[int] = None  # the index of the sentence of the proof being run, while one is
        try:
            for running, sentence in enumerate(script.sentences):
                left = deadline - time.monotonic()
                if left <= 0:
                    # Each sentence may answer quickly while all of them together run far past the check's time.
                    raise CoqTopTimeout(f"the proof ran past {timeout:.1f}s (stopped before sentence {running + 1})")
                reply = self.top.run(sentence, max(0.05, left))
                if reply.error:
                    # Our own copy of the statement failing is bad input; anything later is the proof's fault.
                    if running == 0 and not script.restated:
                        return Verdict(
                            VerdictKind.BAD_STATEMENT,
                            reply.error,
                            messages=[reply.output],
                            seconds=time.monotonic() - t0,
                        )
                    return Verdict(
                        VerdictKind.REJECTED,
                        reply.error,
                        messages=[reply.output],
                        seconds=time.monotonic() - t0,
                        error_offset=script.offset(running),
                    )
            running = None
            if reply.open_proofs:
                return Verdict(
                    VerdictKind.REJECTED,
                    "the proof is not closed",
                    seconds=time.monotonic() - t0,
                    error_offset=script.offset(len(script.sentences) - 1),
                )
            outputs: dict[str, str] = {}
            for sentence, role in script.audit():
                reply = self.top.run(sentence, self.config.check_timeout)
                if reply.error:
                    return Verdict(
                        VerdictKind.UNTRUSTED,
                        f"audit failed at {sentence!r}: {reply.error}",
                        seconds=time.monotonic() - t0,
                    )
                if role:
                    outputs[role] = reply.output
            return judge(script, outputs, theorem.header, self.config.allowed_axioms, time.monotonic() - t0, rules)
        except CoqTopTimeout as exc:
            # A sentence of the proof that ran past the time is where the proof stopped; an audit's is not. The
            # process is replaced: what a runaway proof left behind (memory, a half-interrupted state) goes with it.
            at = script.offset(running) if running is not None else None
            self.close()
            return Verdict(VerdictKind.TIMEOUT, str(exc), seconds=time.monotonic() - t0, error_offset=at)
        except CoqTopDied as exc:
            return Verdict(VerdictKind.ERROR, f"coqtop died: {exc}", seconds=time.monotonic() - t0)
        finally:
            self._recover()

    # -- tactic mode ----------------------------------------------------------------------------------------------
    def start(self, theorem: Theorem) -> State:
        declaration = statement_sentence(theorem)
        self._enter(theorem.header)
        reply = self.top.run(declaration, self.config.start_timeout)
        if reply.error:
            self._recover()
            raise StatementError(f"{theorem.name}: statement does not elaborate: {reply.error}")
        self._theorem = theorem
        self._line = [((), self.top.sid)]
        n, text = self._goals()
        return State(theorem=theorem, text=text, path=(), handle=self.top.sid, num_goals=n)

    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        t0 = time.monotonic()
        limit = timeout or self.config.tactic_timeout
        self.uses += 1
        try:
            ProofLimits.of(self.config).refuse_length(tactic)
            sentences = screen_tactic(tactic)
        except PolicyViolation as exc:
            return StepResult(StepKind.ERROR, messages=[str(exc)], seconds=time.monotonic() - t0)
        try:
            self._materialise(state)
            parent_sid = self.top.sid
            for sentence in sentences:
                reply = self.top.run(sentence, max(0.05, limit - (time.monotonic() - t0)))
                if reply.error:
                    self._back(parent_sid)
                    return StepResult(StepKind.ERROR, messages=[reply.error], seconds=time.monotonic() - t0)
            sid = self.top.sid
            n, text = self._goals()
            path = state.path + (tactic,)
            if n == 0:
                qed = self.top.run("Qed.", max(limit, self.config.tactic_timeout))
                self._back(sid)
                kind = StepKind.ERROR if qed.error else StepKind.PROVED
                msgs = [f"Qed failed: {qed.error}"] if qed.error else []
                self._line.append((path, sid))
                return StepResult(kind, State(state.theorem, "no goals", path, sid, 0), msgs, time.monotonic() - t0)
            self._line.append((path, sid))
            return StepResult(StepKind.OPEN, State(state.theorem, text, path, sid, n), seconds=time.monotonic() - t0)
        except CoqTopTimeout as exc:
            self._recover()
            return StepResult(StepKind.TIMEOUT, messages=[str(exc)], seconds=time.monotonic() - t0)
        except CoqTopDied as exc:
            self.close()
            return StepResult(StepKind.ERROR, messages=[f"coqtop died: {exc}"], seconds=time.monotonic() - t0)

    def _materialise(self, state: State) -> None:
        """Make `state` the tip: go back to its deepest live ancestor and replay the rest of its tactic path."""
        if self._theorem != state.theorem or not self._line:
            self.start(state.theorem)
        best = 0
        for i, (path, _) in enumerate(self._line):
            if state.path[: len(path)] == path and len(path) >= len(self._line[best][0]):
                best = i
        path, sid = self._line[best]
        del self._line[best + 1 :]
        self._back(sid)
        for k in range(len(path), len(state.path)):
            for sentence in screen_tactic(state.path[k]):
                reply = self.top.run(sentence, self.config.tactic_timeout)
                if reply.error:
                    raise CoqTopDied(f"replay of {state.path[k]!r} failed: {reply.error}")
            self._line.append((state.path[: k + 1], self.top.sid))

    def _goals(self) -> tuple[int, str]:
        return read_goals(self.top, self.config.tactic_timeout, self.config.max_goals_shown)

    def _back(self, sid: int) -> None:
        if self.top.sid != sid:
            self.top.back_to(sid)

    def _recover(self) -> None:
        """Return to the header's state (after a check, or when the line of states is unknown), or die trying."""
        self._line = []
        self._theorem = None
        if not self.alive():
            return
        try:
            self._back(self._context_sid)
        except (CoqTopDied, CoqTopTimeout):
            self.close()
