"""N local processes in one torch process group, started the way torchrun starts them (RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR, MASTER_PORT in each one's environment; torch/distributed/run.py) and watched so that one failing worker
ends the run with its error instead of leaving the others waiting in a collective. It knows nothing of training:
the caller names the function every rank runs (sft.py passes its `train_process`), so sft depends on this module and
not the other way round.

The parent writes the call to `<folder>/spec.pkl`; each worker (`python -m stp_prover.training.distributed SPEC`)
starts the process group itself (gloo on CPU; NCCL plus gloo on GPU, layout.process_group_backend; with the run's
timeout: transformers passes no timeout to accelerate on the CPU path, training_args.py _setup_devices), then calls
the function, which the Hugging Face Trainer turns into DDP / FSDP / ZeRO-3 (accelerate's PartialState reuses the
started group, state.py). Each rank trains on one GPU, its LOCAL_RANK-th visible one, and on its share of the CPUs
the launcher was given. Rank 0 writes what the function returned to `result.pkl`; a failing worker writes
`error-<rank>.txt`."""

from __future__ import annotations

import importlib
import os
import pickle
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .layout import process_group_backend, rank_gpus, threads_per_rank

RESULT = "result.pkl"
POLL_S = 0.5
GRACE_S = 5.0  # how long the other workers get to fail after the first


# The math libraries' thread counts: left alone, each process starts one thread per core and they fight over them.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class TrainingFailed(RuntimeError):
    """A training worker failed; the message names its rank and its error."""


@dataclass
class WorkerSpec:
    target: str  # "module:function", called as function(*args, world_size=N) on every rank
    args: tuple
    timeout_s: float  # a collective waiting longer than this fails the run


def _free_port() -> int:
    # The port is free when asked; rank 0's TCPStore binds it a moment later (torchrun's standalone mode does this).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one: a container's or taskset's)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def _worker_env(rank: int, world_size: int, port: int, threads: int) -> dict:
    env = dict(os.environ)
    env.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world_size),
        LOCAL_WORLD_SIZE=str(world_size),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    # N processes share the CPUs the launcher was given: set, not defaulted, since an inherited OMP_NUM_THREADS (Ray
    # sets a task's CPU count there) is the budget of all ranks together, not of each one.
    env.update(dict.fromkeys(THREAD_ENV_VARS, str(threads)))
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["PYTHONUNBUFFERED"] = "1"  # a killed worker's log still ends where it stopped
    return env


def launch(target: str, args: tuple, workers: int, timeout_s: float, folder: Path) -> Any:
    """Call `target` ("module:function") with `args` in `workers` processes on this machine, one rank each (logs and
    errors in `folder`), and return what rank 0's call returned; TrainingFailed names the ranks that failed."""
    import torch

    n = workers
    if torch.cuda.is_available():  # every rank gets a GPU of its own, its LOCAL_RANK-th visible one
        rank_gpus(os.environ.get("CUDA_VISIBLE_DEVICES"), torch.cuda.device_count(), n)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob("error-*.txt"), folder / RESULT]:
        stale.unlink(missing_ok=True)
    spec = folder / "spec.pkl"
    with open(spec, "wb") as fh:
        pickle.dump(WorkerSpec(target, args, timeout_s), fh)
    port = _free_port()
    threads = threads_per_rank(_usable_cpus(), os.environ.get("OMP_NUM_THREADS"), n)
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        for rank in range(n):
            log = open(folder / f"rank-{rank}.log", "wb")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "stp_prover.training.distributed", str(spec)],
                    env=_worker_env(rank, n, port, threads),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        failed = _watch(procs)
    finally:
        for p in procs:  # only ours; after a failure the others may be blocked in a collective
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
        spec.unlink(missing_ok=True)  # a copy of the training data: not part of the checkpoint
    if failed:
        reasons = "\n".join(_failure_message(folder, rank, procs[rank].returncode) for rank in failed)
        raise TrainingFailed(f"training worker(s) {', '.join(map(str, failed))} failed (logs: {folder}):\n{reasons}")
    result = folder / RESULT
    if not result.exists():
        raise TrainingFailed(f"the training workers exited without a result; see {folder}/rank-*.log")
    with open(result, "rb") as fh:
        value = pickle.load(fh)
    result.unlink()
    return value


def _watch(procs: list[subprocess.Popen]) -> list[int]:
    """Wait for every worker; the ranks that failed (empty when all succeeded). After the first failure the others
    get a moment to fail on their own, so that the one that caused it (a killed worker) is among those named."""
    while True:
        codes = [p.poll() for p in procs]
        if any(code not in (None, 0) for code in codes):
            deadline = time.monotonic() + GRACE_S
            while time.monotonic() < deadline and any(p.poll() is None for p in procs):
                time.sleep(POLL_S / 5)
            return [rank for rank, p in enumerate(procs) if p.poll() not in (None, 0)]
        if all(code == 0 for code in codes):
            return []
        time.sleep(POLL_S)


def _failure_message(folder: Path, rank: int, code: Optional[int]) -> str:
    error = folder / f"error-{rank}.txt"
    if error.exists():
        return f"worker {rank}: " + error.read_text(encoding="utf-8", errors="replace").strip()
    # Killed (out of memory, a signal) before it could write an error: the end of its log.
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    if code == -9:
        how += " (out of memory?)"
    log = (folder / f"rank-{rank}.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return f"worker {rank}: {how}; the end of its log:\n" + "\n".join(log[-10:])


def _init_process_group(timeout_s: float) -> None:
    from datetime import timedelta

    import torch
    import torch.distributed as dist

    local_rank = int(os.environ["LOCAL_RANK"])
    cuda = torch.cuda.is_available()
    if cuda:
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f"rank {local_rank} has no GPU of its own: this process sees {torch.cuda.device_count()}")
        torch.cuda.set_device(local_rank)
    dist.init_process_group(process_group_backend(cuda), timeout=timedelta(seconds=timeout_s))
    device = f"cuda:{local_rank}" if cuda else "cpu"
    print(f"rank {dist.get_rank()}/{dist.get_world_size()}: backend {dist.get_backend()}, device {device}, "
          f"{torch.get_num_threads()} thread(s)", flush=True)


def worker_main(spec_path: str) -> int:
    """One rank: call the spec's function; rank 0 writes its result; an exception becomes `error-<rank>.txt` and exit
    status 1."""
    folder = Path(spec_path).parent
    rank = int(os.environ.get("RANK", "0"))
    try:
        with open(spec_path, "rb") as fh:
            spec: WorkerSpec = pickle.load(fh)
        import torch

        # torch read OMP_NUM_THREADS at import; said again so that no library's default replaces the rank's share.
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        _init_process_group(spec.timeout_s)
        module, _, name = spec.target.partition(":")
        function = getattr(importlib.import_module(module), name)
        value = function(*spec.args, world_size=int(os.environ["WORLD_SIZE"]))
        if rank == 0:
            tmp = folder / (RESULT + ".tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh)
            tmp.replace(folder / RESULT)
        import torch.distributed as dist

        dist.barrier()  # no rank exits (and tears the group down) while rank 0 still writes
        dist.destroy_process_group()
        return 0
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent as a message
        traceback.print_exc()
        (folder / f"error-{rank}.txt").write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
        return 1


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1]))
