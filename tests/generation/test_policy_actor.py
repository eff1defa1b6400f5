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


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    """A tiny Llama built from a config (vLLM's CPU build runs it; no download)."""
    from stp_prover.training import TinyModelConfig, init_model

    path = tmp_path_factory.mktemp("vllm-model") / "llama"
    init_model(path, TinyModelConfig(kind="llama", width=64, layers=2, heads=2, context=512))
    return path


@pytest.mark.ray
@pytest.mark.vllm
def test_a_vllm_policy_actor_serves_while_generating_embeds_without_a_second_copy_and_leaves_no_engine(
    tiny_llama, coq_env
):
    """One real vLLM engine in a policy actor (built on the actor's main thread), then: a health call is served while
    a generation call runs; embedding shuts the engine's processes down before the model is loaded for hidden
    states, and the next generation starts the engine again; releasing the actor shuts the engine down explicitly
    and no engine process is left."""
    import ray

    from stp_prover.generation import EngineSettings
    from stp_prover.itp import ItpConfig
    from stp_prover.selfplay.cluster import alive
    from stp_prover.selfplay.config import ProverSettings, RaySettings
    from stp_prover.selfplay.workers import Workers

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False)
    kv_cache = {"VLLM_CPU_KVCACHE_SPACE": "1"}  # GiB (vllm/envs.py)
    settings = RaySettings(verifiers=1, cpus_per_verifier=1, verifier_workers=1, generation_cpus=1, env_vars=kv_cache)
    workers = Workers("coq", settings, 5.0, ItpConfig())
    try:
        engine = EngineSettings(engine="vllm", dtype="float32", max_model_len=512, args={"enforce_eager": True})
        prover = ProverSettings(max_new_tokens=8, engine=engine)
        [actor] = workers.load_policy(str(tiny_llama), prover, 400)
        first = workers.get(actor.processes.remote(), "processes")
        assert first["built_on_main_thread"] == [True]
        assert first["engine_pids"] and alive(first["engine_pids"]) == first["engine_pids"]

        # A long generation call; the actor answers health calls meanwhile (the call is counted in flight).
        long = actor.generate.remote([f"prompt {i}" for i in range(16)], 8)
        seen_in_flight = False
        while not seen_in_flight and not ray.wait([long], timeout=0)[0]:
            seen_in_flight = workers.get(actor.health.remote(), "health")["in_flight"] >= 1
        assert seen_in_flight
        assert [len(x) for x in workers.get(long, "generation")] == [8] * 16

        rows = workers.get(actor.embed.remote(["Theorem a : 1 = 1.", "Lemma b : True."]), "embeddings")
        assert len(rows) == 2 and len(rows[0]) == 64
        health = workers.get(actor.health.remote(), "health")
        assert health == {"in_flight": 0, "engine": False, "embedder": True}
        assert alive(first["engine_pids"]) == []  # no engine process beside the embedding model

        assert [len(x) for x in workers.get(actor.generate.remote(["again"], 2), "generation")] == [2]
        second = workers.get(actor.processes.remote(), "processes")
        assert second["engine_starts"] == 2 and alive(second["engine_pids"])
        assert workers.get(actor.health.remote(), "health")["embedder"] is False
    finally:
        workers.release_policy()
        workers.close()
        if started:
            ray.shutdown()
    engine_pids = workers.report.pids["engine_process"]
    assert len(engine_pids) >= 2 and alive(engine_pids) == []
