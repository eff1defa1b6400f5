"""What every self-play stage shares: the configuration, the run folder and its history (earlier rounds' proofs, the
best-proof index, checkpoints), the statements, the proof environment and the Ray workers."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import Callable, Optional, Sequence, TypeVar

import numpy as np

from stp_prover.data import read_log
from stp_prover.itp import ItpConfig, Theorem, make_env
from stp_prover.itp.env import ProofEnv
from stp_prover.policy import ProofPolicy
from stp_prover.prover.memory import TacticMemory
from stp_prover.search import SearchOrder

from . import prompts, rules, stp
from .budget import TokenBudget, load_budget, proof_request_builder, text_request_builder
from .config import SelfPlayConfig
from .logs import BestIndex, SampleLog, read_proofs, read_summaries
from .records import PooledConjecture
from .rundir import RunDir
from .sampling import StreamSettings, StreamStats, sample_and_verify
from .statements import Target
from .workers import Workers

T = TypeVar("T")
R = TypeVar("R")


def proof_records(
    folder: Path, stem: str, r: int, originals, headers: dict[str, str], order: Sequence[str] = ()
) -> list[stp.ProofRecord]:
    """One round's sampling log (summaries and their Parquet shards) as STP's per-proof records, statements in
    `order` (the order they were scheduled in; others after, as logged). The streaming round logs statements as
    their chunks finish, and STP's steps (a shuffle of the seeds, the training examples) depend on this order, so it
    must not depend on timing."""
    rows = read_proofs(folder, stem)
    rank = {name: i for i, name in enumerate(order)}
    summaries = sorted(read_summaries(folder / f"{stem}.jsonl"), key=lambda s: rank.get(s.name, len(rank)))
    return [
        stp.ProofRecord(
            s.name,
            s.statement,
            p.text,
            p.count,
            p.ok,
            p.seconds,
            tuple(p.premises or ()),
            r,
            s.name in originals,
            headers.get(s.name, ""),
        )
        for s in summaries
        for p in rows.get(s.name, ())
    ]


class EnvPool:
    """A few proof environments for the driver's own checks (conjecture checks, refutations), run in parallel: each
    task leases one environment, so no two tasks share a proof-assistant process."""

    def __init__(self, factory: Callable[[], ProofEnv], size: int):
        self.factory, self.size = factory, max(1, size)
        self._envs: list[ProofEnv] = []
        self._free: "Queue[ProofEnv]" = Queue()
        self._lock = threading.Lock()

    def _lease(self) -> ProofEnv:
        with self._lock:
            if self._free.empty() and len(self._envs) < self.size:
                env = self.factory()
                self._envs.append(env)
                return env
        return self._free.get()

    def map(self, fn: Callable[[ProofEnv, T], R], items: Sequence[T]) -> list[R]:
        """fn(env, item) for every item, in parallel over the environments; results in input order."""

        def run(item: T) -> R:
            env = self._lease()
            try:
                return fn(env, item)
            finally:
                self._free.put(env)

        if len(items) <= 1 or self.size == 1:
            return [run(x) for x in items]
        with ThreadPoolExecutor(min(self.size, len(items)), thread_name_prefix="checks") as ex:
            return list(ex.map(run, items))

    def close(self) -> None:
        for env in self._envs:
            env.close()
        self._envs = []


@dataclass
class Context:
    cfg: SelfPlayConfig
    run: RunDir
    itp_config: ItpConfig
    env: ProofEnv
    workers: Workers
    targets: list[Target]
    heldout: list[Theorem]
    base: str
    index: BestIndex
    portfolio: Optional[ProofPolicy]
    traced_folder: Optional[str]
    say: Callable[[str], None]
    checks: EnvPool
    memory: Optional[TacticMemory] = None  # the run's tactic memory (stages/memory.py), when on
    order: Optional[SearchOrder] = None  # the run's learned search order (stages/order.py), when on
    theorems: dict[str, Theorem] = field(default_factory=dict)  # targets, and conjectures as they are made
    sampling_stats: list[dict] = field(default_factory=list)
    budget: Optional[TokenBudget] = None  # STP's shared prompt + completion budget for the loaded checkpoint
    _proof_cache: dict[int, list[stp.ProofRecord]] = field(default_factory=dict)

    def __post_init__(self):
        self.by_name = {t.theorem.name: t for t in self.targets}
        self.theorems.update({t.theorem.name: t.theorem for t in self.targets})

    @property
    def style(self) -> str:
        return self.cfg.prover.prompt

    @property
    def mode(self) -> rules.Mode:
        return rules.MODES.get(self.cfg.mode)

    @property
    def schedule(self) -> rules.Schedule:
        """The run's target schedule: `targets.schedule`, else the mode's."""
        return rules.SCHEDULES.get(rules.schedule_of(self.cfg))

    def proof_prompt(self, p: stp.ProofRecord) -> str:
        """The prover's prompt for a proof record's statement, in the run's prompt style and header."""
        return prompts.proof_prompt(self.theorems[p.name], self.style, self.cfg.prover.prompt_header)

    def proof_target(self, p: stp.ProofRecord) -> str:
        return prompts.proof_target(p.proof, self.style)

    def close(self) -> None:
        for obj in (self.workers, self.env, self.index, self.checks, self.memory):
            if obj is not None:
                obj.close()

    # -- the run folder's history ---------------------------------------------------------------------------------
    def records(self, r: int, name: str) -> list[dict]:
        return read_log(self.run.round(r) / name)

    def round_proofs(self, r: int) -> list[stp.ProofRecord]:
        """Round r's proof records: targets, then conjectures (the order STP tests them in does not matter). A
        finished round's records never change and are read once."""
        if r in self._proof_cache:
            return self._proof_cache[r]
        self.restore_conjecture_theorems(r)
        headers = {n: t.header for n, t in self.theorems.items()}
        rd = self.run.round(r)
        out = proof_records(rd, "targets", r, self.by_name, headers, [t.theorem.name for t in self.targets])
        out += proof_records(rd, "conjecture_proofs", r, self.by_name, headers, self.pool_order(r))
        if self.run.done(rd, "heldout"):
            self._proof_cache[r] = out
        return out

    def shortest_proofs(self, r: int) -> list[tuple[str, str]]:
        """(name, proof): the shortest verified proof of every statement round r proved, by name (what the memory
        and the learned order learn from)."""
        best: dict[str, str] = {}
        for rec in self.round_proofs(r):
            if rec.ok and rec.name in self.theorems and len(rec.proof) < len(best.get(rec.name, rec.proof + " ")):
                best[rec.name] = rec.proof
        return sorted(best.items())

    def window_proofs(self, r: int) -> list[stp.ProofRecord]:
        """The proof records of the rounds STP's training window covers at round r (`training.window_rounds`)."""
        first = max(0, r - self.cfg.training.window_rounds + 1)
        return [p for q in range(first, r + 1) for p in self.round_proofs(q)]

    def pool_order(self, r: int) -> list[str]:
        """Round r's conjectures in pool order (pool.json), the order they were sampled in."""
        path = self.run.round(r) / "pool.json"
        return json.loads(path.read_text())["pool"] if path.exists() else []

    def state(self, upto: int) -> tuple[dict[str, float], set[str]]:
        """STP's sampler state after rounds 0..upto (stp.update_rates over every round), from the best-proof index
        the sampling logs keep up to date, not from re-reading every round's proofs."""
        return self.index.state(upto)

    def start_checkpoint(self) -> str:
        info = self.run.root / "stage1" / "model.json"
        if info.exists():
            return json.loads(info.read_text())["checkpoint_out"]
        return self.base

    def checkpoint_after(self, r: int) -> str:
        if r < 0:
            return self.start_checkpoint()
        info = self.run.round(r) / "model.json"
        if info.exists():
            return json.loads(info.read_text())["checkpoint_out"]
        raise RuntimeError(f"round {r} has no trained model yet")

    def conjecture_theorem(self, c: PooledConjecture) -> Theorem:
        return c.theorem(self.theorems[c.seed])

    def restore_conjecture_theorems(self, r: int) -> None:
        """The conjectures sampled in round r as theorems (a resumed run has them only in the logs)."""
        for s in read_summaries(self.run.round(r) / "conjecture_proofs.jsonl"):
            seed = s.extra.get("seed")
            if s.name not in self.theorems and seed in self.theorems:
                c = PooledConjecture(
                    s.name, s.statement, "", seed, s.extra.get("lemma"), s.extra.get("source", ""), "", ""
                )
                self.theorems[s.name] = self.conjecture_theorem(c)

    def rng(self, r: int) -> np.random.Generator:
        """STP seeds each round's sampler with the round number (run_RL_steps.sh: SEED=ROUND)."""
        return np.random.default_rng(self.cfg.seed + r)

    # -- the workers ----------------------------------------------------------------------------------------------
    def load_policy(self, checkpoint: str) -> None:
        self.workers.load_policy(checkpoint, self.cfg.prover, self.cfg.conjecturer.max_new_tokens)
        self.budget = load_budget(checkpoint, self.cfg.prover.token_budget)

    def proof_requests(self) -> Callable[[Sequence[Theorem], int], list]:
        """The whole-proof requests of the loaded checkpoint: the run's prompt, STP's token budget."""
        return proof_request_builder(self.cfg.prover, self.budget)

    def text_requests(self) -> Callable[[Sequence[str], int], list]:
        """Free-text requests (conjectures, refutations) within the same budget."""
        return text_request_builder(self.cfg.prover, self.cfg.conjecturer.max_new_tokens, self.budget)

    def premises(self, theorem: Theorem, proof: str) -> dict[str, str]:
        return self.env.premises(theorem, proof)

    def sample(
        self,
        theorems: Sequence[Theorem],
        path: Path,
        n_model: int,
        n_portfolio: int,
        desc: str,
        extra: Optional[Callable[[Theorem], dict]] = None,
        premises: bool = True,
        round_: Optional[int] = None,
    ) -> StreamStats:
        """Stream `theorems` through sampling into the log at `path` (FOLDER/STEM.jsonl and its proof shards); with
        `round_` the results also feed the best-proof index."""
        p = self.cfg.prover
        index = self.index if round_ is not None else None
        with SampleLog(path.parent, path.stem, index, round_ if round_ is not None else -1) as log:
            stats = sample_and_verify(
                theorems,
                log,
                self.workers,
                n_model,
                self.portfolio if n_portfolio else None,
                n_portfolio,
                StreamSettings(p.chunk, p.generation_in_flight, p.verify_in_flight, self.cfg.ray.call_timeout_s),
                desc,
                extra,
                self.premises if premises else None,
                self.proof_requests(),
            )
        self.sampling_stats.append({"log": str(path.relative_to(self.run.root)), **stats.to_dict()})
        return stats


def make_check_pool(cfg: SelfPlayConfig, itp_config: ItpConfig) -> EnvPool:
    return EnvPool(lambda: make_env(cfg.backend, itp_config), cfg.conjecturer.check_workers)
