"""The verifier pool spread over a Ray cluster: one actor per node share of CPUs, each running a VerifierPool.
Jobs are sharded by header, so every header is imported on as few actors as possible."""

from __future__ import annotations

import zlib
from typing import Iterable, Optional

from .backends import ItpConfig, make_env
from .pool import ResultCallback, VerifierPool, VerifyJob
from .types import Verdict


def _actor_class():
    import ray  # noqa: PLC0415 - Ray is only needed when the pool is distributed

    @ray.remote
    class VerifierActor:
        def __init__(self, backend: str, config: ItpConfig, timeout: Optional[float]):
            self.pool = VerifierPool(lambda: make_env(backend, config), config.pool, timeout)

        def verify(self, jobs: list[VerifyJob]) -> list[Verdict]:
            return self.pool.verify(jobs)

        def stats(self) -> dict:
            return self.pool.stats.to_dict()

        def close(self) -> None:
            self.pool.close()

    return VerifierActor


class RayVerifierPool:
    """Same contract as VerifierPool; `ray.init()` (local) or `ray.init(address=...)` (cluster) must have run."""

    def __init__(
        self,
        backend: str,
        actors: int = 2,
        config: Optional[ItpConfig] = None,
        timeout: Optional[float] = None,
        cpus_per_actor: Optional[float] = None,
    ):
        config = config or ItpConfig()
        cpus = cpus_per_actor if cpus_per_actor is not None else float(config.pool.workers)
        actor = _actor_class().options(num_cpus=cpus)
        self.actors = [actor.remote(backend, config, timeout) for _ in range(max(1, actors))]

    def verify(self, jobs: Iterable[VerifyJob], on_result: Optional[ResultCallback] = None) -> list[Verdict]:
        import ray  # noqa: PLC0415

        jobs = list(jobs)
        shards: list[list[int]] = [[] for _ in self.actors]
        for i, job in enumerate(jobs):
            shards[zlib.crc32(job.theorem.header.encode()) % len(self.actors)].append(i)
        pending = {}
        for actor, idx in zip(self.actors, shards):
            if idx:
                pending[actor.verify.remote([jobs[i] for i in idx])] = idx
        results: list[Optional[Verdict]] = [None] * len(jobs)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            idx = pending.pop(done[0])
            for i, verdict in zip(idx, ray.get(done[0])):
                results[i] = verdict
                if on_result:
                    on_result(i, verdict)
        return [r for r in results if r is not None]

    def stats(self) -> list[dict]:
        import ray  # noqa: PLC0415

        return ray.get([a.stats.remote() for a in self.actors])

    def close(self) -> None:
        import ray  # noqa: PLC0415

        ray.get([a.close.remote() for a in self.actors])
        for a in self.actors:
            ray.kill(a)
