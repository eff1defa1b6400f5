"""The verifier pool spread over a Ray cluster: actors, each running a VerifierPool. Work goes out in small chunks
to the least-loaded actor; a chunk whose header an actor already has warm is preferred, but an idle actor never
waits for its own headers (miniF2F-Lean has a single header: every actor works)."""

from __future__ import annotations

import os
from collections import defaultdict, deque
from typing import Any, Iterable, Optional

from .backends import ItpConfig, make_env
from .pool import ResultCallback, VerifierPool, VerifyJob
from .types import Verdict


class ClusterTimeout(RuntimeError):
    """A wait on the Ray cluster outlived its configured bound; the message names the setting."""


def bounded_get(refs: Any, timeout: Optional[float], what: str, setting: str) -> Any:
    """`ray.get(refs)` that waits at most `timeout` seconds (None: unbounded); ClusterTimeout names `setting`."""
    import ray  # noqa: PLC0415

    try:
        return ray.get(refs, timeout=timeout)
    except ray.exceptions.GetTimeoutError:
        raise timed_out(timeout, what, setting) from None


def timed_out(timeout: Optional[float], what: str, setting: str) -> ClusterTimeout:
    return ClusterTimeout(
        f"waited {timeout:g} s for {what} ({setting}): raise {setting} if the work is only slow, otherwise read the "
        "worker logs (printed by the driver, and under /tmp/ray/session_latest/logs)"
    )


def peak_rss_mib(pid: int) -> Optional[float]:
    """The process's peak resident memory (VmHWM of /proc/PID/status) in MiB; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def note_peaks(peaks: dict[int, float], pids) -> None:
    """Raise each live process's entry in `peaks` to its current peak memory (gone processes keep their last)."""
    for pid in pids:
        peak = peak_rss_mib(pid)
        if peak is not None:
            peaks[pid] = max(peak, peaks.get(pid, 0.0))


def descendants(pid: Optional[int] = None) -> list[int]:
    """PIDs of every live descendant of `pid` (default: this process)."""
    import psutil  # noqa: PLC0415

    try:
        return [p.pid for p in psutil.Process(pid or os.getpid()).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def placement_here() -> dict:
    """The Ray resources and accelerator ids assigned to the calling actor or task, with its PID and node."""
    import ray  # noqa: PLC0415

    ctx = ray.get_runtime_context()
    return {
        "pid": os.getpid(),
        "node": ctx.get_node_id()[:12],
        "resources": {k: round(v, 3) for k, v in ctx.get_assigned_resources().items()},
        "accelerators": {k: list(v) for k, v in ctx.get_accelerator_ids().items() if v},
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


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

        def processes(self) -> dict:
            """Where this actor runs, its proof-assistant processes now, and peak memory (its own, its children's)."""
            children = descendants()
            peaks = [m for m in (peak_rss_mib(p) for p in children) if m is not None]
            return {
                **placement_here(),
                "children": children,
                "peak_rss_mib": peak_rss_mib(os.getpid()),
                "children_peak_rss_mib": max(peaks, default=None),
            }

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
        call_timeout: Optional[float] = None,
        runtime_env: Optional[dict] = None,
    ):
        """`chunk` jobs go to an actor at a time, and each actor holds at most `in_flight_per_actor` chunks (one
        running, one waiting), so no actor idles while another has a queue. `call_timeout` bounds every wait on an
        actor (ClusterTimeout after it; None: unbounded); `runtime_env` is each actor's (thread counts)."""
        config = config or ItpConfig()
        self.chunk = max(1, chunk)
        self.in_flight_per_actor = max(1, in_flight_per_actor)
        self.call_timeout = call_timeout
        cpus = cpus_per_actor if cpus_per_actor is not None else float(config.pool.workers)
        actor = _actor_class().options(num_cpus=cpus, **({"runtime_env": runtime_env} if runtime_env else {}))
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
            done, _ = ray.wait(list(pending), num_returns=1, timeout=self.call_timeout)
            if not done:
                raise timed_out(self.call_timeout, "a verification chunk", "call_timeout")
            actor, keys = pending.pop(done[0])
            load[actor] -= 1
            for key, verdict in zip(keys, ray.get(done[0])):  # ready: ray.wait returned it
                for i in groups[key]:
                    results[i] = verdict
                    if on_result:
                        on_result(i, verdict)
            dispatch()
        return [r for r in results if r is not None]

    def stats(self) -> list[dict]:
        return bounded_get([a.stats.remote() for a in self.actors], self.call_timeout, "verifier stats", "call_timeout")

    def processes(self) -> list[dict]:
        """Each actor's placement, proof-assistant process PIDs and peak memory (`VerifierActor.processes`)."""
        refs = [a.processes.remote() for a in self.actors]
        return bounded_get(refs, self.call_timeout, "verifier process info", "call_timeout")

    def close(self) -> None:
        """Close every actor's proof-assistant processes, then the actors (killed even when closing timed out)."""
        import ray  # noqa: PLC0415

        try:
            refs = [a.close.remote() for a in self.actors]
            bounded_get(refs, self.call_timeout, "verifiers to close", "call_timeout")
        finally:
            for a in self.actors:
                ray.kill(a)
