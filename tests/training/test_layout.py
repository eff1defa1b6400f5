"""The GPU-path decisions of training (training/layout.py), taken from the device facts given as arguments: a machine
without GPUs decides, and checks, what a GPU node will do. The real CPU paths they feed are run in
test_distributed.py and test_sft.py."""

from __future__ import annotations

import pytest

from stp_prover.training import check_training_layout
from stp_prover.training.layout import (
    LOAD_FULL,
    LOAD_META,
    LOAD_ZERO_INIT,
    accumulation_steps,
    check_global_batch,
    effective_batch,
    per_device_batch,
    process_group_backend,
    rank_gpus,
    threads_per_rank,
    trainer_gpus,
    weights_loading,
)


@pytest.mark.parametrize("gpus, workers", [(0, 1), (0, 3), (1, 1), (8, 8), (8.0, 8)])
def test_a_layout_of_one_process_per_gpu_or_cpu_workers_is_accepted(gpus, workers):
    check_training_layout(gpus, workers)


@pytest.mark.parametrize(
    "gpus, workers, message",
    [
        (8, 1, "set sft.workers to 8"),  # one process seeing 8 GPUs: transformers would use DataParallel
        (2, 4, "set sft.workers to 2"),  # two ranks would share a GPU
        (1.5, 1, "whole number"),
        (-1, 1, "0 \\(CPU\\) or a whole number"),
        (0, 0, "at least 1"),
    ],
)
def test_a_layout_whose_gpus_and_workers_disagree_is_refused_by_name(gpus, workers, message):
    with pytest.raises(ValueError, match=message):
        check_training_layout(gpus, workers)


def test_one_process_never_uses_dataparallel_and_the_step_is_the_configs_batch():
    """transformers sets n_gpu to every GPU a process outside a process group sees and multiplies the batch by it
    under torch.nn.DataParallel (transformers/training_args.py _setup_devices and train_batch_size, trainer.py
    _wrap_model): one process that sees 4 GPUs would take 4 x the configured step. sft.py caps n_gpu with
    trainer_gpus, and check_global_batch refuses any step that is not the config's."""
    assert [trainer_gpus(n) for n in (0, 1, 4, 8)] == [0, 1, 1, 1]
    assert effective_batch(8, 4, 2, 1) == 64  # what the uncapped Trainer would do with batch 8, accumulation 2
    with pytest.raises(ValueError, match="64 examples per optimiser step.*not the\\s+16"):
        check_global_batch(8, 4, 2, 1, batch_size=8)
    check_global_batch(8, trainer_gpus(4), 2, 1, batch_size=8)
    # N processes, one GPU each: the micro-step's batch is split among them.
    assert per_device_batch(8, 4) == 2
    check_global_batch(per_device_batch(8, 4), 1, 2, 4, batch_size=8)
    for batch, world in ((6, 4), (2, 4)):
        with pytest.raises(ValueError, match=f"multiple\\s+of {world}"):
            per_device_batch(batch, world)


@pytest.mark.parametrize("value", [0, -1, "2", 1.5, True])
def test_accumulation_steps_must_be_a_whole_number(value):
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        accumulation_steps({"gradient_accumulation_steps": value})
    assert accumulation_steps({}) == 1 and accumulation_steps({"gradient_accumulation_steps": 4}) == 4


def test_gpu_process_groups_carry_cpu_collectives_too():
    """On GPU the group is NCCL for CUDA tensors and gloo for CPU ones (FSDP's full state dict, ZeRO's CPU
    collectives); accelerate/state.py makes this choice only when it creates the group, and our launcher creates it
    first. torch parses the string into both backends."""
    from torch.distributed.distributed_c10d import Backend, BackendConfig

    assert process_group_backend(cuda=False) == "gloo"
    backend = process_group_backend(cuda=True)
    assert backend == "cuda:nccl,cpu:gloo"
    assert BackendConfig(Backend(backend)).get_device_backend_map() == {"cuda": "nccl", "cpu": "gloo"}


def test_each_rank_gets_one_gpu_of_those_ray_gives_the_task():
    """Ray names a task's GPUs in CUDA_VISIBLE_DEVICES (ray/_private/utils.py set_visible_accelerator_ids); rank r
    trains on the r-th of them (LOCAL_RANK, as torchrun's ranks do), all ranks keeping the list visible for NCCL's
    peer-to-peer links."""
    assert rank_gpus("3,5", 2, 2) == ["3", "5"]
    assert rank_gpus(None, 8, 2) == ["0", "1"]
    with pytest.raises(ValueError, match="sft.workers is 3 but this process sees 2 GPU"):
        rank_gpus("3,5", 2, 3)
    with pytest.raises(ValueError, match="names 2 device"):
        rank_gpus("3,5", 1, 1)


def test_ranks_share_the_cpus_the_launcher_was_given():
    """Ray sets OMP_NUM_THREADS to a task's CPUs (ray/_private/utils.py set_omp_num_threads_if_unset): that is the
    budget of all ranks together."""
    assert threads_per_rank(16, "8", 2) == 4
    assert threads_per_rank(16, None, 2) == 8
    assert threads_per_rank(4, "32", 2) == 2  # never more than the CPUs it may run on
    assert threads_per_rank(2, None, 4) == 1
    with pytest.raises(ValueError, match="OMP_NUM_THREADS"):
        threads_per_rank(4, "many", 2)


def test_only_rank_0_reads_the_checkpoint_under_fsdp_and_zero3_loads_sharded():
    assert [weights_loading("fsdp", r) for r in range(3)] == [LOAD_FULL, LOAD_META, LOAD_META]
    assert [weights_loading("zero3", r) for r in range(2)] == [LOAD_ZERO_INIT] * 2
    assert [weights_loading("none", r) for r in range(2)] == [LOAD_FULL] * 2
