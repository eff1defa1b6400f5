"""Lean's settings: what every backend has (BackendConfig, with Lean's longer times) plus the REPL to start."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

from ..config import BackendConfig, ResourceLimits

LEAN_STANDARD_AXIOMS: tuple[str, ...] = ("propext", "Classical.choice", "Quot.sound")


@dataclass
class LeanConfig(BackendConfig):
    check_timeout: float = 120.0
    tactic_timeout: float = 30.0
    start_timeout: float = 600.0  # importing Mathlib is slow the first time
    recycle_after: int = 500
    allowed_axioms: tuple[str, ...] = LEAN_STANDARD_AXIOMS
    stp_check_timeout: float | None = 200.0  # STP's DEFAULT_TIMEOUT per REPL request (verifier.py:31, :72)
    limits: ResourceLimits = field(default_factory=lambda: ResourceLimits(memory_mb=32768, rss_recycle_mb=16384))
    # Command that starts a Lean REPL speaking JSON on stdin/stdout, e.g. "lake env /path/to/repl/.lake/build/bin/repl"
    # run inside a Mathlib project. Read from STP_LEAN_REPL; None means "no Lean here".
    repl_command: list[str] | None = field(default_factory=lambda: _split_env("STP_LEAN_REPL"))
    repl_cwd: str | None = field(default_factory=lambda: os.environ.get("STP_LEAN_PROJECT"))

    def sandbox_paths(self) -> tuple[str, ...]:
        """What the REPL reads besides the system folders and its command's own paths (itp/sandbox.py binds those):
        the Mathlib project it runs in (its `.lake` holds the compiled Mathlib) and the elan toolchains that
        `lake env` resolves `lean-toolchain` in ($ELAN_HOME, default ~/.elan)."""
        paths = [self.repl_cwd] if self.repl_cwd else []
        paths.append(os.environ.get("ELAN_HOME") or os.path.expanduser("~/.elan"))
        return tuple(p for p in paths if os.path.exists(p))

def _split_env(name: str) -> list[str] | None:
    value = os.environ.get(name)
    return shlex.split(value) if value else None
