"""`stp train --workers 2` for real: two CPU processes in a gloo process group train a tiny model built from a config,
take the same optimiser step as one process, write one checkpoint; a failing worker ends the run with its error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stp_prover.training import SFTSettings, TrainingExample, write_examples

ROOT = Path(__file__).resolve().parents[2]
# Examples of different lengths and weights: the workers' shares of the loss's normaliser differ.
EXAMPLES = [TrainingExample(f"goal {i}: n + {i} = {i} + n", " lia." * (1 + i % 3), 1.0 + i % 3) for i in range(8)]


def stp(*args, timeout=540):
    return subprocess.run(
        [sys.executable, "-m", "stp_prover", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def all_ranks(value: int, world_size: int) -> dict:
    """A function every rank runs: a real all-reduce over the process group."""
    import torch
    import torch.distributed as dist

    total = torch.tensor([dist.get_rank() + value])
    dist.all_reduce(total)
    return {"sum": int(total), "world_size": world_size, "rank": dist.get_rank()}


def test_the_launcher_runs_any_function_on_every_rank_and_returns_rank_0s_result(tmp_path):
    from stp_prover.training.distributed import launch

    result = launch(f"{__name__}:all_ranks", (10,), 2, 60, tmp_path / "workers")
    assert result == {"sum": 10 + 11, "world_size": 2, "rank": 0}
    assert not list((tmp_path / "workers").glob("*.pkl"))  # the call and its result are not left behind


def test_the_launcher_does_not_import_the_trainer():
    """sft.py uses distributed.py, never the other way round (the two used to import each other)."""
    import ast

    tree = ast.parse((ROOT / "training" / "distributed.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "sft" not in imported and not any(m and m.endswith(".sft") for m in imported)


def test_two_workers_take_the_step_one_process_takes_and_write_one_checkpoint(tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    from stp_prover.training import train_sft

    write_examples(tmp_path / "ex.jsonl", EXAMPLES)
    # One step of plain SGD over all 8 examples (4 per worker), no dropout, no clipping: the step's weights are
    # w - lr x gradient, so a gradient scaled wrongly across workers shows in the checkpoint (Adam's first step
    # would hide it: it is about lr x sign(gradient)).
    sft = {
        "epochs": 1,
        "batch_size": 8,
        "learning_rate": 0.5,
        "token_weighted_loss": True,
        "logging_steps": 1,
        "extra": {"optim": "sgd", "max_grad_norm": 0.0},
    }
    config = tmp_path / "train.yaml"
    config.write_text(
        json.dumps(
            {
                "out": str(tmp_path / "ddp"),
                "model": {
                    "init": {"kind": "tiny-gpt2", "width": 32, "layers": 1, "heads": 2, "context": 128, "dropout": 0.0}
                },
                "examples": [str(tmp_path / "ex.jsonl")],
                "sft": sft,
            }
        )
    )
    proc = stp("train", "--config", config, "--workers", 2, "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)  # stdout holds the summary alone
    assert summary["world_size"] == 2 and summary["steps"] == 1 and summary["examples"] == 8
    assert summary["parallelism"] == "MULTI_CPU"  # DDP over gloo
    assert summary["checkpoint"] == str(tmp_path / "ddp") and summary["seconds"] > 0
    assert summary["train_loss"] == pytest.approx(summary["last_loss"], rel=1e-3)
    assert list((tmp_path / "ddp" / "trainer" / "runs").rglob("events.out.tfevents.*"))  # rank 0's curves
    assert not list((tmp_path / "ddp" / "workers").glob("error-*.txt"))
    for rank in (0, 1):
        # DDP was told that every parameter takes part in the loss: torch warns when it searched for unused ones in
        # vain (an extra traversal of the autograd graph each step), as it did with gradient checkpointing off.
        log = (tmp_path / "ddp" / "workers" / f"rank-{rank}.log").read_text()
        assert f"rank {rank}/2: backend gloo" in log and "find_unused_parameters=True" not in log
    assert not (tmp_path / "ddp" / "workers" / "spec.pkl").exists()

    base = tmp_path / "base"  # what `model: init` built for the run
    single = train_sft(EXAMPLES, base, tmp_path / "one", SFTSettings(**sft))
    assert single.world_size == 1 and single.steps == 1
    assert summary["train_loss"] == pytest.approx(single.train_loss, abs=1e-5)
    ddp = AutoModelForCausalLM.from_pretrained(tmp_path / "ddp").state_dict()
    one = AutoModelForCausalLM.from_pretrained(tmp_path / "one").state_dict()
    before = AutoModelForCausalLM.from_pretrained(base).state_dict()
    # The step moved the weights far more than the tolerance: half or twice the gradient could not pass.
    assert max(float((one[k] - before[k]).abs().max()) for k in one) > 1e-2
    for name in one:
        torch.testing.assert_close(ddp[name], one[name], rtol=1e-4, atol=1e-5, msg=name)


def test_a_failing_worker_ends_the_run_with_its_error(tmp_path):
    from stp_prover.training import TinyModelConfig, init_model

    base = init_model(tmp_path / "base", TinyModelConfig(width=32, layers=1, heads=2, context=64))
    weights = base / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])  # the config reads, the weights do not: the workers fail
    write_examples(tmp_path / "ex.jsonl", EXAMPLES)
    config = tmp_path / "train.yaml"
    config.write_text(
        json.dumps(
            {
                "out": str(tmp_path / "out"),
                "model": {"base": str(base)},
                "examples": [str(tmp_path / "ex.jsonl")],
                "sft": {"batch_size": 4, "timeout_s": 60},
            }
        )
    )
    proc = stp("train", "--config", config, "--workers", 2, "--json", timeout=300)
    assert proc.returncode == 1
    assert "training worker(s)" in proc.stderr and "worker 0: SafetensorError" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert stp("train", "--config", config, "--workers", 3).returncode == 2  # 4 examples a step do not split in 3


def test_a_worker_killed_mid_training_ends_the_run_instead_of_leaving_its_peer_waiting(tmp_path):
    """Rank 1 is killed (as the kernel kills a process out of memory) while rank 0 needs it for every gradient
    all-reduce: the run ends with exit status 1 naming the killed worker, and no worker process is left behind."""
    import os
    import signal
    import time

    import psutil

    write_examples(tmp_path / "ex.jsonl", EXAMPLES)
    config = tmp_path / "train.yaml"
    config.write_text(
        json.dumps(
            {
                "out": str(tmp_path / "out"),
                "model": {"init": {"kind": "tiny-gpt2", "width": 32, "layers": 1, "heads": 2, "context": 64}},
                "examples": [str(tmp_path / "ex.jsonl")],
                "sft": {"epochs": 10000, "batch_size": 2, "logging_steps": 1, "timeout_s": 120},
            }
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "stp_prover", "train", "--config", str(config), "--workers", "2", "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        log = tmp_path / "out" / "workers" / "rank-0.log"
        for _ in range(600):  # until rank 0 has logged a training step
            if log.exists() and "'loss'" in log.read_text(errors="replace"):
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
        else:
            pytest.fail("training never started")
        workers = [c for c in psutil.Process(proc.pid).children() if "stp_prover.training.distributed" in " ".join(c.cmdline())]
        assert len(workers) == 2
        victim = next(w for w in workers if w.environ().get("RANK") == "1")
        os.kill(victim.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1 and out == ""
    assert "worker 1: killed by signal 9" in err
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


def rank_facts(world_size: int) -> list:
    """Every rank's threads and process-group backend, gathered on rank 0 over the real group."""
    import os

    import torch
    import torch.distributed as dist

    mine = {"rank": dist.get_rank(), "threads": torch.get_num_threads(), "omp": os.environ["OMP_NUM_THREADS"],
            "backend": dist.get_backend()}  # fmt: skip
    every: list = [None] * world_size
    dist.all_gather_object(every, mine)
    return every


