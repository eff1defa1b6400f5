"""Lean's registrations: the Lean REPL backend, which owns what the platform knows about Lean (config, dialect,
benchmark files), and the LeanDojo backend, which shares them. The callables import the backends' modules when
called, so registering (on `import stp_prover.itp`) starts and loads nothing."""

from __future__ import annotations

from typing import Optional

from ..backends import BackendSpec, ItpConfig, register
from ..env import ProofEnv
from ..types import FileVerdict, Theorem, Verdict
from .benchmarks import BENCHMARKS
from .config import LeanConfig
from .dialect import LEAN


def _make(config: ItpConfig) -> ProofEnv:
    from .env import LeanEnv

    return LeanEnv(config.lean, config.pool)


def _require(config: ItpConfig) -> None:
    from .env import require_lean

    require_lean(config.lean)


def _prescreen(theorem: Theorem, proof: str) -> Optional[Verdict]:
    from .env import prescreen

    return prescreen(theorem, proof)


def _prescreen_file(text: str) -> Optional[FileVerdict]:
    from .env import prescreen_file

    return prescreen_file(text)


def _trace(text: str, path: str, logical_name: str, config: ItpConfig):
    from .env import require_lean
    from .session import LeanSession
    from .trace import trace_file

    require_lean(config.lean)
    session = LeanSession("", config.lean)
    try:
        return trace_file(session, text, path, logical_name, config.lean.check_timeout * 4)
    finally:
        session.close()


def _dojo_make(config: ItpConfig) -> ProofEnv:
    from .dojo import LeanDojoEnv
    from .env import LeanEnv

    checker = LeanEnv(config.lean, config.pool) if config.lean.repl_command else None
    return LeanDojoEnv(config=config.lean, checker=checker)


def _dojo_require(config: ItpConfig) -> None:
    from .dojo import _lean_dojo

    _lean_dojo()


SPEC = BackendSpec(
    "lean",
    "lean",
    _make,
    _require,
    configured=lambda config: bool(config.lean.repl_command),
    preference=1,
    file_suffix=".lean",
    prescreen=_prescreen,
    prescreen_file=_prescreen_file,
    trace=_trace,
    config=LeanConfig,
    dialect=LEAN,
    benchmarks=BENCHMARKS,
)
DOJO_SPEC = BackendSpec("leandojo", "lean", _dojo_make, _dojo_require, checks=False)
register(SPEC)
register(DOJO_SPEC)
