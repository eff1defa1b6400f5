"""Which tactic policy a search uses, in one typed place settable from the command line: the model, the built-in
portfolio, or their mixture with the Tactician-style memory (the default whenever a model or a memory is given)."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from stp_prover.search import EventLog, SearchOrder

from .memory import TacticMemory, open_memory

Policy = Literal["auto", "model", "portfolio", "mixture"]
POLICIES: tuple[str, ...] = typing.get_args(Policy)


@dataclass
class PolicySettings:
    # tactic policy: model, portfolio, or mixture (model + memory + portfolio by calibrated score); auto: the
    # mixture when a model or a memory is given, else the portfolio
    policy: Policy = "auto"
    # tactic memory (JSONL, created when missing): read at start, every verified proof added to it at once
    memory: Optional[str] = None
    memory_from: Optional[str] = None  # traced data (`stp data trace` output) whose train part seeds a new memory
    # learned search order (JSON from --order-out): what best-first tries first and for how long; one per run,
    # shared by its theorems and learning as it goes; default: a fresh one; "none": each search learns alone
    order: Optional[str] = None
    order_out: Optional[str] = None  # where the run's search order is saved when it ends (may be the --order file)
    order_events: Optional[str] = None  # JSONL file every tactic step is appended to (`stp order train` reads it)
    model_weight: float = 1.0  # each part's weight in the mixture
    memory_weight: float = 1.0
    portfolio_weight: float = 1.0

    def validate(self) -> None:
        """Raise ValueError for an unknown policy or a memory seed without a memory file."""
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}; choose one of {', '.join(POLICIES)}")
        if self.memory_from and not self.memory:
            raise ValueError("--memory-from seeds a memory: give the file with --memory")

    def require_model(self, model: Optional[str]) -> "PolicySettings":
        """Self, or ValueError when the model policy is asked for without a model."""
        if self.policy == "model" and not model:
            raise ValueError("--policy model needs --model")
        return self

    def resolved(self, model: Optional[str]) -> str:
        if self.policy != "auto":
            return self.policy
        return "mixture" if model or self.memory else "portfolio"

    def open_memory(self) -> Optional[TacticMemory]:
        """The memory this run reads and extends (one object shared by all threads), or None."""
        if not self.memory:
            return None
        return open_memory(Path(self.memory), Path(self.memory_from) if self.memory_from else None)

    def open_order(self, made_by: str = "") -> Optional[SearchOrder]:
        """The search order this run uses and extends (one object shared by all threads): loaded from `order`, a
        fresh one when none is given, None for "none". OrderFileError (a ValueError) names a bad file."""
        if self.order is None:
            return SearchOrder(made_by=made_by)
        if self.order.strip().lower() == "none":
            if self.order_out:
                raise ValueError("--order-out saves the run's search order: it cannot go with --order none")
            return None
        order = SearchOrder.load(self.order)
        if made_by:
            order.made_by = f"{order.made_by}; then {made_by}" if order.made_by else made_by
        return order

    def open_order_events(self) -> Optional[EventLog]:
        """The sink every search step of this run is written to (close it at the end), or None."""
        return EventLog(self.order_events) if self.order_events else None

    def save_order(self, order: Optional[SearchOrder]) -> Optional[Path]:
        """Save `order` to `order_out` when both are given; the path written, or None."""
        if order is None or not self.order_out:
            return None
        order.save(self.order_out)
        return Path(self.order_out)
