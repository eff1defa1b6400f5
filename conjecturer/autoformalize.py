"""Autoformalization (DeepSeek-Prover style): informal problems become formal statements written by the model; a
statement is kept only when it elaborates, its hypotheses are not contradictory and no single automation tactic
closes it (the conjecturer's checks), and it carries its source."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect, rename

from .checks import ConjectureChecker
from .generate import Generate


@dataclass
class Formalization:
    name: str
    informal_statement: str
    header: str
    statement: str
    source: str
    system: str

    def to_dict(self) -> dict:
        return asdict(self)

    def theorem(self) -> Theorem:
        return Theorem(
            self.name,
            self.system,
            self.header,
            self.statement,
            self.informal_statement,
            None,
            "autoformalized",
            self.source,
        )


def autoformalize_prompt(informal: str, system: str, header: str, examples: Sequence[tuple[str, str]] = ()) -> str:
    """Few-shot: (informal problem, formal statement) pairs, then the problem to formalize."""
    d = dialect(system)
    shots = "".join(
        f"Problem: {' '.join(inf.split())}\nFormal statement:\n```{d.fence}\n{formal.strip()}\n```\n\n"
        for inf, formal in examples
    )
    return (
        f"Translate each problem into a {d.language} theorem statement under this header:\n```{d.fence}\n{header}```\n\n"
        f"{shots}Problem: {' '.join(informal.split())}\nFormal statement:\n```{d.fence}\n"
    )


def autoformalize(
    name: str,
    informal: str,
    header: str,
    system: str,
    generate: Generate,
    checker: ConjectureChecker,
    samples: int = 4,
    examples: Sequence[tuple[str, str]] = (),
    source: str = "",
) -> tuple[Optional[Formalization], Counter]:
    """The first generated statement that passes every check (renamed `af_NAME`), and the reasons the others failed."""
    d = dialect(system)
    reasons: Counter = Counter()
    for text in generate(autoformalize_prompt(informal, system, header, examples), samples):
        statement = d.cut_statement(text.split("```", 1)[0])
        if statement is None:
            reasons["unparsable"] += 1
            continue
        new_name = f"af_{name}"
        candidate = Theorem(new_name, system, header, rename(statement, new_name))
        reason = checker.check(candidate)
        if reason == "ok":
            return Formalization(new_name, informal, header, candidate.statement, source or name, system), reasons
        reasons[reason] += 1
    return None, reasons
