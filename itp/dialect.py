"""What upper layers need to write text for a proof assistant without knowing which one it is: how a proof is
assembled from tactics, how a comment looks, which fence a prompt uses, and how a premise is used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_DECLARED = re.compile(r"^\s*(?:Theorem|Lemma|Example|Corollary|Proposition|Fact|Remark|theorem|lemma)\s+([^\s:({\[]+)")


def declared_name(statement: str) -> Optional[str]:
    """The name a Coq or Lean theorem statement declares, or None."""
    m = _DECLARED.match(statement)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Dialect:
    system: str
    language: str  # as prompts name it: "Lean 4", "Coq"
    fence: str  # markdown code-fence tag
    comment_open: str
    comment_close: str
    proof_open: str  # text between the statement and the first tactic
    proof_close: str  # text after the last tactic
    tactic_end: str  # appended to a tactic that lacks it
    premise_uses: tuple[str, ...]  # templates with {name}, for a retrieved premise

    def proof_from_tactics(self, tactics: list[str] | tuple[str, ...]) -> str:
        """A whole proof (what follows the statement) from a tactic path."""
        lines = []
        for tactic in tactics:
            t = tactic.strip()
            if self.tactic_end and not t.endswith(self.tactic_end) and t not in ("{", "}", "-", "+", "*"):
                t += self.tactic_end
            lines.append("  " + t)
        return self.proof_open + "\n".join(lines) + self.proof_close

    def comment(self, text: str) -> str:
        return f"{self.comment_open}{text}{self.comment_close}"

    def premise_tactics(self, name: str) -> list[str]:
        return [t.format(name=name) for t in self.premise_uses]


COQ = Dialect(
    "coq",
    "Coq",
    "coq",
    "(* ",
    " *)",
    "Proof.\n",
    "\nQed.",
    ".",
    ("apply {name}", "rewrite {name}", "eauto using {name}"),
)
LEAN = Dialect(
    "lean", "Lean 4", "lean4", "-- ", "", "", "", "", ("exact {name}", "rw [{name}]", "simp [{name}]", "apply {name}")
)

_DIALECTS = {d.system: d for d in (COQ, LEAN)}


def dialect(system: str) -> Dialect:
    try:
        return _DIALECTS[system]
    except KeyError:
        raise ValueError(f"no dialect for {system!r}") from None
