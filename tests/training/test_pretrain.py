"""`stp pretrain` on real traced data with a tiny config: tokenizer, model, training, summary; bad input is exit 2."""

import json
import subprocess
import sys

from stp_prover.cli.commands.pretrain_cmd import prompt_formats
from stp_prover.training import PretrainConfig, PretrainData, pretrain_examples
from tests.conftest import ROOT

TINY = [
    "--set", "data.max_per_kind=40", "--set", "train.min_steps=3", "--set", "train.logging_steps=1",
    "--set", "train.epochs=0",
    "--set", "train.batch_size=4", "--set", "vocab_size=400", "--set", "model.width=32", "--set", "model.layers=1",
    "--set", "model.heads=2", "--set", "model.intermediate=64", "--set", "model.context=512",
]  # fmt: skip


def test_examples_of_the_three_kinds_come_from_the_train_part(traced_dir):
    config = PretrainConfig(traced=str(traced_dir), data=PretrainData(max_per_kind=30))
    by_kind = pretrain_examples(config, prompt_formats())
    assert set(by_kind) == {"statements", "tactics", "proofs"} and all(by_kind.values())
    proof = by_kind["proofs"][0]
    assert proof.prompt.startswith("Complete the following Coq code:") and proof.completion.rstrip().endswith("```")
    statement = by_kind["statements"][0]
    assert statement.role == "conjecturer" and statement.completion.lstrip().split()[0] in (
        "Theorem", "Lemma", "Corollary", "Fact", "Remark", "Proposition", "Example",
    )  # fmt: skip
    test_names = {json.loads(line)["full_name"] for line in (traced_dir / "splits/random/test.jsonl").open()}
    assert not any(name.split(".")[-1] + " " in e.completion for e in by_kind["statements"] for name in test_names)


def test_stp_pretrain_trains_a_model_inference_can_load(traced_dir, tmp_path):
    out = tmp_path / "pretrain"
    cmd = [sys.executable, "-m", "stp_prover", "pretrain", "--config", "configs/pretrain_coq.yaml", "--json"]
    cmd += ["--set", f"traced={traced_dir}", "--set", f"out={out}", *TINY]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["steps"] == 3 and summary["parameters"] > 0 and summary["tokens_seen"] > 0
    assert summary["last_loss"] is not None and summary["loss_plot"].endswith("loss.png")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(summary["checkpoint"])
    assert AutoModelForCausalLM.from_pretrained(summary["checkpoint"]).config.model_type == "llama"
    assert tok("intros.")["input_ids"][0] == tok.bos_token_id  # BOS as inference adds it


def test_bad_pretrain_input_is_exit_2(tmp_path):
    base = [sys.executable, "-m", "stp_prover", "pretrain", "--config", "configs/pretrain_coq.yaml"]
    for extra, message in [
        (["--set", f"traced={tmp_path}"], "holds no traced data"),
        (["--set", "data.kinds=[poems]"], "data.kinds"),
        (["--set", "nonsense=1"], "unknown key"),
        (["--set", "model.heads=3"], "model.width (256) must be a multiple of heads (3)"),
        (["--set", "model.kind=bert"], "model.kind: 'bert'"),
    ]:
        done = subprocess.run(base + extra, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_the_cpu_and_gpu_configs_load_and_the_cpu_one_is_sized_for_an_hour(traced_dir):
    from stp_prover.settings import load_config

    cpu = load_config(ROOT / "configs" / "pretrain_coq.yaml", {"traced": str(traced_dir)}, cls=PretrainConfig)
    gpu = load_config(ROOT / "configs" / "pretrain_coq_gpu.yaml", {"traced": str(traced_dir)}, cls=PretrainConfig)
    # 1,000 optimiser steps of 16 on the CPU (what fits 60 minutes here); the GPU config trains on everything.
    assert cpu.train.max_examples // cpu.train.batch_size == 1000 and gpu.train.max_examples is None
    assert gpu.model.width * gpu.model.layers > 4 * cpu.model.width * cpu.model.layers
