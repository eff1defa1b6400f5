"""A `coqtop -emacs` session: one sentence per line, a sync sentinel after each, state ids for `BackTo`."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Optional

from ..process import LimitedProcess, ProcessDied, ReadTimeout
from .config import CoqConfig

_PROMPT = re.compile(rb"<prompt>(\S+) < (\d+) \|([^|]*)\| (\d+) < </prompt>")
_TAGS = re.compile(r"</?(?:infomsg|warning)>")
_SENTINEL = "stp_sync_{}"


class CoqTopDied(RuntimeError):
    """The session is gone (crash, memory limit, or killed after a timeout that SIGINT could not stop)."""


class CoqTopTimeout(RuntimeError):
    """A sentence ran past its time; the session was interrupted and is still usable."""


@dataclass
class Reply:
    output: str  # what Coq printed for the sentence, tags removed
    sid: int  # state id after the sentence (unchanged on error)
    open_proofs: str  # names of open proofs, "" when none
    error: Optional[str] = None


class CoqTop:
    """One interactive Coq process. Not thread-safe: one caller at a time."""

    def __init__(self, config: CoqConfig):
        self.config = config
        self._counter = itertools.count()
        self.proc = LimitedProcess(
            [config.coqtop, "-quiet", "-emacs", *config.load_args], config.limits, sandbox=config.process_sandbox()
        )
        self.uses = 0
        try:
            banner = self.proc.read_until(_after_prompt, config.start_timeout).decode("utf-8", "replace")
        except (ProcessDied, ReadTimeout) as exc:
            self.proc.kill()
            raise CoqTopDied(f"coqtop did not start: {exc}") from exc
        self.sid = int(list(_PROMPT.finditer(banner.encode()))[-1].group(2))
        self.run(f"Set Printing Width {config.printing_width}.", config.start_timeout)

    def alive(self) -> bool:
        return self.proc.alive()

    def run(self, sentence: str, timeout: float) -> Reply:
        """Send one sentence and return Coq's reply; raises CoqTopTimeout or CoqTopDied. (A newline can only be
        inside a string literal here; the sentinel below catches any disagreement on where sentences end.)"""
        marker = _SENTINEL.format(next(self._counter))
        try:
            self.proc.write(f"{sentence}\nCheck {marker}.\n")
            raw = self._read_to_marker(marker, timeout)
        except ReadTimeout:
            self._interrupt(marker)
            raise CoqTopTimeout(f"timed out after {timeout:.1f}s: {sentence[:80]}")
        except ProcessDied as exc:
            self.proc.kill()
            raise CoqTopDied(str(exc)) from exc
        prompts = list(_PROMPT.finditer(raw))
        if len(prompts) != 2:
            # Coq read the line as a different number of sentences than we did: never guess what ran.
            self.proc.kill()
            raise CoqTopDied(f"sentence boundary mismatch ({len(prompts) - 1} sentences): {sentence[:80]}")
        first = prompts[0]
        output = _clean(raw[: first.start()].decode("utf-8", "replace"))
        self.sid = int(first.group(2))
        error = _error_of(output)
        return Reply(output=output, sid=self.sid, open_proofs=first.group(3).decode(), error=error)

    def back_to(self, sid: int, timeout: float = 10.0) -> Reply:
        reply = self.run(f"BackTo {sid}.", timeout)
        if reply.error:
            raise CoqTopDied(f"BackTo {sid} failed: {reply.error}")
        return reply

    def _read_to_marker(self, marker: str, timeout: float) -> bytes:
        needle = f"{marker} was not found".encode()

        def done(buf: bytes) -> Optional[int]:
            at = buf.find(needle)
            if at < 0:
                return None
            m = _PROMPT.search(buf, at)
            return m.end() if m else None

        return self.proc.read_until(done, timeout)

    def _interrupt(self, marker: str) -> None:
        self.proc.interrupt()
        try:
            self._read_to_marker(marker, self.config.interrupt_grace)
        except (ReadTimeout, ProcessDied):
            self.proc.kill()

    def close(self) -> None:
        self.proc.kill()


def _after_prompt(buf: bytes) -> Optional[int]:
    m = _PROMPT.search(buf)
    return m.end() if m else None


def _clean(text: str) -> str:
    return _TAGS.sub("", text).strip("\n")


def _error_of(output: str) -> Optional[str]:
    m = re.search(r"^Error:", output, re.M)
    if not m:
        return None
    return " ".join(output[m.start() + len("Error:") :].split()) or "error"


_GOAL_HEAD = re.compile(r"^(\d+) goals?(?: \(ID \d+\))?\s*$", re.M)
_GOAL_N = re.compile(r"^goal (\d+) \(ID \d+\) is:\s*$", re.M)


def count_goals(show_output: str) -> int:
    """Number of goals in a `Show.` reply (0 for "No more goals.")."""
    if "No more goals." in show_output:
        return 0
    m = _GOAL_HEAD.search(show_output)
    return int(m.group(1)) if m else 0


def first_goal(show_output: str) -> str:
    """The first goal of a `Show.`/`Show n.` reply, hypotheses and conclusion, dedented."""
    body = show_output
    m = _GOAL_HEAD.search(body) or _GOAL_N.search(body)
    if m:
        body = body[m.end() :]
    nxt = _GOAL_N.search(body)
    if nxt:
        body = body[: nxt.start()]
    lines = [line[2:] if line.startswith("  ") else line.strip() for line in body.strip("\n").split("\n")]
    return "\n".join(line.rstrip() for line in lines if line.strip()).strip()


def unfocused_goals(show_output: str) -> list[str]:
    """Goals shown without hypotheses (`goal k (ID n) is:` sections), as their conclusions."""
    parts = _GOAL_N.split(show_output)
    return [" ".join(parts[i + 1].split()) for i in range(1, len(parts) - 1, 2)]


def read_goals(top: CoqTop, timeout: float, max_shown: int) -> tuple[int, str]:
    """(number of goals, goals as text: each with its hypotheses, separated by a blank line) of the open proof."""
    out = top.run("Show.", timeout).output
    n = count_goals(out)
    if n == 0:
        return 0, "no goals"
    if "unfocused goals" in out or "on the shelf" in out:
        return n, "\n\n".join(unfocused_goals(out))
    goals = [first_goal(out)]
    for i in range(2, min(n, max_shown) + 1):
        goals.append(first_goal(top.run(f"Show {i}.", timeout).output))
    goals += unfocused_goals(out)[len(goals) - 1 :] if n > max_shown else []
    return n, "\n\n".join(goals)
