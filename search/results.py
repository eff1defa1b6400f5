"""What a search reports: the verified proof (or none) and where the time went."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional


@dataclass
class SearchResult:
    theorem: str
    proved: bool
    proof: Optional[str] = None  # verified in a fresh context; None unless proved
    method: str = ""
    status: str = ""  # proved | exhausted | budget | cancelled | error | rejected_by_verifier
    expansions: int = 0
    nodes: int = 0
    seconds: float = 0.0
    policy_seconds: float = 0.0
    env_seconds: float = 0.0
    verify_seconds: float = 0.0
    order_seconds: float = 0.0  # ranking candidates and recording steps in the learned search order
    steps: int = 0  # tactic steps run in the proof assistant
    samples: int = 0
    correct_samples: int = 0
    pass_at: dict[str, float] = field(default_factory=dict)
    unverified_rejected: int = 0  # proofs tactic mode accepted but the fresh re-check refused
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("seconds", "policy_seconds", "env_seconds", "verify_seconds", "order_seconds"):
            d[k] = round(d[k], 3)
        return d
