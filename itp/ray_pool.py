"""The verifier pool spread over a Ray cluster: actors, each running a VerifierPool. Work goes out in small chunks
to the least-loaded actor; a chunk whose header an actor already has warm is preferred, but an idle actor never
waits for its own headers (miniF2F-Lean has a single header: every actor works)."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Iterable, Optional

from .backends import ItpConfig, make_env
from .pool import ResultCallback, VerifierPool, VerifyJob
from .types import Verdict


def _actor_class():
    import ray  # noqa: PLC0415 - Ray is only needed when the pool is distributed

    @ray.remote
    class VerifierActor:
        def __init__(self, backend: str, config: ItpConfig, timeout: Optional[float]):
            # A plug-in backend is registered per process: load the plug-ins the driver loaded (stp_prover/plugins.py
            # imports nothing of ours, so this layer stays below every other).
            from stp_prover.plugins import load_plugins

            load_plugins()
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
        chunk: int = 8,
        in_flight_per_actor: int = 2,
    ):
        """`chunk` jobs go to an actor at a time, and each actor holds at most `in_flight_per_actor` chunks (one
        running, one waiting), so no actor idles while another has a queue."""
        config = config or ItpConfig()
        self.chunk = max(1, chunk)
        self.in_flight_per_actor = max(1, in_flight_per_actor)
        cpus = cpus_per_actor if cpus_per_actor is not None else float(config.pool.workers)
        actor = _actor_class().options(num_cpus=cpus)
        self.actors = [actor.remote(backend, config, timeout) for _ in range(max(1, actors))]

    def verify(self, jobs: Iterable[VerifyJob], on_result: Optional[ResultCallback] = None) -> list[Verdict]:
        import ray  # noqa: PLC0415

        jobs = list(jobs)
        groups: dict[tuple, list[int]] = defaultdict(list)  # identical jobs are checked once, on one actor
        for i, job in enumerate(jobs):
            groups[job.key()].append(i)
        by_header: dict[str, deque] = defaultdict(deque)
        for key, idx in groups.items():
            by_header[jobs[idx[0]].theorem.header].append(key)
        warm: list[set[str]] = [set() for _ in self.actors]
        load = [0] * len(self.actors)
        pending: dict = {}
        results: list[Optional[Verdict]] = [None] * len(jobs)

        def next_chunk(actor: int) -> Optional[list[tuple]]:
            live = [h for h, q in by_header.items() if q]
            if not live:
                return None
            mine = [h for h in live if h in warm[actor]]
            header = (mine or sorted(live, key=lambda h: -len(by_header[h])))[0]
            queue = by_header[header]
            warm[actor].add(header)
            return [queue.popleft() for _ in range(min(self.chunk, len(queue)))]

        def dispatch() -> None:
            while True:
                actor = min(range(len(self.actors)), key=lambda a: load[a])
                if load[actor] >= self.in_flight_per_actor:
                    return
                keys = next_chunk(actor)
                if keys is None:
                    return
                ref = self.actors[actor].verify.remote([jobs[groups[k][0]] for k in keys])
                pending[ref] = (actor, keys)
                load[actor] += 1

        dispatch()
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            actor, keys = pending.pop(done[0])
            load[actor] -= 1
            for key, verdict in zip(keys, ray.get(done[0])):
                for i in groups[key]:
                    results[i] = verdict
                    if on_result:
                        on_result(i, verdict)
            dispatch()
        return [r for r in results if r is not None]

    def stats(self) -> list[dict]:
        import ray  # noqa: PLC0415

        return ray.get([a.stats.remote() for a in self.actors])

    def close(self) -> None:
        import ray  # noqa: PLC0415

        ray.get([a.close.remote() for a in self.actors])
        for a in self.actors:
            ray.kill(a)
