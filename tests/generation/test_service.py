"""The generation service with real threads and a real tiny model: concurrent callers share engine calls, the model
cache loads one model per name even when threads race, and errors reach every caller."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import stp_prover.generation.service as service_module
from stp_prover.generation import EngineSettings, GenerationRequest, GenerationService, shared_service


class CountingHFEngine:
    """Test double wrapping the real Hugging Face engine: records the size of every engine call."""

    def __init__(self, engine):
        self.engine, self.calls, self.name = engine, [], engine.name

    def generate(self, requests):
        self.calls.append(len(requests))
        return self.engine.generate(requests)

    def close(self):
        self.engine.close()


def test_concurrent_callers_are_batched_into_fewer_engine_calls(tiny_models):
    from stp_prover.generation import make_engine

    counting: list[CountingHFEngine] = []

    def make():
        counting.append(CountingHFEngine(make_engine(str(tiny_models / "gpt"), EngineSettings(device="cpu"))))
        return counting[0]

    service = GenerationService(make, max_batch=64, batch_wait_ms=0)
    callers = 6
    start = threading.Barrier(callers)

    def ask(i: int):
        start.wait()
        return service.generate([GenerationRequest(f"goal {i}", n=2, max_tokens=4, seed=i)])

    # While held, the engine thread takes nothing: all six callers' requests queue and go in one call.
    with ThreadPoolExecutor(callers) as pool:
        with service.held():
            futures = [pool.submit(ask, i) for i in range(callers)]
            while service.pending() < callers:
                threading.Event().wait(0.01)
        results = [f.result() for f in futures]
    assert all(len(r) == 1 and len(r[0]) == 2 for r in results)
    assert counting[0].calls == [callers] and service.stats.engine_calls == 1 < service.stats.requests == callers
    # Unheld, concurrent callers still share calls whenever they overlap; every answer goes to its own caller.
    with ThreadPoolExecutor(callers) as pool:
        answers = list(pool.map(lambda i: service.generate([GenerationRequest("x", n=i + 1, max_tokens=2)]), range(4)))
    assert [len(a[0]) for a in answers] == [1, 2, 3, 4]
    service.close()


def test_racing_threads_load_one_model(tiny_models, monkeypatch):
    loads = []
    real = GenerationService.start

    def counting_start(model, settings):
        loads.append(model)
        return real(model, settings)

    monkeypatch.setattr(service_module.GenerationService, "start", staticmethod(counting_start))
    cache: dict = {}
    settings = EngineSettings(device="cpu")
    barrier = threading.Barrier(4)

    def load(_):
        barrier.wait()
        return shared_service(str(tiny_models / "t5"), settings, cache)

    with ThreadPoolExecutor(4) as pool:
        services = list(pool.map(load, range(4)))
    assert len(loads) == 1 and all(s is services[0] for s in services)
    services[0].close()


def test_engine_errors_reach_every_caller_and_the_service_keeps_serving(tiny_models):
    service = GenerationService.start(str(tiny_models / "gpt"), EngineSettings(device="cpu"))

    def broken(requests):
        raise RuntimeError("engine failed")

    real = service.engine.generate
    service.engine.generate = broken
    with pytest.raises(RuntimeError, match="engine failed"):
        service.generate([GenerationRequest("a", n=1, max_tokens=2)])
    service.engine.generate = real
    assert len(service.generate([GenerationRequest("a", n=1, max_tokens=2)])[0]) == 1
    assert service.sleep() is False  # the HF engine cannot sleep; the call runs on the engine thread all the same
    service.close()
    with pytest.raises(RuntimeError, match="closed"):
        service.submit([GenerationRequest("a")])
