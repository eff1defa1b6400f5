"""How a training run maps onto processes and devices. Each decision is a pure function of the device facts (GPU
count, CUDA_VISIBLE_DEVICES, the CPUs granted, the rank), so that the GPU path is decided, and tested, on a machine
without GPUs; sft.py and distributed.py apply them. docs/training.md describes the layouts."""

from __future__ import annotations

import math
from typing import Optional

# How a rank gets its weights before FSDP / ZeRO-3 shards them (see weights_loading).
LOAD_FULL = "full"  # from_pretrained: the whole model in this process's memory
LOAD_META = "meta"  # parameters on the meta device (no memory); rank 0's weights arrive by broadcast
LOAD_ZERO_INIT = "zero-init"  # from_pretrained under deepspeed.zero.Init: each rank allocates only its shard


def check_training_layout(gpus: float, workers: int) -> None:
    """Raise ValueError unless `workers` training processes fit `gpus` training GPUs: one process per GPU (so
    transformers never falls back to torch.nn.DataParallel), any number of CPU workers when `gpus` is 0."""
    if workers < 1:
        raise ValueError(f"sft.workers must be at least 1, got {workers}")
    if gpus < 0 or not math.isfinite(gpus):
        raise ValueError(f"the training GPUs must be 0 (CPU) or a whole number, got {gpus}")
    if gpus == 0:
        return
    if gpus != int(gpus):
        raise ValueError(f"training GPUs ({gpus}): training runs one process per whole GPU; give a whole number")
    if int(gpus) != workers:
        raise ValueError(
            f"training has {int(gpus)} GPU(s) but sft.workers is {workers}: training runs one process per GPU, "
            f"set sft.workers to {int(gpus)} (or the training GPUs to {workers})"
        )


def accumulation_steps(extra: dict) -> int:
    """sft.extra's gradient_accumulation_steps (1 when absent); ValueError unless a whole number >= 1."""
    value = extra.get("gradient_accumulation_steps", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"sft.extra.gradient_accumulation_steps must be a whole number >= 1, got {value!r}")
    return value


def per_device_batch(batch_size: int, world_size: int) -> int:
    """Examples per process per micro-step: sft.batch_size is the micro-step's batch over all processes, so
    per-device x accumulation x world size is the global batch the config asks for; ValueError when it cannot be."""
    if world_size < 1 or batch_size < world_size or batch_size % world_size:
        raise ValueError(
            f"sft.batch_size ({batch_size}) is split among {world_size} training process(es): make it a multiple "
            f"of {world_size}"
        )
    return batch_size // world_size


def trainer_gpus(visible_gpus: int) -> int:
    """The GPU count the Trainer may use in one process: at most 1. transformers sets `n_gpu` to every visible GPU
    in a process outside a process group and then wraps the model in torch.nn.DataParallel with a batch n_gpu times
    larger (training_args.py _setup_devices, train_batch_size; trainer.py _wrap_model); several GPUs are used by
    several processes instead (sft.workers)."""
    return min(max(visible_gpus, 0), 1)


def effective_batch(per_device: int, n_gpu: int, accumulation: int, world_size: int) -> int:
    """The examples per optimiser step the Trainer will take: per-device x max(1, n_gpu) (DataParallel's
    multiplier) x accumulation x world size (training_args.py train_batch_size, trainer.py
    get_total_train_batch_size)."""
    return per_device * max(1, n_gpu) * accumulation * world_size


def check_global_batch(per_device: int, n_gpu: int, accumulation: int, world_size: int, batch_size: int) -> None:
    """Raise ValueError unless the Trainer's step is sft.batch_size x accumulation examples."""
    got = effective_batch(per_device, n_gpu, accumulation, world_size)
    want = batch_size * accumulation
    if got != want:
        raise ValueError(
            f"the trainer would take {got} examples per optimiser step ({per_device} per device x {max(1, n_gpu)} "
            f"GPU(s) in the process x {accumulation} accumulation x {world_size} process(es)), not the "
            f"{want} the config asks for (sft.batch_size {batch_size} x {accumulation}); do not set "
            "per_device_train_batch_size in sft.extra"
        )


def process_group_backend(cuda: bool) -> str:
    """The process group's backend: NCCL for CUDA tensors plus gloo for CPU ones on a GPU (FSDP's full state dict
    and ZeRO's CPU-side collectives gather on the CPU; accelerate/state.py picks the same pair for FSDP, but only
    when it creates the group itself, and our launcher creates it first); gloo alone on CPU."""
    return "cuda:nccl,cpu:gloo" if cuda else "gloo"


def rank_gpus(cuda_visible_devices: Optional[str], device_count: int, workers: int) -> list[str]:
    """The GPU each rank trains on (its LOCAL_RANK-th visible device), named as CUDA_VISIBLE_DEVICES names it (Ray
    lists a task's GPUs there); ValueError unless every rank gets one of its own. All ranks keep the whole list
    visible, as Ray Train does, so that NCCL can use peer-to-peer links between them."""
    if cuda_visible_devices is not None:
        names = [d.strip() for d in cuda_visible_devices.split(",") if d.strip()]
        if len(names) != device_count:
            raise ValueError(
                f"CUDA_VISIBLE_DEVICES={cuda_visible_devices!r} names {len(names)} device(s) but CUDA sees "
                f"{device_count}"
            )
    else:
        names = [str(i) for i in range(device_count)]
    if len(names) < workers:
        raise ValueError(
            f"sft.workers is {workers} but this process sees {len(names)} GPU(s) "
            f"(CUDA_VISIBLE_DEVICES={cuda_visible_devices!r}): training runs one process per GPU"
        )
    return names[:workers]


def threads_per_rank(cpus: int, omp_num_threads: Optional[str], workers: int) -> int:
    """Intra-op threads for each of `workers` processes. The parent's OMP_NUM_THREADS, where set, is the CPU budget
    it was given (Ray sets it to a task's CPUs, ray/_private/utils.py set_omp_num_threads_if_unset), else the CPUs
    it may run on; the ranks share it, so that N ranks do not each start a thread per CPU."""
    budget = cpus
    if omp_num_threads:
        try:
            budget = min(cpus, int(omp_num_threads))
        except ValueError:
            raise ValueError(f"OMP_NUM_THREADS must be a whole number, got {omp_num_threads!r}") from None
    return max(1, budget // max(1, workers))


def weights_loading(sharding: str, rank: int) -> str:
    """How this rank gets its weights: FSDP's rank 0 (the global one, which accelerate broadcasts from) loads the
    checkpoint and the others build the model on the meta device and receive rank 0's weights when accelerate shards
    it (cpu_ram_efficient_loading, accelerate/utils/fsdp_utils.py fsdp2_prepare_model, fsdp2_load_full_state_dict);
    ZeRO-3 loads under deepspeed.zero.Init (transformers/modeling_utils.py get_init_context, while the Trainer's
    HfDeepSpeedConfig is alive); unsharded runs load the whole model on every rank."""
    if sharding == "fsdp":
        return LOAD_FULL if rank <= 0 else LOAD_META
    if sharding == "zero3":
        return LOAD_ZERO_INIT
    return LOAD_FULL
