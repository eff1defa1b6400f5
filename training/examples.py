"""Training records shared by both roles: a prompt, the completion the model should learn, and a weight."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator

ROLES = ("prover", "tactic", "conjecturer", "autoformalizer")


@dataclass(frozen=True)
class TrainingExample:
    prompt: str
    completion: str
    weight: float = 1.0
    role: str = "prover"  # one of ROLES
    source: str = ""  # where it came from: "traced", "round-0/target", ...

    def to_dict(self) -> dict:
        return asdict(self)


def write_examples(path: Path, examples: Iterable[TrainingExample]) -> int:
    """Write examples as JSONL; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_examples(path: Path) -> Iterator[TrainingExample]:
    """Examples from a JSONL file written by `write_examples` (or by hand: prompt and completion are required)."""
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                yield TrainingExample(
                    str(rec["prompt"]),
                    str(rec["completion"]),
                    float(rec.get("weight", 1.0)),
                    str(rec.get("role", "prover")),
                    str(rec.get("source", "")),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{i}: not a training example ({exc}); needs prompt and completion") from None
