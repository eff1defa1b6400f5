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
) + tuple(
    # Coq's primitive 63-bit integers and floats and their specifications (Coq 8.16's theories/Floats and
    # theories/Numbers/Cyclic/Int63): part of the kernel, listed by `Print Assumptions` once a proof computes with
    # them, as the Interval library's reflexive tactics and bignums do.
    f"Coq.{module}.{name}"
    for module, names in (
        (
            "Floats.PrimFloat",
            "float classify abs sqrt opp eqb ltb leb compare mul add sub div of_uint63 "
            "normfr_mantissa frshiftexp ldshiftexp next_up next_down",
        ),
        (
            "Floats.FloatAxioms",
            "Prim2SF_valid SF2Prim_Prim2SF Prim2SF_SF2Prim opp_spec abs_spec eqb_spec ltb_spec "
            "leb_spec compare_spec classify_spec mul_spec add_spec sub_spec div_spec sqrt_spec of_uint63_spec "
            "normfr_mantissa_spec frshiftexp_spec ldshiftexp_spec next_up_spec next_down_spec",
        ),
        (
            "Numbers.Cyclic.Int63.PrimInt63",
            "int lsl lsr land lor lxor asr add sub mul mulc div mod divs mods eqb ltb "
            "leb ltsb lesb addc addcarryc subc subcarryc diveucl diveucl_21 addmuldiv compare compares head0 tail0",
        ),
        (
            "Numbers.Cyclic.Int63.Uint63",
            "of_to_Z lsl_spec lsr_spec land_spec lor_spec lxor_spec add_spec sub_spec "
            "mul_spec mulc_spec div_spec mod_spec eqb_correct eqb_refl ltb_spec leb_spec compare_def_spec head0_spec "
            "tail0_spec addc_def_spec addcarryc_def_spec subc_def_spec subcarryc_def_spec diveucl_def_spec "
            "diveucl_21_spec addmuldiv_def_spec",
        ),
        ("Numbers.Cyclic.Int63.Sint63", "asr_spec div_spec mod_spec ltb_spec leb_spec compare_spec"),
    )
    for name in names.split()
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
    # Seconds for one tactic in tactic mode: the one default that search, conjecture checks and counterexample
    # search use unless a setting overrides it (ItpSettings).
    tactic_timeout: float = 5.0
    interrupt_grace: float = 3.0  # after SIGINT, how long to wait for the prompt before killing
    start_timeout: float = 60.0  # loading the header
    start_attempts: int = 5  # a process that dies while starting is started again this many times in all
    printing_width: int = 1000
    max_goals_shown: int = 16  # goals past this are shown by conclusion only
    allowed_axioms: tuple[str, ...] = COQ_STANDARD_AXIOMS
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    # `-R dir Name` / `-Q dir Name` arguments for coqtop: set by the operator (a traced project's `_CoqProject`),
    # never from a request.
    load_args: tuple[str, ...] = ()


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
    retry_errors: int = 3  # infrastructure failures (a process that died) are retried on a fresh one this many times


@dataclass
class ItpSettings:
    """The proof-assistant settings a user sets, in one place: CLI flags (`--tactic-timeout`, ...) and the `itp:`
    section of a YAML config read it. None keeps each backend's own default (CoqConfig, LeanConfig, PoolConfig)."""

    tactic_timeout: float | None = None  # seconds for one tactic step (search, conjecture checks, counterexamples)
    check_timeout: float | None = None  # seconds for one whole-proof check (stragglers get a multiple of it)
    memory_mb: int | None = None  # address-space ceiling of each proof-assistant process
    recycle_after: int | None = None  # checks a warm process serves before it is replaced
    workers: int | None = None  # verifier-pool workers (proof-assistant processes checking in parallel)

    FIELDS = ("tactic_timeout", "check_timeout", "memory_mb", "recycle_after", "workers")

    @staticmethod
    def add_arguments(parser) -> None:
        """The settings as command-line flags (argparse), in a group of their own."""
        group = parser.add_argument_group("proof assistant")
        group.add_argument("--tactic-timeout", type=float, metavar="S", help="seconds per tactic step")
        group.add_argument("--check-timeout", type=float, metavar="S", help="seconds per whole-proof check")
        group.add_argument("--memory-mb", type=int, metavar="MB", help="memory ceiling per proof-assistant process")
        group.add_argument("--recycle-after", type=int, metavar="N", help="checks before a warm process is replaced")

    @classmethod
    def from_args(cls, args, workers: int | None = None) -> "ItpSettings":
        """The settings the flags of `add_arguments` gave (and the command's own worker count, if any)."""
        settings = cls(
            tactic_timeout=getattr(args, "tactic_timeout", None),
            check_timeout=getattr(args, "check_timeout", None),
            memory_mb=getattr(args, "memory_mb", None),
            recycle_after=getattr(args, "recycle_after", None),
            workers=workers,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ValueError naming the first setting that is not positive."""
        for name in self.FIELDS:
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")

    def apply(self, config):
        """Write the settings that are set into an ItpConfig (`coq`, `lean`, `pool` parts); returns it."""
        self.validate()
        for backend in (config.coq, config.lean):
            if self.tactic_timeout is not None:
                backend.tactic_timeout = float(self.tactic_timeout)
            if self.check_timeout is not None:
                backend.check_timeout = float(self.check_timeout)
            if self.memory_mb is not None:
                backend.limits.memory_mb = int(self.memory_mb)
        if self.recycle_after is not None:
            config.pool.recycle_after = int(self.recycle_after)
            config.lean.recycle_after = int(self.recycle_after)
        if self.workers is not None:
            config.pool.workers = int(self.workers)
        return config


def _split_env(name: str) -> list[str] | None:
    value = os.environ.get(name)
    return shlex.split(value) if value else None
