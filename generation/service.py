"""One engine on one thread, shared by every caller: requests from many threads (concurrent searches, sampling,
self-play chunks) queue; the engine thread takes what is waiting (up to `max_batch` requests, waiting
`batch_wait_ms` for more), calls the engine once, and resolves each caller's future. A process-wide cache keeps one
service per (model, settings) even when threads race to load it."""

from __future__ import annotations

import dataclasses
import json
import queue
import threading
import time
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Sequence

from .engines import Engine, make_engine
from .records import Completion, GenerationRequest
from .settings import EngineSettings


@dataclass
class ServiceStats:
    engine_calls: int = 0
    requests: int = 0
    sequences: int = 0  # completions asked (sum of n)
    largest_batch: int = 0  # requests in the largest engine call


@dataclass
class _Job:
    requests: list[GenerationRequest]
    future: Future


@dataclass
class _Call:
    """Something else the engine thread must do (sleep, wake up, embed, close): only it touches the engine."""

    fn: Callable[[Engine], Any]
    future: Future


_STOP = object()


class GenerationService:
    def __init__(
        self,
        make: Callable[[], Engine],
        max_batch: int = 64,
        batch_wait_ms: float = 5.0,
        name: str = "",
        close_engine: bool = True,
    ):
        """Serve the engine `make()` returns (called on the engine thread; it may return one built elsewhere, e.g. on
        an actor's main thread); `close_engine`: close it when the service closes."""
        self.close_engine = close_engine
        self.max_batch = max(1, max_batch)
        self.wait = max(0.0, batch_wait_ms) / 1000.0
        self.name = name
        self.stats = ServiceStats()
        self.engine: Optional[Engine] = None
        self.closed = False
        self._queue: "queue.Queue[Any]" = queue.Queue()
        self._open = threading.Event()
        self._open.set()
        self._stats_lock = threading.Lock()
        self._pending = 0
        ready: Future = Future()
        self._thread = threading.Thread(target=self._run, args=(make, ready), name=f"generation:{name}", daemon=True)
        self._thread.start()
        ready.result()  # the engine is loaded on its own thread; a load error (PolicyUnavailable) is raised here

    @classmethod
    def start(cls, model: str, settings: EngineSettings) -> "GenerationService":
        """A service with `settings.engine` loading `model`."""
        settings.validate()
        return cls(lambda: make_engine(model, settings), settings.max_batch, settings.batch_wait_ms, model)

    @classmethod
    def around(
        cls, engine: Engine, settings: EngineSettings, name: str = "", close_engine: bool = True
    ) -> "GenerationService":
        """A service over an engine built already (e.g. `make_engine` on an actor's main thread); its engine thread
        is then the engine's only caller."""
        return cls(lambda: engine, settings.max_batch, settings.batch_wait_ms, name, close_engine)

    @property
    def engine_name(self) -> str:
        return self.engine.name if self.engine is not None else ""

    # -- callers --------------------------------------------------------------------------------------------------
    def submit(self, requests: Sequence[GenerationRequest]) -> Future:
        """A future of the completions of `requests` (one list per request); they go to the engine together."""
        if self.closed:
            raise RuntimeError(f"generation service {self.name} is closed")
        future: Future = Future()
        with self._stats_lock:
            self._pending += len(requests)
        self._queue.put(_Job(list(requests), future))
        return future

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Completion]]:
        """The completions of `requests`, one list per request, in order (blocks; thread-safe)."""
        return self.submit(requests).result() if requests else []

    def embed(self, texts: Sequence[str], max_length: int = 512) -> list[list[float]]:
        return self.call(lambda engine: engine.embed(list(texts), max_length))

    def sleep(self, level: int = 1) -> bool:
        """Free the accelerator (vLLM sleep mode) until `wake_up`; False where the engine cannot."""
        return self.call(lambda engine: engine.sleep(level))

    def wake_up(self) -> None:
        self.call(lambda engine: engine.wake_up())

    def call(self, fn: Callable[[Engine], Any]) -> Any:
        """Run `fn(engine)` on the engine thread, after the requests already queued."""
        future: Future = Future()
        self._queue.put(_Call(fn, future))
        return future.result()

    def pending(self) -> int:
        """Requests submitted and not yet handed to the engine."""
        with self._stats_lock:
            return self._pending

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep the engine thread from taking new work inside the block (what is queued meanwhile goes together)."""
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._open.set()
        self._queue.put(_STOP)
        self._thread.join()

    # -- the engine thread ----------------------------------------------------------------------------------------
    def _run(self, make: Callable[[], Engine], ready: Future) -> None:
        try:
            self.engine = make()
        except BaseException as exc:  # noqa: BLE001 - handed to the constructor's caller
            ready.set_exception(exc)
            return
        ready.set_result(None)
        pending: Any = None
        while True:
            item = pending if pending is not None else self._queue.get()
            pending = None
            self._open.wait()
            if item is _STOP:
                break
            if isinstance(item, _Call):
                self._resolve(item.future, item.fn, self.engine)
                continue
            jobs = [item]
            count = len(item.requests)
            deadline = time.monotonic() + self.wait
            while count < self.max_batch:
                left = deadline - time.monotonic()
                try:
                    nxt = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if not isinstance(nxt, _Job):
                    pending = nxt  # a control call or the stop marker: after this batch
                    break
                jobs.append(nxt)
                count += len(nxt.requests)
            self._serve(jobs)
        if self.engine is not None and self.close_engine:
            self.engine.close()

    def _serve(self, jobs: list[_Job]) -> None:
        with self._stats_lock:
            self._pending -= sum(len(j.requests) for j in jobs)
        jobs = [j for j in jobs if j.future.set_running_or_notify_cancel()]
        requests = [r for j in jobs for r in j.requests]
        if not requests:
            for j in jobs:
                j.future.set_result([])
            return
        with self._stats_lock:
            self.stats.engine_calls += 1
            self.stats.requests += len(requests)
            self.stats.sequences += sum(r.n for r in requests)
            self.stats.largest_batch = max(self.stats.largest_batch, len(requests))
        try:
            results = self.engine.generate(requests)
        except BaseException as exc:  # noqa: BLE001 - every caller of this batch gets the error
            for j in jobs:
                j.future.set_exception(exc)
            return
        at = 0
        for j in jobs:
            j.future.set_result(results[at : at + len(j.requests)])
            at += len(j.requests)

    @staticmethod
    def _resolve(future: Future, fn: Callable, *args: Any) -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - the caller gets the error
            future.set_exception(exc)


_CACHE_LOCK = threading.Lock()
_SERVICES: dict[str, GenerationService] = {}


def cache_key(model: str, settings: EngineSettings) -> str:
    return json.dumps([model, dataclasses.asdict(settings)], sort_keys=True, default=str)


def shared_service(
    model: str, settings: Optional[EngineSettings] = None, cache: Optional[dict] = None
) -> GenerationService:
    """The one service for (model, settings) in `cache` (default: process-wide); loaded once even when threads race
    (the loading thread holds the lock, the others wait for it and then share its service)."""
    settings = settings or EngineSettings()
    cache = _SERVICES if cache is None else cache
    key = cache_key(model, settings)
    with _CACHE_LOCK:
        service = cache.get(key)
        if service is None or service.closed:
            service = cache[key] = GenerationService.start(model, settings)
        return service
