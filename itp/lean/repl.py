"""Client for the Lean REPL (leanprover-community/repl): one JSON request per line, a blank line after it;
one pretty-printed JSON response per request, followed by a blank line."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Optional, Sequence

from ..config import ResourceLimits
from ..process import LimitedProcess, ProcessDied, ReadTimeout
from ..sandbox import SandboxConfig

# Request shapes the REPL understands; anything else may make it exit, so it is refused before sending.
_REQUEST_KEYS = {
    "cmd": {"cmd", "env", "allTactics", "rootGoals", "infotree"},
    "tactic": {"tactic", "proofState"},
    "path": {"path", "allTactics", "infotree"},
}


class ReplDied(RuntimeError):
    """The REPL process exited or was killed."""


class ReplTimeout(RuntimeError):
    """The REPL did not answer in time; the process was killed (it has no timeout of its own)."""


def validate_request(request: dict[str, Any]) -> None:
    """Raise ValueError for a request shape the REPL does not accept."""
    kind = next((k for k in ("cmd", "tactic", "path") if k in request), None)
    if kind is None:
        raise ValueError(f"not a REPL request: {sorted(request)}")
    extra = set(request) - _REQUEST_KEYS[kind]
    if extra:
        raise ValueError(f"unknown fields for a {kind} request: {sorted(extra)}")
    if not isinstance(request[kind], str):
        raise ValueError(f"{kind} must be a string")
    for key in ("env", "proofState"):
        if key in request and not (isinstance(request[key], int) and request[key] >= 0):
            raise ValueError(f"{key} must be a non-negative integer")
    if kind == "tactic" and "proofState" not in request:
        raise ValueError("a tactic request needs a proofState")


def lean_child_env() -> dict[str, str]:
    """What elan's proxies (`lake`, `lean`) need once the sandbox has replaced HOME: elan looks for its toolchains in
    ELAN_HOME, else in $HOME/.elan (elan src/elan-utils/src/utils.rs, elan_home), and joins a relative ELAN_HOME to
    the working directory. So ELAN_HOME is passed absolute, from the real home when unset, with its bin on PATH."""
    elan_home = os.path.abspath(os.environ.get("ELAN_HOME") or os.path.join(os.path.expanduser("~"), ".elan"))
    path = os.environ.get("PATH", "/usr/bin:/bin")
    bin_dir = os.path.join(elan_home, "bin")
    if bin_dir not in path.split(os.pathsep):
        path = bin_dir + os.pathsep + path
    return {"ELAN_HOME": elan_home, "PATH": path}


def _end_of_response(buf: bytes) -> Optional[int]:
    start = len(buf) - len(buf.lstrip())
    at = buf.find(b"\n\n", start)
    return at + 2 if at >= 0 else None


class LeanRepl:
    """One REPL process. Every request has a deadline; past it the process group is killed."""

    def __init__(
        self,
        command: Sequence[str],
        limits: ResourceLimits,
        cwd: Optional[str] = None,
        sandbox: Optional[SandboxConfig] = None,
    ):
        # The REPL lives for many requests and runs threads: a lifetime RLIMIT_CPU would kill it mid-check, so time
        # is enforced per request from outside (read deadlines, then a kill of the process group) instead.
        limits = dataclasses.replace(limits, cpu_seconds=0)
        self.proc = LimitedProcess(
            command, limits, cwd=cwd, merge_stderr=False, extra_env=lean_child_env(), sandbox=sandbox
        )
        self.requests = 0

    def alive(self) -> bool:
        return self.proc.alive()

    def request(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        validate_request(request)
        # json.dumps escapes newlines inside strings, so the request is one line as the REPL needs.
        line = json.dumps(request, ensure_ascii=False)
        self.requests += 1
        try:
            self.proc.write(line + "\n\n")
            raw = self.proc.read_until(_end_of_response, timeout)
        except ReadTimeout as exc:
            self.proc.kill()
            raise ReplTimeout(f"Lean REPL gave no answer within {timeout:.0f}s") from exc
        except ProcessDied as exc:
            self.proc.kill()
            raise ReplDied(str(exc)) from exc
        try:
            return json.loads(raw.decode("utf-8"))
        except json.JSONDecodeError as exc:
            self.proc.kill()
            raise ReplDied(f"unreadable REPL answer: {raw[:200]!r}") from exc

    def rss_mb(self) -> float:
        return self.proc.rss_mb()

    def close(self) -> None:
        self.proc.kill()
