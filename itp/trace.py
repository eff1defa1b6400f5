"""Records of traced proofs, shared by every backend's tracer: what each tactic saw and did."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional


@dataclass
class TracedTactic:
    tactic: str
    state_before: str
    state_after: str
    mentions: list[str] = field(default_factory=list)  # global names the tactic text refers to, as written
    # The declarations those names denote, as the proof assistant resolved them (None: not resolved by the tracer).
    premises: Optional[list[str]] = None


@dataclass
class Declaration:
    """A named constant a later proof may use: a premise."""

    name: str  # as declared
    full_name: str  # qualified by the file's logical path and enclosing modules
    kind: str  # Lemma, Theorem, Definition, Fixpoint, Inductive, ...
    code: str  # the declaration sentence
    line: int
    library: str = ""  # logical name of the file that declares it, where that is not the traced file itself


@dataclass
class TracedTheorem:
    name: str
    full_name: str
    statement: str
    start_line: int
    end_line: int
    tactics: list[TracedTactic] = field(default_factory=list)
    ok: bool = True
    error: str = ""


@dataclass
class TracedFile:
    path: str  # relative to the library root
    logical_name: str  # e.g. Coq.Arith.PeanoNat
    imports: list[str] = field(default_factory=list)  # logical names as written in Require commands
    declarations: list[Declaration] = field(default_factory=list)
    theorems: list[TracedTheorem] = field(default_factory=list)
    # Premises the proofs used that are not among `declarations` (other files, constructors, functor-made names).
    referenced: list[Declaration] = field(default_factory=list)
    error: Optional[str] = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TracedFile":
        d = dict(d)
        d["declarations"] = [Declaration(**x) for x in d.get("declarations", [])]
        d["referenced"] = [Declaration(**x) for x in d.get("referenced", [])]
        d["theorems"] = [
            TracedTheorem(**{**t, "tactics": [TracedTactic(**x) for x in t.get("tactics", [])]})
            for t in d.get("theorems", [])
        ]
        return cls(**d)


def written_as(full_name: str, names: list[str]) -> Optional[str]:
    """Which of the names written in a tactic a premise label stands for (the longest that `full_name` ends with)."""
    fits = [n for n in names if full_name == n or full_name.endswith("." + n)]
    return max(fits, key=len) if fits else None
