"""Which tactic policy a search uses, in one typed place settable from the command line: the model, the built-in
portfolio, or their mixture with the Tactician-style memory (the default whenever a model or a memory is given)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .memory import TacticMemory, open_memory

POLICIES = ("auto", "model", "portfolio", "mixture")


@dataclass
class PolicySettings:
    policy: str = "auto"  # auto: mixture when a model or a memory is given, else the portfolio
    memory: Optional[str] = None  # tactic-memory file (JSONL): read at start, every verified proof appended
    memory_from: Optional[str] = None  # traced data whose train part seeds a new memory
    model_weight: float = 1.0  # each part's weight in the mixture
    memory_weight: float = 1.0
    portfolio_weight: float = 1.0

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--policy",
            choices=POLICIES,
            default="auto",
            help="tactic policy: model, portfolio, or mixture (model + memory + portfolio by calibrated score); "
            "auto (default): mixture when --model or --memory is given, else portfolio",
        )
        p.add_argument(
            "--memory",
            metavar="FILE",
            help="tactic memory (Tactician-style): consulted by the tactic policy, and every verified proof is "
            "added to it at once; created when missing",
        )
        p.add_argument(
            "--memory-from",
            metavar="TRACED",
            help="seed a new --memory with the train part of traced data (`stp data trace` output)",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "PolicySettings":
        settings = cls(args.policy, args.memory, args.memory_from)
        settings.validate(getattr(args, "model", None))
        return settings

    def validate(self, model: Optional[str]) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}; choose one of {', '.join(POLICIES)}")
        if self.policy == "model" and not model:
            raise ValueError("--policy model needs --model")
        if self.memory_from and not self.memory:
            raise ValueError("--memory-from seeds a memory: give the file with --memory")

    def resolved(self, model: Optional[str]) -> str:
        if self.policy != "auto":
            return self.policy
        return "mixture" if model or self.memory else "portfolio"

    def open_memory(self) -> Optional[TacticMemory]:
        """The memory this run reads and extends (one object shared by all threads), or None."""
        if not self.memory:
            return None
        return open_memory(Path(self.memory), Path(self.memory_from) if self.memory_from else None)
