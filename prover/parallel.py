"""Prove many theorems at once: worker threads, each owning its proof environment (environments are not
thread-safe), draining one queue. The work is in the proof-assistant processes, so threads suffice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, Queue
from typing import Callable, Iterable, Optional, TypeVar

from stp_prover.itp import ItpConfig, ProofEnv, make_env

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")


def run_with_envs(
    items: Iterable[T],
    workers: int,
    backend: str,
    setup: Callable[[ProofEnv], C],
    work: Callable[[C, T], R],
    on_result: Callable[[T, R], None],
    config: Optional[ItpConfig] = None,
) -> None:
    """For every item, `work(setup(env), item)` on one of `workers` threads; `on_result` runs under a lock."""
    queue: Queue = Queue()
    for item in items:
        queue.put(item)
    lock = threading.Lock()

    def worker(_: int) -> None:
        env = make_env(backend, config)
        try:
            context = setup(env)
            while True:
                try:
                    item = queue.get_nowait()
                except Empty:
                    return
                result = work(context, item)
                with lock:
                    on_result(item, result)
        finally:
            env.close()

    with ThreadPoolExecutor(max(1, workers)) as ex:
        list(ex.map(worker, range(max(1, workers))))
