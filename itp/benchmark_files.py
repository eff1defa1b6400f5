"""How one proof assistant's version of a benchmark is stored, declared by its backend spec: our JSONL files (one
record a theorem) and, where `stp data fetch` makes them, the pinned upstream archive's files (one a theorem)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

from .backends import tactic_prelude
from .types import Theorem


@dataclass(frozen=True)
class BenchmarkLayout:
    """`pattern` has `{split}` and is relative to the data folder (or the benchmark's shipped folder)."""

    pattern: str
    convert: Callable[[dict, str], Theorem]  # (one JSONL record, system) -> Theorem
    upstream: Optional[str] = None  # "owner/repo@commit": the pinned source `stp data fetch` downloads
    # split -> regular expression over the archive's paths; group 1 is the theorem's name
    upstream_files: Mapping[str, str] = field(default_factory=dict)
    # (theorem name, split, one upstream file's text, source) -> our JSONL record; ValueError for an unreadable file
    record: Optional[Callable[[str, str, str, str], dict]] = None


def record_theorem(rec: dict, system: str, statement: str, **fields) -> Theorem:
    """A Theorem from a benchmark record's usual fields, its header behind the proof assistant's tactic prelude;
    `fields` replace what the record says (split, source, header)."""
    values = {
        "header": rec["header"],
        "informal_statement": rec.get("informal_statement"),
        "informal_proof": rec.get("informal_proof"),
        "split": rec.get("split"),
        "source": rec.get("source"),
        **fields,
    }
    header = values.pop("header")
    return Theorem(rec["name"], system, tactic_prelude(system, header) + header, statement, **values)
