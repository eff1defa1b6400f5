"""Proof-assistant layer: backends behind one interface, the trust policy, and the verifier pool.

Nothing here knows about models or search; nothing above this package knows which proof assistant it talks to.
A proof assistant is one package with one `register(BackendSpec(...))`; Coq and Lean register on import below."""

from .backends import (
    BackendSpec,
    ItpConfig,
    SourceSet,
    backend_for_file,
    backend_names,
    benchmark_layouts,
    default_backend,
    ensure_available,
    make_env,
    prescreen,
    prescreen_file,
    project_files,
    register,
    source_files,
    system_names,
    system_of,
    system_spec,
    tactic_prelude,
    trace_source,
    unregister,
)
from .benchmark_files import BenchmarkLayout, record_theorem
from .config import BackendConfig, ItpSettings, PoolConfig, ResourceLimits
from .env import BackendUnavailable, ProofEnv, StatementError, UntrustedInput
from .pool import PoolStats, VerifierPool, VerifyJob
from .trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .types import FileVerdict, State, StepKind, StepResult, System, Theorem, Verdict, VerdictKind

# isort: split
# The built-in proof assistants: each package registers its spec (and loads nothing else) when imported.
from .coq import CoqConfig
from .lean import LeanConfig

__all__ = [
    "backend_names",
    "system_names",
    "BackendConfig",
    "BackendSpec",
    "BenchmarkLayout",
    "SourceSet",
    "prescreen",
    "prescreen_file",
    "BackendUnavailable",
    "CoqConfig",
    "Declaration",
    "FileVerdict",
    "TracedFile",
    "TracedTactic",
    "TracedTheorem",
    "ItpConfig",
    "ItpSettings",
    "LeanConfig",
    "PoolConfig",
    "PoolStats",
    "ProofEnv",
    "ResourceLimits",
    "State",
    "StatementError",
    "UntrustedInput",
    "StepKind",
    "StepResult",
    "System",
    "Theorem",
    "Verdict",
    "VerdictKind",
    "VerifierPool",
    "VerifyJob",
    "backend_for_file",
    "benchmark_layouts",
    "default_backend",
    "project_files",
    "record_theorem",
    "register",
    "source_files",
    "system_of",
    "system_spec",
    "tactic_prelude",
    "trace_source",
    "ensure_available",
    "make_env",
    "unregister",
]
