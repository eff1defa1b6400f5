"""Typed configuration of the proof-assistant layer: the settings every backend shares (BackendConfig, declared once
here; each backend's config subclasses it in its own package), process limits, the pool, and what a user sets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from .sandbox import MODES, SandboxConfig
from .verdicts import VERDICT_MODES, VerdictModeName, VerdictRules, verdict_rules


@dataclass
class ResourceLimits:
    """Limits applied to every proof-assistant process (its own process group, temporary directory)."""

    memory_mb: int = 4096  # address-space ceiling (RLIMIT_AS)
    cpu_seconds: int = 7200  # lifetime CPU backstop; per-request time is enforced from outside
    rss_recycle_mb: int = 2048  # a warm process above this resident size is replaced after its current job
    # Processes and threads (RLIMIT_NPROC) of one sandboxed process's own user: a fork bomb stops here. Applied only
    # where the sandbox gives the process a user of its own (we run as root); a shared user would count others.
    processes: int = 256
    file_size_mb: int = 256  # largest file the process may write (RLIMIT_FSIZE), e.g. a `.vo` in its scratch folder


@dataclass
class BackendConfig:
    """The settings every proof assistant has. A backend's config subclasses it, adds only its own fields and may
    give these other defaults; ItpSettings writes into these fields of every registered backend's config."""

    check_timeout: float = 30.0  # seconds for one whole proof
    # Seconds for one tactic in tactic mode: the one default that search, conjecture checks and counterexample search
    # use unless a setting overrides it (ItpSettings); `ProofEnv.default_tactic_timeout` reads it.
    tactic_timeout: float = 5.0
    start_timeout: float = 60.0  # loading a header
    recycle_after: int = 200  # checks a warm process serves before it is replaced
    allowed_axioms: tuple[str, ...] = ()  # the standard axioms a proof may rest on (the trust policy's audit)
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)  # the OS sandbox around every process it starts
    # After a proof is accepted, check it again with the proof assistant's independent kernel checker (Coq:
    # `coqchk` on the compiled file). Off for search's inner checks; `stp verify` turns it on for published results.
    kernel_recheck: bool = False
    # Longest proof text accepted, in UTF-8 bytes and in sentences: longer proofs are refused before any process
    # sees them (a million `idtac.` would otherwise hold a worker far past its check timeout).
    max_proof_bytes: int = 200_000
    max_proof_sentences: int = 10_000
    # Which proofs count as proved (itp/verdicts.py): strict, the trust policy, or stp, what STP's verifier accepts,
    # for pass rates comparable with the paper's. stp verdicts are never published or served as proofs.
    verdicts: VerdictModeName = "strict"
    # The whole-proof timeout the stp mode uses unless check_timeout is set (None: check_timeout's default).
    stp_check_timeout: float | None = None

    def verdict_rules(self) -> VerdictRules:
        """The rules of this config's verdict mode."""
        return verdict_rules(self.verdicts)

    def sandbox_paths(self) -> tuple[str, ...]:
        """Paths this backend's processes must read besides the system folders (its toolchain, a project); a
        backend's config adds its own here."""
        return ()

    def process_sandbox(self) -> SandboxConfig:
        """The sandbox a process of this backend starts in: the `sandbox` setting plus `sandbox_paths()`."""
        return self.sandbox.with_paths(self.sandbox_paths())


@dataclass
class PoolConfig:
    workers: int = 2
    headers_per_worker: int = 4  # warm processes one worker keeps (~0.4 GB each for Coq), least recently used evicted
    straggler_timeout_factor: float = 4.0  # a timed-out proof is re-run with this much more time
    retry_errors: int = 3  # infrastructure failures (a process that died) are retried on a fresh one this many times


@dataclass
class ItpSettings:
    """The proof-assistant settings a user sets, in one place: the command-line flags (`--tactic-timeout`, ...,
    generated from these fields and their comments by stp_prover.settings) and the `itp:` section of a YAML config.
    None keeps each backend's own default (its BackendConfig, PoolConfig)."""

    tactic_timeout: float | None = None  # seconds for one tactic step (search, conjecture checks, counterexamples)
    check_timeout: float | None = None  # seconds for one whole-proof check (stragglers get a multiple of it)
    memory_mb: int | None = None  # address-space ceiling of each proof-assistant process
    recycle_after: int | None = None  # checks a warm process serves before it is replaced
    workers: int | None = None  # verifier-pool workers (proof-assistant processes checking in parallel)
    # OS sandbox of every proof-assistant process: auto (bubblewrap where it works), bwrap (required), off
    sandbox: Literal["auto", "bwrap", "off"] | None = None
    kernel_recheck: bool | None = None  # re-check accepted proofs with the kernel checker (Coq: coqchk)
    max_proof_bytes: int | None = None  # longest proof text checked, in bytes (longer: refused as untrusted)
    max_proof_sentences: int | None = None  # most sentences a proof may have (more: refused as untrusted)
    # strict (the trust policy, default) or stp: accept what STP's verifier accepts, to compare pass rates with the
    # paper (no axiom audit or statement check, native_decide allowed); never published or served as proofs
    verdicts: VerdictModeName | None = None

    def validate(self) -> None:
        """Raise ValueError naming the first setting that is not positive (or not a sandbox mode)."""
        if self.sandbox is not None and self.sandbox not in MODES:
            raise ValueError(f"sandbox must be one of {', '.join(MODES)}, not {self.sandbox!r}")
        if self.verdicts is not None and self.verdicts not in VERDICT_MODES:
            raise ValueError(f"verdicts must be one of {', '.join(VERDICT_MODES)}, not {self.verdicts!r}")
        for f in dataclasses.fields(self):
            name, value = f.name, getattr(self, f.name)
            if name in ("sandbox", "kernel_recheck", "verdicts"):
                continue
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")

    def apply(self, config):
        """Write the settings that are set into an ItpConfig (every registered proof assistant's config and the
        pool's); returns it."""
        self.validate()
        for backend in config.systems.values():
            if self.tactic_timeout is not None:
                backend.tactic_timeout = float(self.tactic_timeout)
            if self.check_timeout is not None:
                backend.check_timeout = float(self.check_timeout)
            if self.memory_mb is not None:
                backend.limits.memory_mb = int(self.memory_mb)
            if self.recycle_after is not None:
                backend.recycle_after = int(self.recycle_after)
            if self.sandbox is not None:
                backend.sandbox = dataclasses.replace(backend.sandbox, mode=self.sandbox)
            if self.kernel_recheck is not None:
                backend.kernel_recheck = bool(self.kernel_recheck)
            if self.max_proof_bytes is not None:
                backend.max_proof_bytes = int(self.max_proof_bytes)
            if self.max_proof_sentences is not None:
                backend.max_proof_sentences = int(self.max_proof_sentences)
            if self.verdicts is not None:
                backend.verdicts = self.verdicts
                if self.verdicts == "stp" and self.check_timeout is None and backend.stp_check_timeout:
                    backend.check_timeout = float(backend.stp_check_timeout)
        if self.workers is not None:
            config.pool.workers = int(self.workers)
        return config

