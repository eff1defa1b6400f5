"""Sampling logs that scale: per statement one small summary line (JSONL), the distinct proofs in Parquet shards, and
a run-wide index of best pass rates and proofs that later rounds read instead of every round's logs.

ROUND/STEM.jsonl               one `StatementSummary` per statement: counts, pass rate, best proof, its shard
ROUND/STEM.proofs/part-N.parquet  the distinct proofs of a batch of statements (`ProofRow` columns)
RUN/best.jsonl                 `BestEntry` lines, appended whenever a statement's best rate or proof improves

A batch is written shard first (to a temporary name, then renamed), then its summaries in one write and one fsync.
A statement counts as done only once its summary is written, and its proofs are those of the shard its summary
names: a run killed between the two leaves an orphan shard that readers ignore, and the statement is sampled again."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from stp_prover.data import ResultLog, read_log

REASON_CHARS = 300  # a verdict's reason is kept this long: enough to see why, not the whole Coq transcript


@dataclass(frozen=True)
class ProofRow:
    """One distinct proof of one statement: a Parquet row."""

    name: str
    text: str
    count: int
    ok: bool
    policy: str = "model"
    reason: str = ""
    seconds: float = 0.0
    premises: Optional[dict[str, str]] = None  # verified proofs only: {lemma full name: statement}


@dataclass
class StatementSummary:
    """One statement's line in the round log: no proof texts but the best one."""

    name: str
    statement: str
    samples: int
    distinct: int
    correct: int
    pass_rate: float
    best_proof: Optional[str]
    checkpoint: Optional[str]
    shard: str
    extra: dict[str, Any] = field(default_factory=dict)  # seed, lemma, source for conjectures

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "extra"}
        return {**d, **self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "StatementSummary":
        names = {f for f in cls.__dataclass_fields__ if f != "extra"}
        return cls(**{k: d[k] for k in names}, extra={k: v for k, v in d.items() if k not in names})


@dataclass(frozen=True)
class BestEntry:
    """A statement's best so far: the round it was reached in, its pass rate there, its shortest verified proof."""

    name: str
    round: int
    pass_rate: float
    proof: Optional[str]


_SCHEMA_FIELDS = ("name", "text", "count", "ok", "policy", "reason", "seconds", "premises")


def _write_shard(path: Path, rows: Sequence[ProofRow]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("name", pa.string()),
            ("text", pa.string()),
            ("count", pa.int32()),
            ("ok", pa.bool_()),
            ("policy", pa.string()),
            ("reason", pa.string()),
            ("seconds", pa.float32()),
            ("premises", pa.string()),  # JSON: a dict per row does not fit a fixed schema
        ]
    )
    columns = {f: [getattr(r, f) for r in rows] for f in _SCHEMA_FIELDS}
    columns["premises"] = [None if p is None else json.dumps(p, ensure_ascii=False) for p in columns["premises"]]
    columns["reason"] = [x[:REASON_CHARS] for x in columns["reason"]]
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.table(columns, schema=schema), tmp, compression="zstd")
    os.replace(tmp, path)


def _read_shard(path: Path, names: Optional[set[str]], ok_only: bool) -> list[ProofRow]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, filters=[("ok", "=", True)] if ok_only else None)
    out = []
    for d in table.to_pylist():
        if names is not None and d["name"] not in names:
            continue
        d["premises"] = json.loads(d["premises"]) if d["premises"] is not None else None
        out.append(ProofRow(**d))
    return out


