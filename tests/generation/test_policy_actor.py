"""The self-play policy actor (a real Ray actor, a tiny real model): every method sends its whole chunk to the engine
in one call, and the scored variant keeps the log-probs."""

from __future__ import annotations

import math

import pytest

from stp_prover.itp import Theorem


@pytest.mark.ray
def test_a_chunk_of_theorems_is_one_engine_call(tiny_models):
    import ray

    from stp_prover.generation import EngineSettings
    from stp_prover.selfplay.config import ProverSettings
    from stp_prover.selfplay.workers import _policy_actor_class

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        prover = ProverSettings(max_new_tokens=6, engine=EngineSettings(device="cpu"))
        actor = _policy_actor_class().options(max_concurrency=4).remote(str(tiny_models / "gpt"), prover, 5)
        theorems = [Theorem(f"t{i}", "coq", "", f"Theorem t{i} : {i} = {i}.") for i in range(3)]
        proofs = ray.get(actor.sample_proofs.remote(theorems, 2))
        assert [len(p) for p in proofs] == [2, 2, 2] and all(isinstance(x, str) for p in proofs for x in p)
        scored = ray.get(actor.sample_proofs_scored.remote(theorems, 2))
        assert all(math.isfinite(lp) and lp < 0 for p in scored for _, lp in p)
        texts = ray.get(actor.generate.remote(["a", "b", "c", "d"], 3))
        assert [len(t) for t in texts] == [3, 3, 3, 3]
        stats = ray.get(actor.stats.remote())
        assert stats["engine_calls"] == 3 and stats["requests"] == 3 + 3 + 4  # one call per method call
        assert len(ray.get(actor.embed.remote(["x", "yz"]))) == 2
        ray.kill(actor)
    finally:
        if started:
            ray.shutdown()
