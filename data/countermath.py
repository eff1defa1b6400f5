"""CounterMATH-style records `{statement, rationale, label}`: informal statements labelled true or false with the
reason. Our formal counterexamples export to this shape, and such files import as informal problems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .benchmarks import DataError

LABELS = {"true": True, "false": False, "t": True, "f": False, "yes": True, "no": False}


def read_countermath(path: Path) -> list[dict]:
    """Records with `statement` (text), `rationale` (text) and `label` (bool); a bad line is named in the error."""
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            label = rec["label"]
            if isinstance(label, str):
                label = LABELS[label.strip().lower()]
            if not isinstance(label, bool) or not str(rec["statement"]).strip():
                raise ValueError("label must be true/false and statement non-empty")
            out.append({"statement": str(rec["statement"]), "rationale": str(rec.get("rationale", "")), "label": label})
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{i}: not a CounterMATH record {{statement, rationale, label}} ({exc})") from None
    return out


def countermath_from_counterexamples(records: Iterable[dict]) -> list[dict]:
    """A false-labelled record per formal counterexample: the false variant, and why (the witness and the proof)."""
    out = []
    for rec in records:
        witness = ", ".join(rec["witness"]) if rec["witness"] else "direct computation"
        out.append(
            {
                "statement": rec["statement"],
                "rationale": f"False: {rec['edit']} of {rec['theorem']}; refuted at {witness}, proof:\n{rec['proof']}",
                "label": False,
            }
        )
    return out


def write_countermath(path: Path, records: Iterable[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n
