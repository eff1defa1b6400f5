"""Counterexamples, formally: false variants of true theorems (a hypothesis dropped, a constant moved), each refuted by
proving its negation at a concrete witness. Only refutations the proof assistant accepted in a fresh context become
records; a variant nobody refutes is discarded, never labelled."""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, field
from typing import Iterator, Optional

from stp_prover.itp import ProofEnv, StatementError, StepKind, Theorem
from stp_prover.itp.dialect import declared_name, dialect

from .variants import Variant, drop_hypotheses, named, perturb_constants, proposition

_INT = re.compile(r"(?<![\w.])\d+(?![\w.])")


@dataclass
class CounterexampleSettings:
    max_variants: int = 6  # per theorem
    small_values: tuple[int, ...] = (0, 1, 2, 3, -1, 4, 5, 10)
    max_witnesses: int = 64  # witness tuples tried per variant
    step_timeout: Optional[float] = None  # None: the proof environment's tactic timeout
    check_timeout: Optional[float] = None  # None: the proof environment's check timeout


@dataclass
class Counterexample:
    theorem: str  # the true theorem the variant came from
    edit: str
    statement: str  # the false variant
    negation: str  # the statement proved: the variant is false
    witness: list[str]
    proof: str  # the proof of `negation`, verified in a fresh context
    system: str
    header: str
    original_statement: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Outcome:
    theorem: str
    counterexamples: list[Counterexample] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)


def false_variant_candidates(theorem: Theorem, limit: int) -> list[Variant]:
    """Hypothesis drops, then constant moves (edits that can make a true statement false), renamed."""
    pool = drop_hypotheses(theorem.statement, theorem.system) + perturb_constants(theorem.statement, limit)
    return [named(v, f"{theorem.name}_false{i}") for i, v in enumerate(pool[:limit])]


def witnesses(
    variables: list[tuple[str, str]], statement: str, settings: CounterexampleSettings
) -> Iterator[list[str]]:
    """Witness tuples: small values and the statement's own constants (and their neighbours), natural numbers kept
    non-negative."""
    constants = sorted({int(m.group(0)) for m in _INT.finditer(statement)} - set(settings.small_values))
    values = list(settings.small_values) + [v for c in constants[:6] for v in (c, c + 1, c - 1)]
    values = list(dict.fromkeys(values))
    per_type = {typ: [str(v) for v in values if v >= 0 or typ not in ("nat", "ℕ")] for _, typ in variables}
    if not variables:
        yield []
        return
    product = itertools.product(*[per_type[typ] for _, typ in variables])
    yield from (list(w) for w in itertools.islice(product, settings.max_witnesses))


def refute(
    env: ProofEnv, theorem: Theorem, variant: Variant, settings: CounterexampleSettings
) -> tuple[Optional[Counterexample], str]:
    """A verified counterexample for `variant`, or None and the reason."""
    d = dialect(theorem.system)
    parsed = proposition(variant.statement, theorem.system)
    if parsed is None:
        return None, "unsupported_shape"
    prop, variables = parsed
    neg_name = f"{declared_name(variant.statement)}_neg"
    negation = Theorem(neg_name, theorem.system, theorem.header, d.negation(neg_name, prop))
    try:
        root = env.start(negation)
    except StatementError:
        return None, "does_not_elaborate"
    for witness in witnesses(variables, variant.statement, settings):
        for tactic in d.witness_tactics(witness):
            if env.step(root, tactic, settings.step_timeout).kind is not StepKind.PROVED:
                continue
            proof = d.proof_from_tactics([tactic])
            verdict = env.check(negation, proof, timeout=settings.check_timeout)
            if verdict.ok:
                return (
                    Counterexample(
                        theorem.name,
                        variant.edit,
                        variant.statement,
                        negation.statement,
                        witness,
                        proof,
                        theorem.system,
                        theorem.header,
                        theorem.statement,
                    ),
                    "refuted",
                )
            return None, "refutation_rejected_by_checker"
    return None, "no_witness"


def counterexamples_for(env: ProofEnv, theorem: Theorem, settings: Optional[CounterexampleSettings] = None) -> Outcome:
    """Every refutable false variant of `theorem` (one counterexample per variant)."""
    s = settings or CounterexampleSettings()
    outcome = Outcome(theorem.name)
    for variant in false_variant_candidates(theorem, s.max_variants):
        found, reason = refute(env, theorem, variant, s)
        if found:
            outcome.counterexamples.append(found)
        else:
            outcome.rejected[reason] = outcome.rejected.get(reason, 0) + 1
    return outcome
