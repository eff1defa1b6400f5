"""Proof-assistant layer: backends behind one interface, the trust policy, and the verifier pool.

Nothing here knows about models or search; nothing above this package knows which proof assistant it talks to."""

from .backends import (
    BACKENDS,
    CHECK_BACKENDS,
    BackendSpec,
    ItpConfig,
    SourceSet,
    backend_for_file,
    default_backend,
    ensure_available,
    make_env,
    prescreen,
    prescreen_file,
    project_files,
    source_files,
    system_of,
    trace_source,
)
from .config import CoqConfig, ItpSettings, LeanConfig, PoolConfig, ResourceLimits
from .env import BackendUnavailable, ProofEnv, StatementError, UntrustedInput
from .pool import PoolStats, VerifierPool, VerifyJob
from .trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .types import FileVerdict, State, StepKind, StepResult, System, Theorem, Verdict, VerdictKind

__all__ = [
    "BACKENDS",
    "CHECK_BACKENDS",
    "BackendSpec",
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
    "default_backend",
    "project_files",
    "source_files",
    "system_of",
    "trace_source",
    "ensure_available",
    "make_env",
]
