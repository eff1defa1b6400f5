"""NL-FL bootstrapping (TheoremLlama-style): a verified formal proof with the steps of the theorem's informal proof
written as comments before the tactics they explain. The commented proof is re-verified: comments must not change
what is checked.

Alignment: an injected aligner (e.g. an embedding model) may place each step; without one, the heuristic spreads the
steps evenly and in order over the tactic lines: step i of S goes before tactic line floor(i * T / S) of T, so the
first step opens the proof, the last lands near the end, and no tactic gets steps out of order."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Callable, Optional

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect

# steps, tactic lines -> for each step the index of the tactic line it precedes (non-decreasing)
Aligner = Callable[[list[str], list[str]], list[int]]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z$\\(])")


@dataclass
class CommentedProof:
    name: str
    system: str
    header: str
    statement: str
    proof: str
    commented_proof: str
    informal_statement: Optional[str]
    informal_proof: str
    aligner: str  # "heuristic" or the aligner's name

    def to_dict(self) -> dict:
        return asdict(self)


def informal_steps(text: str, max_steps: int = 12) -> list[str]:
    """The informal proof cut into steps: paragraphs, then sentences; very short pieces join the previous step."""
    pieces = []
    for para in re.split(r"\n\s*\n", text.strip()):
        for sentence in _SENTENCE.split(" ".join(para.split())):
            if pieces and len(sentence) < 25:
                pieces[-1] += " " + sentence
            elif sentence:
                pieces.append(sentence)
    if len(pieces) > max_steps:  # merge neighbours until few enough
        per = -(-len(pieces) // max_steps)
        pieces = [" ".join(pieces[i : i + per]) for i in range(0, len(pieces), per)]
    return pieces


def heuristic_alignment(steps: list[str], tactics: list[str]) -> list[int]:
    """Step i of S before tactic line floor(i * T / S)."""
    if not tactics:
        return [0] * len(steps)
    return [min(len(tactics) - 1, (i * len(tactics)) // max(1, len(steps))) for i in range(len(steps))]


def safe_comment_text(text: str, system: str) -> str:
    """Text that cannot end the comment early or open a string/comment inside it."""
    return dialect(system).safe_comment_text(text)


def comment_proof(
    theorem: Theorem, proof: str, informal_proof: str, aligner: Optional[Aligner] = None
) -> tuple[str, str]:
    """(commented proof, aligner used): comments inserted before tactic lines; the proof's text is otherwise
    unchanged."""
    d = dialect(theorem.system)
    lines = proof.split("\n")
    tactic_rows = [
        i for i, line in enumerate(lines) if line.strip() and line.strip() not in ("Proof.", "Qed.", "Defined.")
    ]
    steps = informal_steps(informal_proof)
    if not tactic_rows or not steps:
        return proof, "none"
    tactics = [lines[i] for i in tactic_rows]
    used = "heuristic"
    positions = heuristic_alignment(steps, tactics)
    if aligner is not None:
        proposed = aligner(steps, tactics)
        if len(proposed) == len(steps) and all(0 <= p < len(tactics) for p in proposed):
            positions, used = sorted(proposed), getattr(aligner, "name", "model")
    before: dict[int, list[str]] = {}
    for step, pos in zip(steps, positions):
        before.setdefault(tactic_rows[pos], []).append(step)
    out = []
    for i, line in enumerate(lines):
        if i in before:
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + d.comment(safe_comment_text(s, theorem.system)) for s in before[i]]
        out.append(line)
    return "\n".join(out), used
