"""Lean Workbook (internlm/Lean-Workbook on the Hugging Face Hub): STP's main self-play targets. The file is not
fetched for the user: they download it and give its path; json (one list) and jsonl are read as published."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator, Optional

from stp_prover.itp import Theorem, tactic_prelude
from stp_prover.itp.dialect import declared_name, dialect, rename

from .benchmarks import DataError

HUB_URL = "https://huggingface.co/datasets/internlm/Lean-Workbook"
HUB_FILE = "lean_workbook.json"
SOURCE = "internlm/Lean-Workbook"
LANGUAGE = "Lean 4"  # the language of its `formal_statement`s
# The records carry no header: STP proves them under its default one (RL/utils/model_utils.py:22, the prover prompt's
# header; RL/utils/prover/lean/verifier.py starts the REPL with the same imports).
DEFAULT_HEADER = "import Mathlib\nimport Aesop\nset_option maxHeartbeats 0\nopen BigOperators Real Nat Topology Rat\n"

_SORRY = re.compile(r"\s*sorry\s*$")


def missing_message(path: Optional[str | Path]) -> str:
    """What to do when the file is not there: where to download it and how to name it in the config."""
    where = f"{path} does not exist" if path else "no Lean Workbook file given"
    return (
        f"{where}; download {HUB_FILE} from {HUB_URL} (e.g. `huggingface-cli download internlm/Lean-Workbook "
        f"{HUB_FILE} --repo-type dataset --local-dir DIR`) and set its path as the Lean Workbook target source's "
        "`path` (targets.sources in the run config)"
    )


def read_records(path: str | Path) -> Iterator[dict]:
    """The raw records of a downloaded Lean Workbook file: a JSON list (`lean_workbook.json`) or JSON lines."""
    p = Path(path) if path else None
    if p is None or not p.is_file():
        raise DataError(missing_message(path))
    text = p.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{p}: not a JSON list of records: {exc}") from None
        yield from _checked(records, p)
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{p}:{lineno}: not JSON ({exc}); expected {HUB_FILE} or JSON lines") from None
            yield from _checked([rec], p, lineno)


def _checked(records, path: Path, lineno: Optional[int] = None) -> Iterator[dict]:
    for i, rec in enumerate(records):
        where = f"{path}:{lineno}" if lineno else f"{path} record {i}"
        if not isinstance(rec, dict) or not isinstance(rec.get("formal_statement"), str):
            raise DataError(f"{where}: no `formal_statement`; is this {HUB_FILE} from {HUB_URL}?")
        yield rec


def load_lean_workbook(
    path: str | Path,
    system: str,
    status: Optional[list[str]] = None,
    dedup: bool = True,
) -> list[Theorem]:
    """Lean Workbook's statements as Theorems under STP's default header, in file order; `status` keeps only records
    with one of these `status` values; `dedup` drops a statement seen before (whitespace ignored, as STP's
    dedup key, RL/utils/RL_utils.py:429-431)."""
    d = dialect(system)
    if d.language != LANGUAGE:
        raise DataError(f"Lean Workbook is written in {LANGUAGE}; the {system} backend reads {d.language}")
    header = DEFAULT_HEADER
    prelude = tactic_prelude(system, header) + header
    out: list[Theorem] = []
    seen: set[str] = set()
    for rec in read_records(path):
        if status and rec.get("status") not in status:
            continue
        # STP cuts the statement at its last `sorry` (RL_utils.py:721); cut_statement ends it as Theorem wants.
        statement = d.cut_statement(_SORRY.sub("", rec["formal_statement"]))
        if statement is None:
            raise DataError(f"{path}: record {rec.get('id', '?')} has no theorem statement")
        name = str(rec.get("id") or declared_name(statement))
        if name != declared_name(statement):
            statement = rename(statement, name)
        key = "".join(rename(statement, "_").split())  # the statement, not its name: ids always differ
        if dedup and key in seen:
            continue
        seen.add(key)
        out.append(
            Theorem(
                name,
                system,
                prelude,
                statement,
                informal_statement=rec.get("natural_language_statement"),
                split=rec.get("split") or "lean_workbook",
                source=SOURCE,
            )
        )
    return out