class BestIndex:
    """Per statement, the best pass rate of any round and the shortest verified proof, appended as they improve.

    Lines are appended round by round, so the state after round q is the best over the lines of rounds <= q: every
    improvement was written when it happened. Re-applying a round (on resume) writes nothing new."""

    def __init__(self, root: Path):
        self.path = root / "best.jsonl"
        self.entries: list[BestEntry] = [BestEntry(**d) for d in read_log(self.path)]
        self.best: dict[str, BestEntry] = {}
        for e in self.entries:
            self._merge(e)
        self._out: Optional[ResultLog] = None

    def _merge(self, e: BestEntry) -> None:
        old = self.best.get(e.name)
        if old is None:
            self.best[e.name] = e
            return
        proof = old.proof
        if e.proof is not None and (proof is None or len(e.proof) < len(proof)):
            proof = e.proof
        self.best[e.name] = BestEntry(e.name, max(old.round, e.round), max(old.pass_rate, e.pass_rate), proof)

    def update(self, r: int, summaries: Iterable[StatementSummary]) -> None:
        fresh = []
        for s in summaries:
            old = self.best.get(s.name)
            better_rate = old is None or s.pass_rate > old.pass_rate
            shorter = s.best_proof is not None and (
                old is None or old.proof is None or len(s.best_proof) < len(old.proof)
            )
            if better_rate or shorter:
                e = BestEntry(s.name, r, s.pass_rate, s.best_proof)
                fresh.append(e)
                self.entries.append(e)
                self._merge(e)
        if fresh:
            if self._out is None:
                self._out = ResultLog(self.path)
            self._out.append_many(asdict(e) for e in fresh)

    def state(self, upto: int) -> tuple[dict[str, float], set[str]]:
        """STP's sampler state after rounds 0..upto: best pass rate per statement, and the statements ever proved."""
        rates: dict[str, float] = {}
        solved: set[str] = set()
        for e in self.entries:
            if e.round <= upto:
                rates[e.name] = max(e.pass_rate, rates.get(e.name, 0.0))
                if e.pass_rate > 0:
                    solved.add(e.name)
        return rates, solved

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


class SampleLog:
    """One round's sampling log for one kind of statement (targets, conjectures, held-out)."""

    def __init__(self, folder: Path, stem: str, index: Optional[BestIndex] = None, round_: int = 0):
        self.summary_path = folder / f"{stem}.jsonl"
        self.shards = folder / f"{stem}.proofs"
        self.shards.mkdir(parents=True, exist_ok=True)
        self._out = ResultLog(self.summary_path)
        self.index, self.round = index, round_
        done = read_summaries(self.summary_path)
        self._done = {s.name for s in done}
        self._next = 1 + max((int(p.stem.split("-")[1]) for p in self.shards.glob("part-*.parquet")), default=-1)
        if index is not None:  # a resumed round: bring the index up to what the summaries say (idempotent)
            index.update(round_, done)

    def done(self) -> set[str]:
        return set(self._done)

    def append(self, batch: Sequence[tuple[StatementSummary, Sequence[ProofRow]]]) -> None:
        """Write a batch of statements: the shard, then the summaries (each naming the shard), then the index."""
        if not batch:
            return
        shard = f"part-{self._next:05d}.parquet"
        self._next += 1
        _write_shard(self.shards / shard, [row for _, rows in batch for row in rows])
        summaries = [s for s, _ in batch]
        for s in summaries:
            s.shard = shard
        self._out.append_many(s.to_dict() for s in summaries)
        self._done |= {s.name for s in summaries}
        if self.index is not None:
            self.index.update(self.round, summaries)

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> "SampleLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_summaries(path: Path) -> list[StatementSummary]:
    return [StatementSummary.from_dict(d) for d in read_log(path)]


def read_proofs(folder: Path, stem: str, ok_only: bool = False) -> dict[str, list[ProofRow]]:
    """Per statement with a summary, its distinct proofs from the shard its summary names (orphan rows ignored)."""
    by_shard: dict[str, set[str]] = {}
    for s in read_summaries(folder / f"{stem}.jsonl"):
        by_shard.setdefault(s.shard, set()).add(s.name)
    out: dict[str, list[ProofRow]] = {}
    for shard, names in sorted(by_shard.items()):
        path = folder / f"{stem}.proofs" / shard
        if not path.exists():
            continue
        for row in _read_shard(path, names, ok_only):
            out.setdefault(row.name, []).append(row)
    return out
