"""The Ray side of self-play for real (a local Ray declaring logical GPUs, real Coq verifier actors, a tiny real model):
the layout checks of the configuration, bounded waits, training as two processes in a placement group that is
removed afterwards with no process left, and the driver's held-out search generating through the policy actor
without loading the model itself."""

from __future__ import annotations

import re
import threading

import pytest

from stp_prover.itp import ItpConfig, Theorem
from stp_prover.selfplay import ConfigError
from stp_prover.selfplay.config import RaySettings, SelfPlayConfig


def _layout(**ray) -> SelfPlayConfig:
    cfg = SelfPlayConfig()
    for key, value in ray.pop("engine", {}).items():
        setattr(cfg.prover.engine, key, value)
    for key, value in ray.pop("sft", {}).items():
        setattr(cfg.sft, key, value)
    for key, value in ray.items():
        setattr(cfg.ray, key, value)
    return cfg


@pytest.mark.parametrize(
    "layout, message",
    [
        (dict(generation_gpus=2, engine={"engine": "vllm", "tensor_parallel_size": 1}), "tensor_parallel_size (1)"),
        (dict(generation_gpus=0, engine={"engine": "vllm", "tensor_parallel_size": 2}), "needs that many GPUs"),
        (dict(training_gpus=8, sft={"workers": 4, "batch_size": 8}), "sft.workers"),
        (dict(call_timeout_s=0), "ray.call_timeout_s must be positive"),
        (dict(training_cpus=0), "ray.training_cpus must be positive"),
    ],
)
def test_a_layout_the_cluster_cannot_run_is_refused_with_the_setting_named(layout, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        _layout(**layout).validate_layout()


def test_the_gpu_and_rehearsal_configs_pass_the_layout_checks():
    from stp_prover.selfplay import load_config
    from tests.conftest import ROOT

    for name in ("selfplay_gpu_lean.yaml", "selfplay_rehearsal_cpu.yaml", "selfplay_smoke_gpu.yaml"):
        load_config(ROOT / "configs" / name)


@pytest.fixture(scope="module")
def cluster():
    """A local Ray that declares 2 logical GPUs (placement only: torch here has no CUDA)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=4, num_gpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.ray
def test_a_wait_past_its_bound_stops_with_the_setting_named(cluster):
    import ray

    from stp_prover.itp.ray_pool import ClusterTimeout, bounded_get

    @ray.remote
    class Never:
        def __init__(self):
            self.event = threading.Event()

        def wait(self):
            self.event.wait()  # never set: the call never returns

    actor = Never.options(max_concurrency=2).remote()
    with pytest.raises(ClusterTimeout, match=r"ray\.call_timeout_s"):
        bounded_get(actor.wait.remote(), 1.0, "a chunk", "ray.call_timeout_s")
    ray.kill(actor)


def _workers(**ray_settings):
    from stp_prover.selfplay.workers import Workers

    settings = RaySettings(verifiers=1, cpus_per_verifier=1, verifier_workers=1, **ray_settings)
    return Workers("coq", settings, 5.0, ItpConfig())


@pytest.mark.ray
def test_training_runs_two_processes_in_a_placement_group_that_is_removed_and_leaves_no_process(
    cluster, tiny_models, tmp_path
):
    import ray

    from stp_prover.selfplay.cluster import alive
    from stp_prover.selfplay.config import stp_sft_settings
    from stp_prover.training import TrainingExample, write_examples

    write_examples(tmp_path / "train.jsonl", [TrainingExample(f"Theorem t{i}.", " Proof. lia. Qed.") for i in range(8)])
    sft = stp_sft_settings()
    sft.workers, sft.batch_size, sft.min_steps, sft.max_length = 2, 4, 2, 64
    workers = _workers(training_gpus=2, training_cpus=2)
    try:
        report = workers.train(tmp_path / "train.jsonl", str(tiny_models / "gpt"), tmp_path / "out", sft)
    finally:
        workers.close()
    assert report.world_size == 2
    placed = workers.report.placement["training-1"]
    assert placed["resources"].get("GPU") == 2 and placed["resources"].get("CPU") == 2
    assert len(placed["accelerators"]["GPU"]) == 2  # Ray assigned two (logical) GPU ids to the task
    # The task gets its whole CPU share; distributed.launch splits it among its ranks (tests/training checks that).
    assert placed["omp_num_threads"] == "2"
    groups = [g for g in ray.util.placement_group_table().values() if g["name"].startswith("stp-training-")]
    assert [g["state"] for g in groups] == ["REMOVED"]
    assert groups[0]["strategy"] == "STRICT_PACK" and groups[0]["bundles"][0] == {"CPU": 2.0, "GPU": 2.0}
    ranks = workers.report.pids["training_rank"]
    assert len(ranks) >= 2 and len([k for k in workers.report.peak_rss if k.startswith("training-1/process-")]) >= 2
    assert workers.report.orphans() == {} and not alive(ranks)


@pytest.mark.ray
def test_held_out_search_generates_through_the_policy_actor_and_the_driver_loads_no_model(
    cluster, tiny_models, tmp_path, monkeypatch, coq_env
):
    from stp_prover.generation import GenerationService
    from stp_prover.itp import make_env
    from stp_prover.selfplay.context import Context, EnvPool
    from stp_prover.selfplay.logs import BestIndex
    from stp_prover.selfplay.rundir import RunDir
    from stp_prover.selfplay.stages.heldout_search import heldout_search

    loads_in_driver: list[str] = []  # a recording test double around the driver's only way to load a model
    real_start = GenerationService.start

    def recording_start(model, settings):
        loads_in_driver.append(model)
        return real_start(model, settings)

    monkeypatch.setattr(GenerationService, "start", staticmethod(recording_start))
    cfg = SelfPlayConfig()
    cfg.heldout.search_budget, cfg.heldout.search_workers = 3.0, 1
    cfg.prover.engine.device = "cpu"
    cfg.prover.max_new_tokens = cfg.conjecturer.max_new_tokens = 8
    workers = _workers(generation_cpus=1)
    run = RunDir(tmp_path / "run")
    ctx = Context(
        cfg, run, ItpConfig(), make_env("coq"), workers, [],
        [Theorem("h1", "coq", "", "Theorem h1 : forall n : nat, n + 0 = n.")],
        str(tiny_models / "gpt"), BestIndex(run.root), None, None, lambda m: None, EnvPool(lambda: make_env("coq"), 1),
    )  # fmt: skip
    try:
        heldout_search(ctx, str(tiny_models / "gpt"), tmp_path / "search.jsonl", "model")
        stats = workers.get(workers.policy.stats.remote(), "stats")
    finally:
        ctx.close()
    assert (tmp_path / "search.jsonl").read_text().count('"name": "h1"') == 1
    assert stats["requests"] > 0  # the model's tactic requests reached the policy actor
    assert loads_in_driver == []  # and the driver process never loaded the checkpoint
