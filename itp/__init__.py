"""Proof-assistant layer: backends behind one interface, the trust policy, and the verifier pool.

Nothing here knows about models or search; nothing above this package knows which proof assistant it talks to."""

from .backends import (
    BACKENDS,
    ItpConfig,
    backend_for_file,
    default_backend,
    ensure_available,
    make_env,
    source_files,
    system_of,
    trace_source,
)
from .config import CoqConfig, LeanConfig, PoolConfig, ResourceLimits
from .env import BackendUnavailable, ProofEnv, StatementError, UntrustedInput
from .pool import PoolStats, VerifierPool, VerifyJob
from .trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .types import FileVerdict, State, StepKind, StepResult, System, Theorem, Verdict, VerdictKind

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "CoqConfig",
    "Declaration",
    "FileVerdict",
    "TracedFile",
    "TracedTactic",
    "TracedTheorem",
    "ItpConfig",
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
    "source_files",
    "system_of",
    "trace_source",
    "ensure_available",
    "make_env",
]
