"""The one place that turns a backend name into a proof environment: a registry of backend specs. Code above `itp`
uses only these functions; adding a proof assistant is one package under `itp/` plus one `register(...)` here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .config import CoqConfig, LeanConfig, PoolConfig
from .env import BackendUnavailable, ProofEnv
from .types import FileVerdict, Theorem, Verdict


@dataclass
class ItpConfig:
    coq: CoqConfig = field(default_factory=CoqConfig)
    lean: LeanConfig = field(default_factory=LeanConfig)
    pool: PoolConfig = field(default_factory=PoolConfig)


@dataclass
class SourceSet:
    """Source files to trace: paths relative to `root` with their logical (module) names, and the configuration
    that loads them (a project's load paths)."""

    root: str
    files: list[tuple[str, str]]
    config: ItpConfig


@dataclass(frozen=True)
class BackendSpec:
    """What the platform needs to know about one backend; the callables import their package lazily."""

    name: str
    system: str  # the proof assistant it drives (theorem records are per proof assistant, not per backend)
    make: Callable[[ItpConfig], ProofEnv]
    require: Callable[[ItpConfig], None]  # raises BackendUnavailable (with install steps) without starting anything
    configured: Callable[[ItpConfig], bool] = lambda config: True  # preferred as the default where True
    preference: int = 0  # among configured backends the highest is the default
    file_suffix: Optional[str] = None  # `stp check` files it reads
    checks: bool = True  # checks whole proofs and files on its own (not through another backend)
    # Verdicts a backend can give without its proof assistant (its trust-policy screen), None: nothing to say.
    prescreen: Optional[Callable[[Theorem, str], Optional[Verdict]]] = None
    prescreen_file: Optional[Callable[[str], Optional[FileVerdict]]] = None
    trace: Optional[Callable[[str, str, str, ItpConfig], Any]] = None  # (text, path, logical name) -> TracedFile
    library: Optional[Callable[[ItpConfig, str], "SourceSet"]] = None  # installed sources, by library name
    project: Optional[Callable[[Path, ItpConfig, int], "SourceSet"]] = None  # a user's project folder, built
    # The global names a tactic's text refers to (premise-label candidates), where the backend knows better than
    # the names its tracer recorded.
    mentions: Optional[Callable[[str], list[str]]] = None


_REGISTRY: dict[str, BackendSpec] = {}


def register(spec: BackendSpec) -> None:
    _REGISTRY[spec.name] = spec


def spec(backend: str) -> BackendSpec:
    """The spec of `backend`; ValueError naming the known backends otherwise."""
    try:
        return _REGISTRY[backend]
    except KeyError:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(_REGISTRY)}") from None


# -- Coq -------------------------------------------------------------------------------------------------------------
def _coq_make(config: ItpConfig) -> ProofEnv:
    from .coq.env import CoqEnv

    return CoqEnv(config.coq, config.pool)


def _coq_require(config: ItpConfig) -> None:
    from .coq.env import require_coq

    require_coq(config.coq)


def _coq_trace(text: str, path: str, logical_name: str, config: ItpConfig):
    from .coq.trace import trace_file

    return trace_file(text, path, logical_name, config.coq)


def _coq_mentions(tactic: str) -> list[str]:
    from .coq.trace_names import mentions

    return mentions(tactic)


def _coq_library(config: ItpConfig, library: str) -> SourceSet:
    """One installed Coq library: the standard library (`stdlib`) or a user-contrib package (`mathcomp`, ...)."""
    from .coq.env import library_dir
    from .coq.project import library_sources

    root = library_dir(config.coq.coqc)
    if not root:
        raise BackendUnavailable("Coq is not installed; install it with scripts/install.sh")
    found = library_sources(root, library)
    return SourceSet(found.root, found.files, config)


def _coq_project(directory: Path, config: ItpConfig, jobs: int) -> SourceSet:
    """A user's Coq project from its `_CoqProject`, built, with the load paths its files need."""
    from .coq.project import project_sources

    found = project_sources(directory, build=True, jobs=jobs)
    coq = dataclasses.replace(config.coq, load_args=config.coq.load_args + found.load_args)
    return SourceSet(found.root, found.files, dataclasses.replace(config, coq=coq))


# -- Lean ------------------------------------------------------------------------------------------------------------
def _lean_make(config: ItpConfig) -> ProofEnv:
    from .lean.env import LeanEnv

    return LeanEnv(config.lean, config.pool)


def _lean_require(config: ItpConfig) -> None:
    from .lean.env import require_lean

    require_lean(config.lean)


def _lean_prescreen(theorem: Theorem, proof: str) -> Optional[Verdict]:
    from .lean.env import prescreen

    return prescreen(theorem, proof)


def _lean_prescreen_file(text: str) -> Optional[FileVerdict]:
    from .lean.env import prescreen_file

    return prescreen_file(text)


def _lean_trace(text: str, path: str, logical_name: str, config: ItpConfig):
    from .lean.env import require_lean
    from .lean.session import LeanSession
    from .lean.trace import trace_file

    require_lean(config.lean)
    session = LeanSession("", config.lean)
    try:
        return trace_file(session, text, path, logical_name, config.lean.check_timeout * 4)
    finally:
        session.close()


