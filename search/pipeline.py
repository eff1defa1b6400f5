"""The one sample -> deduplicate -> verify -> count pipeline, shared by whole-proof sampling (`search/sampling.py`)
and self-play (`selfplay/sampling.py`).

A `Tally` holds one statement's samples: identical texts are kept once with their multiplicity, each distinct text is
verified once (blank texts are counted but never sent to the proof assistant), and `counts()` gives the typed
per-statement result. `verify_tallies` sends the unverified texts of many tallies to a verifier pool in one call, so
a chunk of statements fills every worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Protocol, Sequence

from stp_prover.itp import Theorem, Verdict, VerifyJob

EMPTY_REASON = "empty"  # the reason recorded for a blank sample, which is never checked


class Pool(Protocol):
    """What the pipeline needs of a verifier pool (itp.VerifierPool and itp.ray_pool.RayVerifierPool)."""

    def verify(self, jobs: Iterable[VerifyJob]) -> list[Verdict]: ...


@dataclass
class ProofCount:
    """One distinct text sampled for a statement: how many samples produced it and its verdict (None: not checked)."""

    text: str
    count: int
    source: str  # who wrote it first: "model", "portfolio", ...
    verdict: Optional[Verdict] = None

    @property
    def ok(self) -> bool:
        return self.verdict is not None and self.verdict.ok

    @property
    def reason(self) -> str:
        return self.verdict.reason if self.verdict is not None else EMPTY_REASON

    @property
    def seconds(self) -> float:
        return self.verdict.seconds if self.verdict is not None else 0.0


@dataclass
class StatementCounts:
    """A statement's sampling result: samples drawn, distinct texts, correct samples (multiplicity counted)."""

    theorem: Theorem
    proofs: list[ProofCount]  # distinct texts, first-sampled first

    @property
    def samples(self) -> int:
        return sum(p.count for p in self.proofs)

    @property
    def distinct(self) -> int:
        return len(self.proofs)

    @property
    def correct(self) -> int:
        return sum(p.count for p in self.proofs if p.ok)

    @property
    def pass_rate(self) -> float:
        return self.correct / self.samples if self.samples else 0.0

    @property
    def best(self) -> Optional[ProofCount]:
        """The shortest verified proof (STP's elegance order), or None."""
        return min((p for p in self.proofs if p.ok), key=lambda p: len(p.text), default=None)


@dataclass
class Tally:
    """The running deduplicated sample of one statement."""

    theorem: Theorem
    _proofs: dict[str, ProofCount] = field(default_factory=dict)

    def add(self, texts: Sequence[str], source: str = "model") -> None:
        for text in texts:
            p = self._proofs.get(text)
            if p is None:
                self._proofs[text] = ProofCount(text, 1, source)
            else:
                p.count += 1

    def unverified(self) -> list[str]:
        """Distinct non-blank texts with no verdict yet."""
        return [t for t, p in self._proofs.items() if p.verdict is None and t.strip()]

    def record(self, text: str, verdict: Verdict) -> None:
        self._proofs[text].verdict = verdict

    def counts(self) -> StatementCounts:
        return StatementCounts(self.theorem, list(self._proofs.values()))


def verify_tallies(tallies: Sequence[Tally], pool: Pool) -> list[tuple[Tally, str, Verdict]]:
    """Verify every tally's unverified texts in one pool call; returns (tally, text, verdict) for each check made."""
    pending = [(tally, text) for tally in tallies for text in tally.unverified()]
    if not pending:
        return []
    verdicts = pool.verify([VerifyJob(tally.theorem, text) for tally, text in pending])
    out = []
    for (tally, text), verdict in zip(pending, verdicts):
        tally.record(text, verdict)
        out.append((tally, text, verdict))
    return out


def sample_verify_count(
    samples: Sequence[tuple[Theorem, Sequence[tuple[str, str]]]], pool: Pool
) -> list[StatementCounts]:
    """The whole pipeline for a batch: per theorem its (text, source) samples, deduplicated, verified, counted."""
    tallies = []
    for theorem, texts in samples:
        tally = Tally(theorem)
        for text, source in texts:
            tally.add([text], source)
        tallies.append(tally)
    verify_tallies(tallies, pool)
    return [t.counts() for t in tallies]
