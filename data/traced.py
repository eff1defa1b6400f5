"""Traced proof data: trace a library (resumable), then build LeanDojo-like records: a premise corpus, theorems with
their traced tactics and the premises each tactic used, and LeanDojo's two splits (random and novel_premises)."""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from stp_prover.itp import Theorem, TracedFile, project_files, source_files, tactic_prelude, trace_source
from stp_prover.itp.backends import spec, tactic_mentions
from stp_prover.itp.dialect import declared_name, dialect
from stp_prover.itp.trace import written_as

from .jsonl import ResultLog, read_jsonl, read_log

TRACED = "traced_files.jsonl"
SPLIT_FRACTIONS = (0.9, 0.05, 0.05)  # train, val, test


def trace_library(
    backend: str,
    out: Path,
    patterns: Optional[list[str]] = None,
    on_file: Optional[Callable[[TracedFile], None]] = None,
    workers: int = 1,
    library: Optional[str] = None,
    project: Optional[Path] = None,
) -> list[str]:
    """Trace source files into out/traced_files.jsonl, `workers` files at a time (one proof-assistant process each);
    files already there are skipped. The files: a user's `project` folder (built first), else one of the backend's
    installed libraries (`library`, default its standard library), narrowed by `patterns` (globs on the relative path
    or logical name, or paths of files); a backend without installed sources traces the files `patterns` name.
    Returns the relative paths selected."""
    config = None
    if project is not None:
        found = project_files(backend, project, jobs=workers)
        root, config = found.root, found.config
        chosen = _matching(found.root, found.files, patterns)
    elif spec(backend).library is None:  # no library sources are installed: trace the user's own files
        root = "."
        suffix = spec(backend).file_suffix or ""
        chosen = sorted(
            {
                (p, p[: -len(suffix)].replace("/", "."))
                for pat in patterns or []
                for p in glob.glob(pat)
                if p.endswith(suffix)
            }
        )
    else:
        found = source_files(backend, library=library)
        root = found.root
        chosen = _matching(found.root, found.files, patterns)
    out.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    with ResultLog(out / TRACED, key="path") as log:
        done = log.done()

        def trace_one(item: tuple[str, str]) -> None:
            rel, logical = item
            text = (Path(root) / rel).read_text(encoding="utf-8", errors="replace")
            try:
                traced = trace_source(backend, text, rel, logical, config)
            except Exception as exc:  # noqa: BLE001 - one file's failure is reported, never the end of the run
                traced = TracedFile(path=rel, logical_name=logical, error=f"{type(exc).__name__}: {exc}")
            with lock:
                log.append(traced.to_dict())
                if on_file:
                    on_file(traced)

        with ThreadPoolExecutor(max(1, workers)) as ex:
            list(ex.map(trace_one, [c for c in chosen if c[0] not in done]))
    return [rel for rel, _ in chosen]


def _matching(root: str, files: list[tuple[str, str]], patterns: Optional[list[str]]) -> list[tuple[str, str]]:
    """The files a pattern names: a glob on the relative path or the logical name, or the path of the file itself
    (absolute or relative to the working folder, e.g. `/usr/lib/ocaml/coq/theories/Arith/PeanoNat.v`)."""
    if not patterns:
        return list(files)
    real_root = os.path.realpath(root)
    as_paths = set()
    for p in patterns:
        if os.path.isfile(p):
            real = os.path.realpath(p)
            if not real.startswith(real_root + os.sep):
                raise ValueError(f"{p} is not in {root}; trace your own project with --project DIR")
            as_paths.add(os.path.relpath(real, real_root))
    return [
        (rel, logical)
        for rel, logical in files
        if rel in as_paths or any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(logical, p) for p in patterns)
    ]


def load_traced(out: Path, paths: Optional[Iterable[str]] = None) -> list[TracedFile]:
    """Traced files sorted by path (the log holds them in the order they finished, which depends on the workers)."""
    wanted = set(paths) if paths is not None else None
    files = [TracedFile.from_dict(r) for r in read_log(out / TRACED) if wanted is None or r["path"] in wanted]
    return sorted(files, key=lambda f: f.path)


@dataclass
class BuiltDataset:
    files: int
    premises: int
    theorems: int
    tactics: int
    tactics_with_premises: int
    failed_theorems: int


