"""Read LeanDojo Benchmark 4 (corpus.jsonl and the random/novel_premises splits) into our record layout, so that
LeanDojo's data and `stp data trace`'s output are interchangeable: `import_benchmark` writes the same files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

_PREMISE_TAG = re.compile(r"<a>(.*?)</a>")


def read_corpus(root: Path) -> Iterator[dict]:
    """Files of the corpus with their premises: {"path", "imports", "premises": [{"full_name", "code", ...}]}.
    `imports` are the direct imports, as in LeanDojo and our corpus.jsonl; `PremiseCorpus` takes the closure."""
    with open(root / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                yield {
                    "path": rec["path"],
                    "logical_name": rec["path"],
                    "imports": rec.get("imports", []),
                    "premises": [
                        {
                            "full_name": p["full_name"],
                            "code": p.get("code", ""),
                            "kind": p.get("kind", ""),
                            "line": (p.get("start") or [0])[0],
                        }
                        for p in rec.get("premises", [])
                    ],
                }


def read_split(root: Path, split: str = "random", part: str = "train") -> Iterator[dict]:
    """Theorems of one split, converted: premises are read from the `<a>NAME</a>` tags of annotated tactics."""
    with open(root / split / f"{part}.json", encoding="utf-8") as fh:
        theorems = json.load(fh)
    for t in theorems:
        tactics = [
            {
                "tactic": tt["tactic"],
                "state_before": tt["state_before"],
                "state_after": tt["state_after"],
                "premises": _premises(tt.get("annotated_tactic")),
            }
            for tt in t.get("traced_tactics", [])
        ]
        yield {
            "full_name": t["full_name"],
            "file_path": t["file_path"],
            "start": (t.get("start") or [0])[0],
            "end": (t.get("end") or [0])[0],
            "statement": "",
            "url": t.get("url"),
            "commit": t.get("commit"),
            "traced_tactics": tactics,
        }


def _premises(annotated) -> list[str]:
    """Full names from the provenance list of `[text, [{"full_name", ...}]]`, else the `<a>..</a>` tags."""
    if isinstance(annotated, list) and len(annotated) == 2 and isinstance(annotated[1], list):
        return list(dict.fromkeys(p["full_name"] for p in annotated[1] if isinstance(p, dict) and "full_name" in p))
    text = annotated[0] if isinstance(annotated, list) and annotated else (annotated or "")
    return list(dict.fromkeys(_PREMISE_TAG.findall(text)))


SPLITS = ("random", "novel_premises")
PARTS = ("train", "val", "test")


def import_benchmark(root: Path, out: Path) -> dict:
    """Write LeanDojo Benchmark 4 at `root` as traced data under `out` (corpus.jsonl, theorems.jsonl, and LeanDojo's
    own splits/{random,novel_premises}/{train,val,test}.jsonl, not re-drawn), for `stp retrieval` and training."""
    from .traced import write_jsonl

    root, out = Path(root), Path(out)
    missing = [
        str(p)
        for p in [root / "corpus.jsonl"] + [root / s / f"{x}.json" for s in SPLITS for x in PARTS]
        if not p.is_file()
    ]
    if missing:
        raise ValueError(f"{root} is not LeanDojo Benchmark 4: missing {', '.join(missing[:3])}")
    corpus = list(read_corpus(root))
    write_jsonl(out / "corpus.jsonl", corpus)
    counts: dict[str, int] = {}
    theorems: list[dict] = []
    for split in SPLITS:
        for part in PARTS:
            records = list(read_split(root, split, part))
            write_jsonl(out / "splits" / split / f"{part}.jsonl", records)
            counts[f"{split}/{part}"] = len(records)
            if split == "random":  # the random split's parts hold every theorem once
                theorems += records
    write_jsonl(out / "theorems.jsonl", theorems)
    return {"files": len(corpus), "premises": sum(len(c["premises"]) for c in corpus), **counts}
