"""What a round's processes did on the cluster: which resources each actor and task got, the peak memory of every
process (driver, actors, engine cores, verifier processes, training ranks), the time per phase, and whether any
process outlived the round. The run's JSON summary carries these (`placement`, `peak_rss_mib`, `phase_seconds`,
`orphans`); the cluster rehearsal (configs/selfplay_rehearsal_cpu.yaml) is the run that reads them."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional

import psutil

from stp_prover.itp.ray_pool import descendants, note_peaks, peak_rss_mib

ORPHAN_GRACE_S = 15.0  # vLLM gives its engine core 5 s after SIGTERM (vllm/v1/utils.py shutdown); Ray a few more


def alive(pids) -> list[int]:
    """The PIDs of `pids` still running (a zombie has exited: only its parent's bookkeeping is left)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def wait_gone(pids, grace_s: float = ORPHAN_GRACE_S) -> list[int]:
    """Wait up to `grace_s` for `pids` to exit; the ones still running after it."""
    procs = []
    for pid in set(pids):
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, left = psutil.wait_procs(procs, timeout=grace_s)
    return alive(p.pid for p in left)


class PeakSampler:
    """Samples the peak memory of this process's descendants while a block runs (training ranks are started and
    waited for inside `train_sft`, so their PIDs are only known from outside while they live)."""

    def __init__(self, every_s: float = 0.5):
        self.every_s = every_s
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every_s)

    def sample(self) -> None:
        note_peaks(self.peaks, descendants())

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class ClusterReport:
    """Filled in by the workers as the round runs; `summary()` is what the run's JSON carries."""

    placement: dict[str, dict] = field(default_factory=dict)
    peak_rss: dict[str, float] = field(default_factory=dict)
    pids: dict[str, list[int]] = field(default_factory=dict)  # what must be gone after the round, by kind
    phase_seconds: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def place(self, name: str, info: dict) -> None:
        with self._lock:
            self.placement[name] = info

    def peak(self, name: str, mib: Optional[float]) -> None:
        if mib is not None:
            with self._lock:
                self.peak_rss[name] = max(mib, self.peak_rss.get(name, 0.0))

    def track(self, kind: str, pids) -> None:
        with self._lock:
            known = self.pids.setdefault(kind, [])
            known += [p for p in pids if p not in known and p != os.getpid()]

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0 = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.phase_seconds[name] = round(self.phase_seconds.get(name, 0.0) + time.monotonic() - t0, 2)

    def orphans(self, grace_s: float = ORPHAN_GRACE_S) -> dict[str, list[int]]:
        """The tracked processes still alive (after waiting up to `grace_s` for them to exit), by kind."""
        left = set(wait_gone([p for pids in self.pids.values() for p in pids], grace_s))
        return {kind: [p for p in pids if p in left] for kind, pids in self.pids.items() if left & set(pids)}

    def summary(self) -> dict:
        self.peak("driver", peak_rss_mib(os.getpid()))
        return {
            "placement": dict(self.placement),
            "phase_seconds": dict(self.phase_seconds),
            "peak_rss_mib": dict(sorted(self.peak_rss.items())),
            "tracked_processes": {k: len(v) for k, v in self.pids.items()},
        }
