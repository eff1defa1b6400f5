"""Online learning in the style of Tactician (Blaauwbroek et al., 2020): a nearest-neighbour memory of
(proof state -> tactic) pairs. It starts from traced proofs, learns every verified proof the moment it is found (no
retraining), answers a tactic policy's queries, and persists as an append-only JSONL file in the run folder."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from stp_prover.data import ResultLog
from stp_prover.data.traced import training_part
from stp_prover.itp import ProofEnv, State, Theorem
from stp_prover.itp.replay import proof_tactics, replay_steps
from stp_prover.policy import Candidate, TacticPolicy
from stp_prover.search.order import token_features

# A feature that occurs in more states than this share (2%, at least 64) tells little about which tactic to use;
# skipping its postings keeps a query at tens of milliseconds on the standard library's 67,000 pairs (360 ms at 20%,
# with the same self-recall).
_COMMON = 0.02


@dataclass(frozen=True)
class MemoryEntry:
    state: str
    tactic: str
    source: str = ""  # where it was learnt: traced, a theorem's name

    @property
    def key(self) -> str:
        return hashlib.sha1(f"{self.state}\0{self.tactic}".encode()).hexdigest()[:20]


def state_features(text: str) -> Counter:
    """Tokens and token bigrams of a state's text, counted: what two similar goals share (Tactician uses term
    features); the same features as the learned search order's."""
    return Counter(token_features(text))


class TacticMemory:
    """k-nearest-neighbour tactic memory with TF-IDF weighted feature overlap; thread-safe."""

    def __init__(self, path: Optional[Path] = None):
        self.entries: list[MemoryEntry] = []
        self._keys: set[str] = set()
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._features: list[Counter] = []
        self._lock = threading.Lock()
        self._log: Optional[ResultLog] = None
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._log = ResultLog(path, key="key")
            for rec in self._log.records():
                self._insert(MemoryEntry(rec["state"], rec["tactic"], rec.get("source", "")))

    def __len__(self) -> int:
        return len(self.entries)

    def _insert(self, entry: MemoryEntry) -> bool:
        if entry.key in self._keys or not entry.tactic.strip() or not entry.state.strip():
            return False
        self._keys.add(entry.key)
        index = len(self.entries)
        self.entries.append(entry)
        feats = state_features(entry.state)
        self._features.append(feats)
        for f in feats:
            self._postings[f].append(index)
        return True

    def add(self, entries: Iterable[MemoryEntry]) -> int:
        """Remember new pairs (persisted at once, in one write, when the memory has a file); returns how many were
        new."""
        with self._lock:
            fresh = [e for e in entries if self._insert(e)]
            if self._log is not None and fresh:
                self._log.append_many(
                    {"key": e.key, "state": e.state, "tactic": e.tactic, "source": e.source} for e in fresh
                )
        return len(fresh)

    def learn_proof(self, env: ProofEnv, theorem: Theorem, proof: str) -> int:
        """Replay a verified proof in tactic mode and remember each (state, tactic) it went through."""
        tactics = proof_tactics(theorem.system, proof)
        if not tactics:
            return 0
        steps = replay_steps(env, theorem, tactics)
        return self.add(MemoryEntry(state.text, tactic, theorem.name) for state, tactic in steps)

    def query(self, state_text: str, k: int = 16, neighbours: int = 32) -> list[tuple[str, float]]:
        """Up to k tactics, best first, scored by the summed similarity of the `neighbours` most similar states."""
        feats = state_features(state_text)
        with self._lock:
            n = len(self.entries)
            if not n:
                return []
            scores: dict[int, float] = defaultdict(float)
            for f, count in feats.items():
                posting = self._postings.get(f)
                if not posting or len(posting) > max(64, _COMMON * n):
                    continue
                idf = math.log(1 + n / len(posting))
                for i in posting:
                    scores[i] += idf * min(count, self._features[i][f])
            best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:neighbours]
            votes: dict[str, float] = defaultdict(float)
            for i, score in best:
                votes[self.entries[i].tactic] += score
        return sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:k]

    def close(self) -> None:
        if self._log is not None:
            self._log.close()


def open_memory(path: Path, seed_from: Optional[Path] = None, seed_limit: Optional[int] = None) -> TacticMemory:
    """The memory persisted at `path`; a new (empty) one is first seeded with the train part of traced data."""
    memory = TacticMemory(Path(path))
    if seed_from and not len(memory):
        try:
            memory.add(traced_entries(Path(seed_from), seed_limit))
        except ValueError:
            memory.close()
            raise
    return memory


def traced_entries(folder: Path, limit: Optional[int] = None) -> list[MemoryEntry]:
    """(state, tactic) pairs of the train part of traced data (`stp data trace`'s output); never test theorems."""
    records, _ = training_part(Path(folder))
    out = []
    for rec in records:
        for tac in rec.get("traced_tactics", []):
            out.append(MemoryEntry(tac["state_before"], tac["tactic"], "traced"))
            if limit is not None and len(out) >= limit:
                return out
    return out


class MemoryTacticPolicy(TacticPolicy):
    """Tactics the memory recalls for a state, scored by their share of the neighbours' votes."""

    def __init__(self, memory: TacticMemory):
        self.memory = memory

    def suggest(self, state: State, n: int) -> list[Candidate]:
        votes = self.memory.query(state.text, k=n)
        total = sum(score for _, score in votes) or 1.0
        return [Candidate(tactic, math.log(score / total)) for tactic, score in votes if score > 0]