def test_ranks_share_the_launchers_cpus_and_run_on_a_gloo_group(tmp_path, monkeypatch):
    """A Ray task with 4 CPUs has OMP_NUM_THREADS=4 (ray/_private/utils.py): its 2 ranks get 2 threads each, or fewer
    where the machine has fewer CPUs, never 4 each. On CPU the group is gloo (layout.process_group_backend), and each
    rank's log says what it runs on."""
    import os

    from stp_prover.training.distributed import launch
    from stp_prover.training.layout import threads_per_rank

    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    facts = launch(f"{__name__}:rank_facts", (), 2, 60, tmp_path / "workers")
    share = threads_per_rank(len(os.sched_getaffinity(0)), "4", 2)
    assert [f["rank"] for f in facts] == [0, 1]
    assert all(f["threads"] == share and f["omp"] == str(share) and f["backend"] == "gloo" for f in facts)
    assert sum(f["threads"] for f in facts) <= 4
    for rank in (0, 1):
        log = (tmp_path / "workers" / f"rank-{rank}.log").read_text()
        assert f"rank {rank}/2: backend gloo, device cpu, {share} thread(s)" in log


def fsdp_loading(bases: list, world_size: int) -> dict:
    """Each rank loads every base as sft.py does under FSDP, records what it materialised, then receives rank 0's
    weights through accelerate's own FSDP2 broadcast (accelerate/utils/fsdp_utils.py fsdp2_load_full_state_dict,
    which fsdp2_prepare_model calls with cpu_ram_efficient_loading) and computes logits on the same input."""
    import torch
    import torch.distributed as dist
    from accelerate import Accelerator
    from accelerate.utils.fsdp_utils import fsdp2_load_full_state_dict
    from transformers import AutoConfig

    from stp_prover.training.sft import load_model

    accelerator = Accelerator(cpu=True)
    rank = dist.get_rank()
    mine = {}
    for base in bases:
        model = load_model(base, AutoConfig.from_pretrained(base), "fsdp", rank)
        params = list(model.parameters())
        seen = {
            "devices": sorted({p.device.type for p in params}),
            "bytes": sum(p.numel() * p.element_size() for p in params if p.device.type != "meta"),
            "full_bytes": sum(p.numel() * 4 for p in params),
            "dtypes": sorted({str(p.dtype) for p in params}),
            "buffers": {n: b.device.type for n, b in model.named_buffers()},
        }
        fsdp2_load_full_state_dict(accelerator, model, model.state_dict() if rank == 0 else {})
        model.tie_weights()  # the broadcast assigns each name its own tensor (accelerate re-ties too)
        model.eval()
        with torch.no_grad():
            seen["logits"] = model(input_ids=torch.tensor([[5, 6, 7, 8, 9]])).logits
        mine[str(base)] = seen
    every: list = [None] * world_size
    dist.all_gather_object(every, mine)
    return {"ranks": every}


