"""Records that cross the proof-assistant boundary: theorems, verdicts, proof states and step results."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any, Optional


class System(str, enum.Enum):
    """Proof assistants the platform drives."""

    COQ = "coq"
    LEAN = "lean"


@dataclass(frozen=True)
class Theorem:
    """A statement to prove: `header` sets up the context, `statement` declares the theorem (Coq: ends with `.`,
    Lean: ends with `:=` or `:= by`)."""

    name: str
    system: str
    header: str
    statement: str
    informal_statement: Optional[str] = None
    informal_proof: Optional[str] = None
    split: Optional[str] = None
    source: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class VerdictKind(str, enum.Enum):
    """Why a proof was or was not accepted. Only PROVED is a success; ERROR is our infrastructure, not the proof."""

    PROVED = "proved"
    REJECTED = "rejected"  # the proof assistant said no
    UNTRUSTED = "untrusted"  # it compiled, but the trust policy refused it (axioms, statement, forbidden text)
    TIMEOUT = "timeout"
    BAD_STATEMENT = "bad_statement"  # the header or statement does not elaborate: bad input, not a failed proof
    ERROR = "error"  # crash, missing backend, lost process: our infrastructure, not the proof's fault


@dataclass
class Verdict:
    """Result of checking one whole proof in a fresh context."""

    kind: VerdictKind
    reason: str = ""
    messages: list[str] = field(default_factory=list)
    axioms: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Axioms and parameters the *header* declares: part of the problem, listed apart so that a proof resting on a
    # header's `Axiom cheat : False` is never mistaken for a proof from the standard axioms alone.
    header_axioms: list[str] = field(default_factory=list)
    # Where the proof first went wrong: a character offset into the proof text checked, so `proof[:error_offset]` is
    # a prefix the proof assistant accepted (what a search resumes from). None when the proof passed or the
    # backend cannot tell (a refusal before any process ran, a statement that does not elaborate).
    error_offset: Optional[int] = None
    # The verdict mode that gave it (itp/verdicts.py): only a `strict` PROVED is a proof to publish or serve.
    verdicts: str = "strict"

    @property
    def ok(self) -> bool:
        return self.kind is VerdictKind.PROVED

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind.value,
            "reason": self.reason,
            "messages": list(self.messages),
            "axioms": list(self.axioms),
            "header_axioms": list(self.header_axioms),
            "seconds": round(self.seconds, 4),
            "error_offset": self.error_offset,
            "verdicts": self.verdicts,
        }


@dataclass
class FileVerdict:
    """Result of checking a whole file: every requested theorem compiled and passed the audit."""

    ok: bool
    theorems: list[dict[str, Any]] = field(default_factory=list)  # {"name", "ok", "axioms", "reason"}
    reason: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "theorems": self.theorems, "reason": self.reason, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class State:
    """A proof state. `text` (goals joined by a blank line) is the model input and the dedup key; `path` is the tactic
    sequence from the theorem's start, so any backend can re-materialise the state by replaying it."""

    theorem: Theorem
    text: str
    path: tuple[str, ...] = ()
    handle: Any = None
    num_goals: int = 1


class StepKind(str, enum.Enum):
    OPEN = "open"
    PROVED = "proved"
    ERROR = "error"
    GAVE_UP = "gave_up"
    TIMEOUT = "timeout"


@dataclass
class StepResult:
    """Outcome of one tactic on one state."""

    kind: StepKind
    state: Optional[State] = None
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