def _lean_dojo_make(config: ItpConfig) -> ProofEnv:
    from .lean.dojo import LeanDojoEnv
    from .lean.env import LeanEnv

    checker = LeanEnv(config.lean, config.pool) if config.lean.repl_command else None
    return LeanDojoEnv(checker=checker, tactic_timeout=config.lean.tactic_timeout)


def _lean_dojo_require(config: ItpConfig) -> None:
    from .lean.dojo import _lean_dojo

    _lean_dojo()


register(
    BackendSpec(
        "coq",
        "coq",
        _coq_make,
        _coq_require,
        file_suffix=".v",
        trace=_coq_trace,
        library=_coq_library,
        project=_coq_project,
        mentions=_coq_mentions,
    )
)
register(
    BackendSpec(
        "lean",
        "lean",
        _lean_make,
        _lean_require,
        configured=lambda config: bool(config.lean.repl_command),
        preference=1,
        file_suffix=".lean",
        prescreen=_lean_prescreen,
        prescreen_file=_lean_prescreen_file,
        trace=_lean_trace,
    )
)
register(BackendSpec("leandojo", "lean", _lean_dojo_make, _lean_dojo_require, checks=False))

BACKENDS = tuple(_REGISTRY)
CHECK_BACKENDS = tuple(name for name, s in _REGISTRY.items() if s.checks)  # `stp verify` / `stp check`
TRACE_BACKENDS = tuple(name for name, s in _REGISTRY.items() if s.trace)  # `stp data trace`
SYSTEMS = tuple(dict.fromkeys(s.system for s in _REGISTRY.values()))  # proof assistants, for per-system data


# -- the functions code above `itp` calls ------------------------------------------------------------------------------
def make_env(backend: str, config: Optional[ItpConfig] = None) -> ProofEnv:
    """A proof environment for `backend`; raises BackendUnavailable (with install steps) or ValueError."""
    return spec(backend).make(config or ItpConfig())


def system_of(backend: str) -> str:
    """The proof assistant a backend drives."""
    return spec(backend).system


def backend_for_file(filename: str) -> Optional[str]:
    """The backend that checks files with this name's extension, or None."""
    return next((s.name for s in _REGISTRY.values() if s.file_suffix and filename.endswith(s.file_suffix)), None)


def source_files(backend: str, config: Optional[ItpConfig] = None, library: Optional[str] = None) -> SourceSet:
    """The sources of one of the proof assistant's installed libraries (default: its standard library)."""
    read = spec(backend).library
    if read is None:
        raise ValueError(f"no installed library sources to trace for {backend!r}; trace your own files instead")
    return read(config or ItpConfig(), library or "stdlib")


def project_files(backend: str, directory: Path, config: Optional[ItpConfig] = None, jobs: int = 2) -> SourceSet:
    """The sources of a user's project folder (built first), with the configuration that loads them."""
    read = spec(backend).project
    if read is None:
        raise ValueError(f"tracing a project folder is not supported for {backend!r}; pass its files with --files")
    if not directory.is_dir():
        raise ValueError(f"no such project folder: {directory}")
    return read(directory, config or ItpConfig(), jobs)


def trace_source(backend: str, text: str, path: str, logical_name: str, config: Optional[ItpConfig] = None):
    """Replay one source file and record every tactic's goals before and after (a TracedFile)."""
    trace = spec(backend).trace
    if trace is None:
        raise ValueError(f"cannot trace with backend {backend!r}")
    return trace(text, path, logical_name, config or ItpConfig())


def tactic_mentions(filename: str, tactic: str, recorded: list[str]) -> list[str]:
    """The global names a traced tactic of `filename` refers to: the backend's own reading of the tactic where it
    has one, else the names recorded when it was traced."""
    backend = backend_for_file(filename)
    read = spec(backend).mentions if backend else None
    return read(tactic) if read else recorded


def default_backend(config: Optional[ItpConfig] = None) -> str:
    """The configured backend with the highest preference (Lean where a Lean REPL is configured, else Coq)."""
    config = config or ItpConfig()
    usable = [s for s in _REGISTRY.values() if s.checks and s.configured(config)]
    return max(usable, key=lambda s: s.preference).name


def ensure_available(backend: str, config: Optional[ItpConfig] = None) -> None:
    """Raise BackendUnavailable without starting anything when `backend` is not installed or configured."""
    spec(backend).require(config or ItpConfig())


def prescreen(backend: str, theorem: Theorem, proof: str) -> Optional[Verdict]:
    """The verdict the backend's trust policy gives without its proof assistant (a refused proof), else None."""
    screen = spec(backend).prescreen
    return screen(theorem, proof) if screen else None


def prescreen_file(backend: str, text: str) -> Optional[FileVerdict]:
    """The file verdict the backend's trust policy gives without its proof assistant, else None."""
    screen = spec(backend).prescreen_file
    return screen(text) if screen else None


__all__ = [
    "BACKENDS",
    "CHECK_BACKENDS",
    "SYSTEMS",
    "TRACE_BACKENDS",
    "BackendSpec",
    "BackendUnavailable",
    "ItpConfig",
    "backend_for_file",
    "default_backend",
    "ensure_available",
    "make_env",
    "prescreen",
    "prescreen_file",
    "register",
    "project_files",
    "source_files",
    "spec",
    "system_of",
    "trace_source",
]
