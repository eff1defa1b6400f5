"""Traced proof data: trace a library (resumable), then build LeanDojo-like records: a premise corpus, theorems with
their traced tactics and the premises each tactic used, and splits (random, and by whole held-out files)."""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import json
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from itp import TracedFile, source_files, trace_source

from .jsonl import ResultLog, read_log

TRACED = "traced_files.jsonl"
SPLIT_FRACTIONS = (0.9, 0.05, 0.05)  # train, val, test


def trace_library(
    backend: str,
    out: Path,
    patterns: Optional[list[str]] = None,
    on_file: Optional[Callable[[TracedFile], None]] = None,
    workers: int = 1,
) -> list[str]:
    """Trace the backend's library files matching `patterns` (globs on the relative path) into out/traced_files.jsonl,
    `workers` files at a time (one proof-assistant process each); files already there are skipped. Returns the
    relative paths selected."""
    if backend == "lean":  # no library sources are installed: trace the user's own files
        root = "."
        chosen = sorted(
            {
                (p, p[: -len(".lean")].replace("/", "."))
                for pat in patterns or []
                for p in glob.glob(pat)
                if p.endswith(".lean")
            }
        )
    else:
        root, files = source_files(backend)
        chosen = [
            (rel, logical)
            for rel, logical in files
            if not patterns or any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(logical, p) for p in patterns)
        ]
    out.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    with ResultLog(out / TRACED, key="path") as log:
        done = log.done()

        def trace_one(item: tuple[str, str]) -> None:
            rel, logical = item
            text = (Path(root) / rel).read_text(encoding="utf-8", errors="replace")
            try:
                traced = trace_source(backend, text, rel, logical)
            except Exception as exc:  # noqa: BLE001 - one file's failure is reported, never the end of the run
                traced = TracedFile(path=rel, logical_name=logical, error=f"{type(exc).__name__}: {exc}")
            with lock:
                log.append(traced.to_dict())
                if on_file:
                    on_file(traced)

        with ThreadPoolExecutor(max(1, workers)) as ex:
            list(ex.map(trace_one, [c for c in chosen if c[0] not in done]))
    return [rel for rel, _ in chosen]


def load_traced(out: Path, paths: Optional[Iterable[str]] = None) -> list[TracedFile]:
    wanted = set(paths) if paths is not None else None
    return [TracedFile.from_dict(r) for r in read_log(out / TRACED) if wanted is None or r["path"] in wanted]


@dataclass
class BuiltDataset:
    files: int
    premises: int
    theorems: int
    tactics: int
    tactics_with_premises: int
    failed_theorems: int


class NameIndex:
    """Resolves a name as written (`add_comm`, `Nat.add_comm`) to the declarations it may denote."""

    def __init__(self, files: list[TracedFile]):
        self.by_suffix: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # -> (full_name, file, line)
        for f in files:
            for d in f.declarations:
                parts = d.full_name.split(".")
                for k in range(1, len(parts) + 1):
                    self.by_suffix[".".join(parts[-k:])].append((d.full_name, f.path, d.line))

    def resolve(self, name: str, file: str, line: int, accessible_files: set[str]) -> Optional[str]:
        """The declaration `name` denotes from (file, line): earlier in the same file, else in an accessible file."""
        candidates = self.by_suffix.get(name, [])
        same = [c for c in candidates if c[1] == file and c[2] < line]
        if same:
            return max(same, key=lambda c: c[2])[0]
        other = [c for c in candidates if c[1] in accessible_files]
        return other[0][0] if other else None


def import_closure(files: list[TracedFile]) -> dict[str, set[str]]:
    """For each file, the files it imports transitively (imports resolved by logical-name suffix)."""
    by_logical = {f.logical_name: f.path for f in files}
    suffix: dict[str, list[str]] = defaultdict(list)
    for logical, path in by_logical.items():
        parts = logical.split(".")
        for k in range(1, len(parts) + 1):
            suffix[".".join(parts[-k:])].append(path)
    direct = {f.path: {p for imp in f.imports for p in suffix.get(imp, [])[:1]} - {f.path} for f in files}
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen, stack = set(), list(direct[start])
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(direct.get(p, ()))
        closure[start] = seen
    return closure


