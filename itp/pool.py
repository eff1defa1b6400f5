"""The verifier pool: warm workers keyed by header, identical (statement, proof) pairs checked once with a
multiplicity, timed-out proofs re-run with more time, infrastructure failures retried and kept apart."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Queue
from typing import Callable, Iterable, Optional

from .config import PoolConfig
from .env import ProofEnv
from .types import Theorem, Verdict, VerdictKind
from .verdicts import verdict_rules


@dataclass(frozen=True)
class VerifyJob:
    theorem: Theorem
    proof: str

    def key(self) -> tuple:
        t = self.theorem
        return (t.system, t.header, t.name, t.statement, self.proof.strip())


@dataclass
class PoolStats:
    submitted: int = 0
    unique: int = 0
    stragglers: int = 0
    straggler_recovered: int = 0
    infra_retries: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "by_kind"}
        d["by_kind"] = dict(self.by_kind)
        return d


ResultCallback = Callable[[int, Verdict], None]


class VerifierPool:
    """N worker slots, each owning one ProofEnv (which keeps warm processes per header). Thread-based: the work is
    in the proof-assistant processes, so Python threads only wait on pipes.

    Safe to call from many threads at once (the proving server does): a slot is leased to one check at a time, so
    two checks never share a proof-assistant process, whatever the load. Concurrent `verify` calls share the slots
    job by job."""

    def __init__(
        self,
        env_factory: Callable[[], ProofEnv],
        config: Optional[PoolConfig] = None,
        timeout: Optional[float] = None,
        owns_envs: bool = True,
    ):
        """`owns_envs=False` when the factory hands out an environment the caller keeps and closes itself."""
        self.config = config or PoolConfig()
        self.owns_envs = owns_envs
        self.env_factory = env_factory
        self.timeout = timeout
        self._envs: list[Optional[ProofEnv]] = [None] * max(1, self.config.workers)
        self._warm: list[set[str]] = [set() for _ in self._envs]
        self._free: "Queue[int]" = Queue()
        for slot in range(len(self._envs)):
            self._free.put(slot)
        self._stats_lock = threading.Lock()
        self.stats = PoolStats()

    def verify(self, jobs: Iterable[VerifyJob], on_result: Optional[ResultCallback] = None) -> list[Verdict]:
        """Verdicts in input order; `on_result(index, verdict)` fires for every input as soon as it is known."""
        jobs = list(jobs)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, job in enumerate(jobs):
            groups[job.key()].append(i)
        with self._stats_lock:
            self.stats.submitted += len(jobs)
            self.stats.unique += len(groups)
        results: list[Optional[Verdict]] = [None] * len(jobs)
        lock = threading.Lock()

        def deliver(key: tuple, verdict: Verdict) -> None:
            with lock:
                with self._stats_lock:
                    self.stats.by_kind[verdict.kind.value] += len(groups[key])
                for i in groups[key]:
                    results[i] = verdict
                    if on_result:
                        on_result(i, verdict)

        stragglers: list[tuple[tuple, VerifyJob]] = []

        def first_try(key: tuple, job: VerifyJob, verdict: Verdict) -> None:
            if verdict.kind is VerdictKind.TIMEOUT and verdict_rules(verdict.verdicts).rerun_timeouts:
                with lock:
                    stragglers.append((key, job))
            else:
                deliver(key, verdict)

        self._run([(key, jobs[idx[0]]) for key, idx in groups.items()], self.timeout, first_try)
        # Stragglers get more time, in parallel: a timeout under load is often just load.
        with self._stats_lock:
            self.stats.stragglers += len(stragglers)
        if stragglers:
            longer = (self.timeout or _env_timeout(self._envs) or 30.0) * self.config.straggler_timeout_factor

            def second_try(key: tuple, job: VerifyJob, verdict: Verdict) -> None:
                if verdict.kind is not VerdictKind.TIMEOUT:
                    with self._stats_lock:
                        self.stats.straggler_recovered += 1
                deliver(key, verdict)

            self._run(stragglers, longer, second_try)
        return [r for r in results if r is not None]

    def _run(
        self,
        items: list[tuple[tuple, VerifyJob]],
        timeout: Optional[float],
        done: Callable[[tuple, VerifyJob, Verdict], None],
    ) -> None:
        """Check `items` on leased slots, preferring a slot's warm headers, and hand each verdict to `done`."""
        queue = _HeaderQueue(items)

        def work() -> None:
            while True:
                slot = self._free.get()
                try:
                    item = queue.pop(self._warm[slot])
                    if item is None:
                        return
                    key, job = item
                    verdict = self._check(slot, job, timeout)
                finally:
                    self._free.put(slot)
                done(key, job, verdict)

        threads = min(len(self._envs), len(items))
        if threads:
            with ThreadPoolExecutor(max_workers=threads) as ex:
                for future in [ex.submit(work) for _ in range(threads)]:
                    future.result()

    def _check(self, slot: int, job: VerifyJob, timeout: Optional[float]) -> Verdict:
        """One check on a slot the caller holds the lease of."""
        verdict = Verdict(VerdictKind.ERROR, "not run")
        for attempt in range(self.config.retry_errors + 1):
            if attempt:
                with self._stats_lock:
                    self.stats.infra_retries += 1
            t0 = time.monotonic()
            try:
                env = self._env(slot)
                verdict = env.check(job.theorem, job.proof, timeout)
                self._warm[slot].add(job.theorem.header)
            except Exception as exc:  # noqa: BLE001 - a hostile proof must never take the pool down
                verdict = Verdict(VerdictKind.ERROR, f"{type(exc).__name__}: {exc}", seconds=time.monotonic() - t0)
                self._drop_env(slot)
            if verdict.kind is not VerdictKind.ERROR:
                break
        return verdict

    def _env(self, slot: int) -> ProofEnv:
        env = self._envs[slot]
        if env is None:
            env = self._envs[slot] = self.env_factory()
        return env

    def _drop_env(self, slot: int) -> None:
        env, self._envs[slot] = self._envs[slot], None
        self._warm[slot].clear()
        if env is not None and self.owns_envs:
            try:
                env.close()
            except Exception:  # noqa: BLE001
                pass

    def close(self) -> None:
        """Stop every slot's processes (waits for checks that are running to finish first)."""
        held = [self._free.get() for _ in range(len(self._envs))]
        try:
            for slot in held:
                self._drop_env(slot)
        finally:
            for slot in held:
                self._free.put(slot)

    def __enter__(self) -> "VerifierPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _env_timeout(envs: list[Optional[ProofEnv]]) -> Optional[float]:
    """The backend's own check timeout (its config's), from any started environment."""
    return next((env.config.check_timeout for env in envs if env is not None), None)


class _HeaderQueue:
    """Unique jobs grouped by header; a worker takes jobs for a header it has warm before starting another."""

    def __init__(self, items: list[tuple[tuple, VerifyJob]]):
        self._by_header: dict[str, deque] = defaultdict(deque)
        for key, job in items:
            self._by_header[job.theorem.header].append((key, job))
        self._lock = threading.Lock()

    def pop(self, warm: set[str]) -> Optional[tuple[tuple, VerifyJob]]:
        with self._lock:
            for header in warm:
                if self._by_header.get(header):
                    return self._by_header[header].popleft()
            live = [h for h, q in self._by_header.items() if q]
            if not live:
                return None
            header = max(live, key=lambda h: len(self._by_header[h]))
            return self._by_header[header].popleft()
