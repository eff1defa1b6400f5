"""The one place that turns a backend name into a proof environment; code above `itp` uses only this."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .config import CoqConfig, LeanConfig, PoolConfig
from .env import BackendUnavailable, ProofEnv

BACKENDS = ("coq", "lean", "leandojo")


@dataclass
class ItpConfig:
    coq: CoqConfig = field(default_factory=CoqConfig)
    lean: LeanConfig = field(default_factory=LeanConfig)
    pool: PoolConfig = field(default_factory=PoolConfig)


def make_env(backend: str, config: Optional[ItpConfig] = None) -> ProofEnv:
    """A proof environment for `backend`; raises BackendUnavailable (with install steps) or ValueError."""
    config = config or ItpConfig()
    if backend == "coq":
        from .coq.env import CoqEnv

        return CoqEnv(config.coq, config.pool)
    if backend == "lean":
        from .lean.env import LeanEnv

        return LeanEnv(config.lean, config.pool)
    if backend == "leandojo":
        from .lean.dojo import LeanDojoEnv
        from .lean.env import LeanEnv

        checker = LeanEnv(config.lean, config.pool) if config.lean.repl_command else None
        return LeanDojoEnv(checker=checker)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


_SUFFIXES = {".v": "coq", ".lean": "lean"}


def system_of(backend: str) -> str:
    """The proof assistant a backend drives (theorem records are per proof assistant, not per backend)."""
    return "lean" if backend == "leandojo" else backend


def backend_for_file(filename: str) -> Optional[str]:
    """The backend that checks files with this name's extension, or None."""
    for suffix, backend in _SUFFIXES.items():
        if filename.endswith(suffix):
            return backend
    return None


def source_files(backend: str, config: Optional[ItpConfig] = None) -> tuple[str, list[tuple[str, str]]]:
    """(library root, [(path relative to it, logical name)]) of the proof assistant's own library sources: Coq's
    standard library (Init is left out: it is loaded already and replays badly). Lean has none installed here."""
    config = config or ItpConfig()
    if backend != "coq":
        raise ValueError(f"no installed library sources to trace for {backend!r}; trace your own files instead")
    import os

    from .coq.env import library_dir

    root = library_dir(config.coq.coqc)
    if not root:
        raise BackendUnavailable("Coq is not installed; install it with scripts/install.sh")
    files = []
    for dirpath, _, names in os.walk(os.path.join(root, "theories")):
        for name in sorted(names):
            if name.endswith(".v"):
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                logical = "Coq." + rel[len("theories/") : -2].replace(os.sep, ".")
                if not logical.startswith("Coq.Init."):
                    files.append((rel, logical))
    return root, sorted(files)


def trace_source(backend: str, text: str, path: str, logical_name: str, config: Optional[ItpConfig] = None):
    """Replay one source file and record every tactic's goals before and after (a TracedFile)."""
    config = config or ItpConfig()
    if backend == "coq":
        from .coq.trace import trace_file

        return trace_file(text, path, logical_name, config.coq)
    if backend == "lean":
        from .lean.env import require_lean
        from .lean.session import LeanSession
        from .lean.trace import trace_file as trace_lean

        require_lean(config.lean)
        session = LeanSession("", config.lean)
        try:
            return trace_lean(session, text, path, logical_name, config.lean.check_timeout * 4)
        finally:
            session.close()
    raise ValueError(f"cannot trace with backend {backend!r}")


def default_backend(config: Optional[ItpConfig] = None) -> str:
    """Lean where a Lean REPL is configured, else Coq."""
    config = config or ItpConfig()
    return "lean" if config.lean.repl_command else "coq"


def ensure_available(backend: str, config: Optional[ItpConfig] = None) -> None:
    """Raise BackendUnavailable without starting anything when `backend` is not installed or configured."""
    config = config or ItpConfig()
    if backend == "coq":
        from .coq.env import require_coq

        require_coq(config.coq)
    elif backend == "lean":
        from .lean.env import require_lean

        require_lean(config.lean)
    elif backend == "leandojo":
        from .lean.dojo import _lean_dojo

        _lean_dojo()
    else:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "ItpConfig",
    "backend_for_file",
    "default_backend",
    "source_files",
    "system_of",
    "trace_source",
    "ensure_available",
    "make_env",
]