def build_dataset(out: Path, seed: int = 0) -> BuiltDataset:
    """Write corpus.jsonl, theorems.jsonl, splits/{random,novel_files}/{train,val,test}.jsonl and the list of
    proofs and files that did not replay (replay_failures.txt) under `out`."""
    files = load_traced(out)
    closure = import_closure(files)
    index = NameIndex(files)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for f in files:
            fh.write(
                json.dumps(
                    {
                        "path": f.path,
                        "logical_name": f.logical_name,
                        "imports": sorted(closure[f.path]),
                        "premises": [
                            {"full_name": d.full_name, "code": d.code, "kind": d.kind, "line": d.line}
                            for d in f.declarations
                        ],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    theorems = []
    stats = BuiltDataset(len(files), sum(len(f.declarations) for f in files), 0, 0, 0, 0)
    for f in files:
        for t in f.theorems:
            stats.failed_theorems += not t.ok
            if not t.ok or not t.tactics:
                continue
            tactics = []
            for tac in t.tactics:
                used = []
                for name in tac.mentions:
                    full = index.resolve(name, f.path, t.start_line, closure[f.path])
                    if full and full != t.full_name and full not in used:
                        used.append(full)
                tactics.append(
                    {
                        "tactic": tac.tactic,
                        "state_before": tac.state_before,
                        "state_after": tac.state_after,
                        "premises": used,
                    }
                )
                stats.tactics += 1
                stats.tactics_with_premises += bool(used)
            theorems.append(
                {
                    "full_name": t.full_name,
                    "file_path": f.path,
                    "start": t.start_line,
                    "end": t.end_line,
                    "statement": t.statement,
                    "traced_tactics": tactics,
                }
            )
    stats.theorems = len(theorems)
    failures = [f"{f.path}: {f.error}" for f in files if f.error]
    failures += [f"{f.path}:{t.start_line} {t.name}: {t.error[:160]}" for f in files for t in f.theorems if not t.ok]
    (out / "replay_failures.txt").write_text("".join(line + "\n" for line in failures))
    _write_jsonl(out / "theorems.jsonl", theorems)
    _write_splits(out / "splits", theorems, seed)
    (out / "dataset.json").write_text(json.dumps(stats.__dict__, indent=1))
    return stats


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def _split_of(key: str, seed: int) -> str:
    """Deterministic train/val/test by hash, so adding files never moves old ones between splits."""
    h = int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    train, val, _ = SPLIT_FRACTIONS
    return "train" if h < train else ("val" if h < train + val else "test")


def _write_splits(root: Path, theorems: list[dict], seed: int) -> None:
    rng = random.Random(seed)
    shuffled = theorems[:]
    rng.shuffle(shuffled)
    n = len(shuffled)
    a, b = int(n * SPLIT_FRACTIONS[0]), int(n * (SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1]))
    for name, part in (("train", shuffled[:a]), ("val", shuffled[a:b]), ("test", shuffled[b:])):
        _write_jsonl(root / "random" / f"{name}.jsonl", part)
    by_split: dict[str, list[dict]] = defaultdict(list)
    for t in theorems:  # whole files held out: their premises are unseen in training
        by_split[_split_of(t["file_path"], seed)].append(t)
    for name in ("train", "val", "test"):
        _write_jsonl(root / "novel_files" / f"{name}.jsonl", by_split[name])


def tactic_examples(theorems: Iterable[dict]) -> Iterable[dict]:
    """One record per traced tactic: the state, the tactic and the premises it used."""
    for t in theorems:
        for tac in t["traced_tactics"]:
            yield {
                "full_name": t["full_name"],
                "file_path": t["file_path"],
                "start": t["start"],
                "state": tac["state_before"],
                "tactic": tac["tactic"],
                "premises": tac["premises"],
            }


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def to_hf_dataset(records: Iterable[dict]):
    """A Hugging Face `datasets.Dataset` from JSON-able records (theorems or tactic examples)."""
    from datasets import Dataset

    return Dataset.from_list(list(records))