class NameIndex:
    """Resolves a name as written (`add_comm`, `Nat.add_comm`) by suffix: only for tracers that do not ask the proof
    assistant (Lean's `allTactics`); Coq's tracer records what Coq itself says each name denotes."""

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


def library_path(logical: str) -> str:
    """Where a library that was not traced lives, relative to the library root (Coq: Coq.Init.Logic is
    theories/Init/Logic.v)."""
    if logical.startswith("Coq."):
        return "theories/" + logical[len("Coq.") :].replace(".", "/") + ".v"
    return logical.replace(".", "/") + ".v"


def transitive_imports(direct: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each file, every file it imports directly or through others."""
    closure: dict[str, set[str]] = {}
    for start in direct:
        seen, stack = set(), list(direct[start])
        while stack:
            p = stack.pop()
            if p not in seen and p != start:
                seen.add(p)
                stack.extend(direct.get(p, ()))
        closure[start] = seen
    return closure


def corpus_files(files: list[TracedFile]) -> list[dict]:
    """corpus.jsonl's records, LeanDojo's layout: per file its direct `imports` (paths) and its premises. Premises
    that proofs used but no traced file declares (Coq.Init, constructors, names made by module functors) are added
    to the file that owns them, with the statement Coq printed; untraced owners get a record of their own."""
    path_of = {f.logical_name: f.path for f in files}
    entries: dict[str, dict] = {}
    for f in files:
        entries[f.path] = {"path": f.path, "logical_name": f.logical_name, "imports": set(), "premises": {}}
        for d in f.declarations + [r for r in f.referenced if not r.library]:
            entries[f.path]["premises"].setdefault(d.full_name, _premise(d))
    ends = {f.path: 1 + max([d.line for d in f.declarations] + [t.end_line for t in f.theorems] + [0]) for f in files}
    for f in files:
        for r in f.referenced:
            if not r.library:
                continue
            owner = path_of.get(r.library) or library_path(r.library)
            entry = entries.setdefault(
                owner, {"path": owner, "logical_name": r.library, "imports": set(), "premises": {}}
            )
            # Its position in a traced owner is unknown: after the owner's last line, so no proof there sees it.
            entry["premises"].setdefault(r.full_name, {**_premise(r), "line": ends.get(owner, 0)})
    by_logical = {e["logical_name"]: path for path, e in entries.items()}
    prelude = [p for p, e in entries.items() if e["logical_name"].startswith("Coq.Init.") and p not in path_of.values()]
    for f in files:
        direct = {by_logical.get(m) or path_of.get(m) or "" for m in f.imports}
        direct |= {by_logical[r.library] for r in f.referenced if r.library}
        if f.logical_name.startswith("Coq."):
            direct |= set(prelude)  # Coq.Init.Prelude is loaded before any file
        entries[f.path]["imports"] = direct - {"", f.path}
    return [
        {**e, "imports": sorted(e["imports"]), "premises": sorted(e["premises"].values(), key=lambda p: p["line"])}
        for _, e in sorted(entries.items())
    ]


def _premise(d) -> dict:
    return {"full_name": d.full_name, "code": d.code, "kind": d.kind, "line": d.line}


def build_dataset(out: Path, seed: int = 0) -> BuiltDataset:
    """Write corpus.jsonl, theorems.jsonl, splits/{random,novel_premises}/{train,val,test}.jsonl and the list of
    proofs and files that did not replay (replay_failures.txt) under `out`."""
    files = load_traced(out)
    corpus = corpus_files(files)
    write_jsonl(out / "corpus.jsonl", corpus)
    closure = transitive_imports({c["path"]: set(c["imports"]) for c in corpus})
    index = NameIndex(files)
    theorems = []
    stats = BuiltDataset(len(files), sum(len(c["premises"]) for c in corpus), 0, 0, 0, 0)
    for f in files:
        for t in f.theorems:
            stats.failed_theorems += not t.ok
            if not t.ok or not t.tactics:
                continue
            tactics = []
            for tac in t.tactics:
                if tac.premises is not None:
                    # A label must stand for a name the tactic writes as a term; this also drops the labels that
                    # traces made before `mentions` knew notation scopes (`%nat`) and tactic names (`order`) carry.
                    names = tactic_mentions(f.path, tac.tactic, tac.mentions)
                    used = [p for p in dict.fromkeys(tac.premises) if p != t.full_name and written_as(p, names)]
                else:
                    resolved = (index.resolve(n, f.path, t.start_line, closure[f.path]) for n in tac.mentions)
                    used = [p for p in dict.fromkeys(resolved) if p and p != t.full_name]
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
    write_jsonl(out / "theorems.jsonl", theorems)
    write_splits(out / "splits", theorems, seed)
    (out / "dataset.json").write_text(json.dumps(stats.__dict__, indent=1))
    return stats


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


SPLITS = ("random", "novel_premises")


def split_theorems(theorems: list[dict], split: str, seed: int = 0) -> dict[str, list[dict]]:
    """train/val/test of one split kind: `random` (theorems shuffled), or LeanDojo's `novel_premises` (every val
    and test theorem uses a premise that no training theorem uses). Theorems are sorted first, so the split depends
    on the data and the seed only, never on the order in which files were traced."""
    ordered = sorted(theorems, key=lambda t: (t["file_path"], t["start"], t["full_name"]))
    rng = random.Random(seed)
    n_held = len(ordered) - int(len(ordered) * SPLIT_FRACTIONS[0])
    if split == "random":
        rng.shuffle(ordered)
        held, train = ordered[:n_held], ordered[n_held:]
    elif split == "novel_premises":
        held_ids = _novel_premise_holdout(ordered, n_held, rng)
        held = [t for i, t in enumerate(ordered) if i in held_ids]
        train = [t for i, t in enumerate(ordered) if i not in held_ids]
        rng.shuffle(held)
    else:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    n_val = len(held) * SPLIT_FRACTIONS[1] // (SPLIT_FRACTIONS[1] + SPLIT_FRACTIONS[2])
    return {"train": train, "val": held[: int(n_val)], "test": held[int(n_val) :]}


def _novel_premise_holdout(theorems: list[dict], size: int, rng: random.Random) -> set[int]:
    """Indices of about `size` theorems held out with every user of some premises, so those premises are unseen in
    training: premises are taken in random order, each with all the theorems that use it, while they fit."""
    users: dict[str, set[int]] = defaultdict(set)
    for i, t in enumerate(theorems):
        for tac in t["traced_tactics"]:
            for p in tac["premises"]:
                users[p].add(i)
    premises = sorted(users)
    rng.shuffle(premises)
    held: set[int] = set()
    for p in premises:
        if len(held) >= size:
            break
        new = users[p] - held
        if len(held) + len(new) <= size:  # a premise used everywhere would take the whole test set
            held |= new
    return held


def write_splits(root: Path, theorems: list[dict], seed: int = 0) -> None:
    for split in SPLITS:
        for part, records in split_theorems(theorems, split, seed).items():
            write_jsonl(root / split / f"{part}.jsonl", records)


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


def training_part(traced: Path) -> tuple[list[dict], dict[str, str]]:
    """What a model may learn from: the train part of a split (`traced` is a split folder, or a traced-data folder
    whose random split is taken; test theorems never), and every premise's statement by name, for prompts."""
    traced = Path(traced)
    split = traced if (traced / "train.jsonl").is_file() else traced / "splits" / "random"
    root = split.parent.parent
    if not (split / "train.jsonl").is_file() or not (root / "corpus.jsonl").is_file():
        raise ValueError(f"{traced} is not a traced-data folder or one of its splits; see `stp data trace`")
    statements = {p["full_name"]: p["code"] for c in read_jsonl(root / "corpus.jsonl") for p in c["premises"]}
    return read_jsonl(split / "train.jsonl"), statements


def traced_training_theorems(folder: str | Path, system: str) -> Iterator[tuple[dict, Theorem]]:
    """(record, theorem) for every traced theorem of the train part (never a test theorem) that has a proof, its
    header loading the file that declares it."""
    root = Path(folder)
    logical = {rec["path"]: rec["logical_name"] for rec in read_jsonl(root / "corpus.jsonl")}
    d = dialect(system)
    for rec in training_part(root)[0]:
        statement = rec["statement"].strip()
        name = declared_name(statement)
        module = logical.get(rec["file_path"])
        if not name or not module or not rec.get("traced_tactics"):
            continue
        header = tactic_prelude(system) + d.import_line(module)
        yield rec, Theorem(name, system, header, statement, split="traced", source=rec["full_name"])


def to_hf_dataset(records: Iterable[dict]):
    """A Hugging Face `datasets.Dataset` from JSON-able records (theorems or tactic examples)."""
    from datasets import Dataset

    return Dataset.from_list(list(records))