def test_under_fsdp_only_rank_0_materialises_the_model_and_the_others_receive_its_weights(tmp_path):
    """Rank 1 holds no parameter memory before sharding (the meta device), keeps its real non-persistent buffers
    (Llama's RoPE inv_freq, which the broadcast does not carry), and after upstream's broadcast computes exactly rank
    0's logits: GPT-2 (tied embeddings) and Llama."""
    import torch

    from stp_prover.training import TinyModelConfig, init_model
    from stp_prover.training.distributed import launch

    bases = [
        str(init_model(tmp_path / kind, TinyModelConfig(kind=kind, width=64, layers=2, heads=2, context=64)))
        for kind in ("tiny-gpt2", "llama")
    ]
    ranks = launch(f"{__name__}:fsdp_loading", (bases,), 2, 120, tmp_path / "workers")["ranks"]
    for base in bases:
        zero, one = ranks[0][base], ranks[1][base]
        assert zero["devices"] == ["cpu"] and zero["dtypes"] == ["torch.float32"]
        assert zero["bytes"] == zero["full_bytes"] > 100_000
        assert one["devices"] == ["meta"] and one["bytes"] == 0
        assert set(one["buffers"].values()) <= {"cpu"} and one["buffers"] == zero["buffers"]
        torch.testing.assert_close(one["logits"], zero["logits"], rtol=0, atol=0)
    assert "model.rotary_emb.inv_freq" in ranks[1][bases[1]]["buffers"]
