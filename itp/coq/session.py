"""A warm Coq session bound to one header: whole-proof checks and tactic steps on a linear document."""
from __future__ import annotations

import time
from typing import Optional

from ..config import CoqConfig
from ..env import StatementError
from ..types import State, StepKind, StepResult, Theorem, Verdict, VerdictKind
from .coqtop import CoqTop, CoqTopDied, CoqTopTimeout, count_goals, first_goal, unfocused_goals
from .policy import PolicyViolation, screen_tactic
from .script import build_script, judge, policy_verdict, statement_sentence
from .sentences import SentenceError, split_sentences


class HeaderError(StatementError):
    """The header does not load."""


class CoqSession:
    """coqtop with the header loaded once. Each check starts from the post-header state (`BackTo`), which is the
    same context a fresh process would have, and returns there afterwards."""

    def __init__(self, header: str, config: CoqConfig):
        self.header = header
        self.config = config
        self.uses = 0
        self.top = CoqTop(config)
        try:
            for sentence in split_sentences(header):
                reply = self.top.run(sentence, config.start_timeout)
                if reply.error:
                    raise HeaderError(f"header does not load: {sentence[:80]!r}: {reply.error}")
        except SentenceError as exc:
            self.top.close()
            raise HeaderError(f"header is not complete Coq: {exc}") from exc
        except (HeaderError, CoqTopDied, CoqTopTimeout):
            self.top.close()
            raise
        self.base = self.top.sid
        # The current line of tactic states: (tactic path, state id), each path a prefix of the next.
        self._line: list[tuple[tuple[str, ...], int]] = []
        self._theorem: Optional[Theorem] = None

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
        try:
            script = build_script(theorem, proof)
        except PolicyViolation as exc:
            return policy_verdict(exc)
        self._reset()
        deadline = t0 + timeout
        try:
            for i, sentence in enumerate(script.sentences):
                reply = self.top.run(sentence, max(0.1, deadline - time.monotonic()))
                if reply.error:
                    # Our own copy of the statement failing is bad input; anything later is the proof's fault.
                    kind = VerdictKind.BAD_STATEMENT if i == 0 and not script.restated else VerdictKind.REJECTED
                    return Verdict(kind, reply.error, messages=[reply.output], seconds=time.monotonic() - t0)
            if reply.open_proofs:
                return Verdict(VerdictKind.REJECTED, "the proof is not closed", seconds=time.monotonic() - t0)
            outputs: dict[str, str] = {}
            for sentence, role in script.audit():
                reply = self.top.run(sentence, self.config.check_timeout)
                if reply.error:
                    return Verdict(VerdictKind.UNTRUSTED, f"audit failed at {sentence!r}: {reply.error}",
                                   seconds=time.monotonic() - t0)
                if role:
                    outputs[role] = reply.output
            return judge(script, outputs, self.header, self.config.allowed_axioms, time.monotonic() - t0)
        except CoqTopTimeout as exc:
            return Verdict(VerdictKind.TIMEOUT, str(exc), seconds=time.monotonic() - t0)
        except CoqTopDied as exc:
            return Verdict(VerdictKind.ERROR, f"coqtop died: {exc}", seconds=time.monotonic() - t0)
        finally:
            if self.alive():
                try:
                    self._reset()
                except (CoqTopDied, CoqTopTimeout):
                    self.close()

    # -- tactic mode ----------------------------------------------------------------------------------------------
    def start(self, theorem: Theorem) -> State:
        declaration = statement_sentence(theorem)
        self._reset()
        reply = self.top.run(declaration, self.config.start_timeout)
        if reply.error:
            self._reset()
            raise StatementError(f"{theorem.name}: statement does not elaborate: {reply.error}")
        self._theorem = theorem
        self._line = [((), self.top.sid)]
        n, text = self._goals()
        return State(theorem=theorem, text=text, path=(), handle=self.top.sid, num_goals=n)

    def step(self, state: State, tactic: str) -> StepResult:
        t0 = time.monotonic()
        self.uses += 1
        try:
            sentences = screen_tactic(tactic)
        except PolicyViolation as exc:
            return StepResult(StepKind.ERROR, messages=[str(exc)], seconds=time.monotonic() - t0)
        try:
            self._materialise(state)
            parent_sid = self.top.sid
            for sentence in sentences:
                reply = self.top.run(sentence, self.config.tactic_timeout)
                if reply.error:
                    self._back(parent_sid)
                    return StepResult(StepKind.ERROR, messages=[reply.error], seconds=time.monotonic() - t0)
            sid = self.top.sid
            n, text = self._goals()
            path = state.path + (tactic,)
            if n == 0:
                qed = self.top.run("Qed.", self.config.tactic_timeout)
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
        del self._line[best + 1:]
        self._back(sid)
        for k in range(len(path), len(state.path)):
            for sentence in screen_tactic(state.path[k]):
                reply = self.top.run(sentence, self.config.tactic_timeout)
                if reply.error:
                    raise CoqTopDied(f"replay of {state.path[k]!r} failed: {reply.error}")
            self._line.append((state.path[: k + 1], self.top.sid))

    def _goals(self) -> tuple[int, str]:
        out = self.top.run("Show.", self.config.tactic_timeout).output
        n = count_goals(out)
        if n == 0:
            return 0, "no goals"
        if "unfocused goals" in out or "on the shelf" in out:
            return n, "\n\n".join(unfocused_goals(out))
        goals = [first_goal(out)]
        for i in range(2, min(n, self.config.max_goals_shown) + 1):
            goals.append(first_goal(self.top.run(f"Show {i}.", self.config.tactic_timeout).output))
        goals += unfocused_goals(out)[len(goals) - 1:] if n > self.config.max_goals_shown else []
        return n, "\n\n".join(goals)

    def _back(self, sid: int) -> None:
        if self.top.sid != sid:
            self.top.back_to(sid)

    def _reset(self) -> None:
        self._line = []
        self._theorem = None
        self._back(self.base)

    def _recover(self) -> None:
        """After an interrupted tactic the line of states is unknown: return to the header state or die."""
        if not self.alive():
            return
        try:
            self._reset()
        except (CoqTopDied, CoqTopTimeout):
            self.close()
