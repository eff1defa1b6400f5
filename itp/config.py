"""Typed configuration of the proof-assistant layer: every limit and default of `itp` lives here."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

# Axioms that Coq's standard library declares for classical logic and the real numbers. A proof may use one only if
# the header loaded its module (proofs cannot `Require`), so this list is the "standard" set of the trust policy.
COQ_STANDARD_AXIOMS: tuple[str, ...] = (
    "ClassicalDedekindReals.sig_forall_dec",
    "ClassicalDedekindReals.sig_not_dec",
    "FunctionalExtensionality.functional_extensionality_dep",
    "Classical_Prop.classic",
    "PropExtensionality.propositional_extensionality",
    "ProofIrrelevance.proof_irrelevance",
    "Eqdep.Eq_rect_eq.eq_rect_eq",
    "JMeq.JMeq_eq",
    "IndefiniteDescription.constructive_indefinite_description",
    "ClassicalEpsilon.constructive_indefinite_description",
    "Epsilon.epsilon_statement",
    "RelationalChoice.relational_choice",
    "ClassicalUniqueChoice.dependent_unique_choice",
    "Description.constructive_definite_description",
)

LEAN_STANDARD_AXIOMS: tuple[str, ...] = ("propext", "Classical.choice", "Quot.sound")


@dataclass
class ResourceLimits:
    """Limits applied to every proof-assistant process (its own process group, temporary directory)."""

    memory_mb: int = 4096  # address-space ceiling (RLIMIT_AS)
    cpu_seconds: int = 7200  # lifetime CPU backstop; per-request time is enforced from outside
    rss_recycle_mb: int = 2048  # a warm process above this resident size is replaced after its current job


@dataclass
class CoqConfig:
    coqtop: str = "coqtop"
    coqc: str = "coqc"
    check_timeout: float = 30.0  # seconds for one whole proof
    tactic_timeout: float = 10.0  # seconds for one tactic in tactic mode
    interrupt_grace: float = 3.0  # after SIGINT, how long to wait for the prompt before killing
    start_timeout: float = 60.0  # loading the header
    printing_width: int = 1000
    max_goals_shown: int = 16  # goals past this are shown by conclusion only
    allowed_axioms: tuple[str, ...] = COQ_STANDARD_AXIOMS
    limits: ResourceLimits = field(default_factory=ResourceLimits)


@dataclass
class LeanConfig:
    # Command that starts a Lean REPL speaking JSON on stdin/stdout, e.g. "lake env /path/to/repl/.lake/build/bin/repl"
    # run inside a Mathlib project. Read from STP_LEAN_REPL; None means "no Lean here".
    repl_command: list[str] | None = field(default_factory=lambda: _split_env("STP_LEAN_REPL"))
    repl_cwd: str | None = field(default_factory=lambda: os.environ.get("STP_LEAN_PROJECT"))
    check_timeout: float = 120.0
    tactic_timeout: float = 30.0
    start_timeout: float = 600.0  # importing Mathlib is slow the first time
    recycle_after: int = 500  # requests per process before it is replaced
    allowed_axioms: tuple[str, ...] = LEAN_STANDARD_AXIOMS
    limits: ResourceLimits = field(default_factory=lambda: ResourceLimits(memory_mb=32768, rss_recycle_mb=16384))


@dataclass
class PoolConfig:
    workers: int = 2
    headers_per_worker: int = 4  # warm processes one worker keeps (~0.4 GB each for Coq), least recently used evicted
    recycle_after: int = 200  # checks per warm process before it is replaced
    straggler_timeout_factor: float = 4.0  # a timed-out proof is re-run with this much more time
    retry_errors: int = 2  # infrastructure failures (a process that died) are retried on a fresh one this many times


def _split_env(name: str) -> list[str] | None:
    value = os.environ.get(name)
    return shlex.split(value) if value else None
