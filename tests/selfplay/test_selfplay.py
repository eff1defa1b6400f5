"""The self-play loop for real: Ray on this machine, a tiny model built from a config, Coq verification. A run is
killed in the middle of round 0 and resumed; nothing is lost or counted twice, and round 1 samples with the
checkpoint round 0 trained."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from stp_prover.itp import Theorem
from stp_prover.selfplay import ConfigError, load_config, parse_overrides
from stp_prover.selfplay.logs import read_proofs
from tests.conftest import ROOT, SHARED

TINY = ROOT / "configs" / "selfplay_tiny_coq.yaml"
SMALL = {
    "rounds": 2,
    "model": {"init": {"kind": "tiny-gpt2", "width": 32, "layers": 1, "heads": 2, "context": 1024}},
    "targets": {
        "names": ["amc12a_2008_p2", "mathd_algebra_104", "mathd_algebra_51", "mathd_algebra_101", "aime_1991_p1"],
        "trace": ["theories/Bool/Zerob.v"],
        "traced_limit": 2,
    },
    "heldout": {"names": ["mathd_algebra_109", "mathd_algebra_119"], "samples": 2},
    "prover": {"samples_round0": 4, "samples": 4, "max_new_tokens": 24, "chunk": 2},
    "conjecturer": {"mutations_per_seed": 3, "max_seeds": 4, "max_new_tokens": 24},
    "training": {"traced_examples": 2},
    "sft": {"epochs": 1, "max_length": 256},
    "ray": {"generation_actors": 2, "generation_cpus": 0.25},
}


def _config(tmp_path: Path) -> Path:
    data = yaml.safe_load(TINY.read_text())
    for key, value in SMALL.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    data["model"] = SMALL["model"]
    data["heldout"].pop("limit", None)
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _stp(*args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, STP_DATA_DIR=str(SHARED / "data"), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "stp_prover", *args], cwd=ROOT, env=env, start_new_session=True, text=True, **kw
    )


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []


@pytest.mark.ray
def test_tiny_selfplay_survives_a_kill_and_resumes(tmp_path, shared_data, coq_env):
    run = tmp_path / "run"
    config = _config(tmp_path)
    first = _stp(
        "selfplay", "--config", str(config), "--run-dir", str(run), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    targets = run / "round-000" / "targets.jsonl"
    deadline = time.monotonic() + 600
    while not _lines(targets) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, first.stderr.read()[-3000:]
    os.killpg(first.pid, signal.SIGKILL)  # the driver and every Ray process it started, mid-round
    first.wait()
    before = {rec["name"]: rec for rec in _lines(targets)}
    assert before and not (run / "round-000" / ".done-targets").exists()

    again = _stp(
        "selfplay", "--config", str(config), "--run-dir", str(run), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = again.communicate(timeout=120)
    assert again.returncode == 2 and "--resume" in err

    resumed = _stp("selfplay", "--resume", str(run), "--json", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err[-3000:]
    assert len(out.strip().splitlines()) == 1  # --json: stdout holds the summary alone (worker logs go to stderr)
    summary = json.loads(out)
    # The cluster report: where each actor ran, and no tracked process (actors, engines, ranks) outlived the run.
    assert summary["orphans"] == 0 and summary["tracked_processes"]["policy_actor"] >= 1
    assert any(name.startswith("policy-0/") for name in summary["placement"]) and summary["peak_rss_mib"]["driver"] > 0

    # Nothing counted twice: one record per statement (or seed) in every log.
    for r in (0, 1):
        rd = run / f"round-{r:03d}"
        for name, key in (
            ("targets.jsonl", "name"),
            ("conjecture_proofs.jsonl", "name"),
            ("conjectures.jsonl", "input"),
            ("counterexamples.jsonl", "seed"),
            ("heldout.jsonl", "name"),
        ):
            keys = [rec[key] for rec in _lines(rd / name)]
            assert len(keys) == len(set(keys)), (rd / name, keys)
    # Every target was sampled in round 0. Round 1 (STP, RL/utils/RL_utils.py:456-461): the unproved targets, the
    # proved ones whose pass rate is below 0.35, and a 5% draw of the others; with no conjecture input, all of them.
    round0 = {rec["name"]: rec for rec in _lines(run / "round-000" / "targets.jsonl")}
    assert len(round0) == 7
    assert all(round0[name] == rec for name, rec in before.items())  # written before the kill, kept as is
    round1 = {rec["name"] for rec in _lines(run / "round-001" / "targets.jsonl")}
    inputs1 = _lines(run / "round-001" / "conjectures.jsonl")
    if any(x["input"].isdigit() for x in inputs1):
        assert {n for n, rec in round0.items() if not rec["correct"] or rec["pass_rate"] < 0.35} <= round1
    else:
        assert round1 == set(round0)
    # Every verified proof carries the premises Coq resolved for it (STP's `invokes`); the proofs live in Parquet
    # shards and each statement's summary counts exactly what its shard holds.
    rows0 = read_proofs(run / "round-000", "targets")
    assert all(p.premises is not None for v in rows0.values() for p in v if p.ok)
    assert all(sum(p.count for p in rows0[n]) == rec["samples"] for n, rec in round0.items())
    assert all(sum(p.count for p in rows0[n] if p.ok) == rec["correct"] for n, rec in round0.items())
    # Stage 1 ran first (library proofs of the traced file) and round 0 started from its checkpoint.
    assert any(e["source"] == "library" for e in _lines(run / "stage1" / "train.jsonl"))

    rounds = {str(rec["round"]): rec for rec in summary["rounds"]}
    assert set(rounds) == {"base", "0", "1", "final"}
    assert rounds["0"]["checkpoint_in"] == rounds["base"]["checkpoint"] == str(run / "stage1" / "checkpoint")
    # The final model is re-trained from the base model, with the library proofs mixed in.
    final = json.loads((run / "final" / "model.json").read_text())
    assert final["checkpoint_in"] == str(run / "base")
    assert any(e["source"] == "library" for e in _lines(run / "final" / "train.jsonl"))
    # The checkpoint round 0 trained is the one round 1 used.
    assert rounds["0"]["checkpoint_out"] == str(run / "round-000" / "checkpoint")
    assert rounds["1"]["checkpoint_in"] == rounds["0"]["checkpoint_out"]
    assert {rec["checkpoint"] for rec in _lines(run / "round-001" / "targets.jsonl")} == {rounds["0"]["checkpoint_out"]}
    assert rounds["0"]["train"]["examples"] > 0 and (run / "final" / "checkpoint" / "config.json").exists()

    # The round produced conjectures that Coq verified; re-check one in a fresh context.
    proved = [
        rec for r in (0, 1) for rec in _lines(run / f"round-{r:03d}" / "conjecture_proofs.jsonl") if rec["correct"]
    ]
    assert proved, "no conjecture was proved"
    rec = proved[0]
    proof = rec["best_proof"]
    from stp_prover.data import load_benchmark

    seed_theorem = next(t for t in load_benchmark("miniF2F", "valid", "coq", str(shared_data)) if t.name == rec["seed"])
    verdict = coq_env.check(Theorem(rec["name"], "coq", seed_theorem.header, rec["statement"]), proof)
    assert verdict.ok, verdict.reason
    # The disprove channel: false variants refuted at a witness, re-checked here, and trained on.
    refuted = [
        c
        for r in (0, 1)
        for x in _lines(run / f"round-{r:03d}" / "counterexamples.jsonl")
        for c in x["counterexamples"]
    ]
    assert refuted, "no counterexample was found"
    neg = Theorem(refuted[0]["negation"].split()[1], "coq", refuted[0]["header"], refuted[0]["negation"])
    assert coq_env.check(neg, refuted[0]["proof"]).ok
    # Selected conjectures train the conjecturer with STP's training prompt and target (RL_step2_train.py:67-70).
    for r in (0, 1):
        chosen = json.loads((run / f"round-{r:03d}" / "selected.json").read_text())["selected"]
        taught = [e for e in _lines(run / f"round-{r:03d}" / "train.jsonl") if e["source"] == "conjecturer"]
        assert len(taught) == len(chosen)
        assert all(
            e["prompt"].endswith("<hard theorem>") and e["completion"].endswith("\n</hard theorem>") for e in taught
        )
        funnel = rounds[str(r)]["conjecture_funnel"]  # written >= parsed >= elaborated >= passing, per source
        assert all(row["written"] >= row["parsed"] >= row["elaborated"] >= row["passing"] for row in funnel.values())
        assert sum(row["selected"] for row in funnel.values()) == len(chosen) == rounds[str(r)]["conjectures_selected"]
    trained = _lines(run / "round-000" / "train.jsonl") + _lines(run / "round-001" / "train.jsonl")
    assert any(e["source"] == "disprove" and e["role"] == "conjecturer" for e in trained)
    assert (run / "plots" / "selfplay.png").stat().st_size > 0 and any((run / "tb").iterdir())


@pytest.mark.ray
def test_expert_iteration_retrains_from_the_start_each_round_on_all_rounds(tmp_path, shared_data, traced_dir, coq_env):
    """STP's baseline (run_RL_expert_iter.sh: Sampler_naive, 64 samples every round, RL_step3_final_model.py from the
    base on the target proofs of rounds 0..r): no conjectures, unsolved targets only, every round's model trained
    from the starting checkpoint, and its data includes the earlier rounds' proofs. With the memory on, it learns
    each round's verified proofs; the held-out search runs with the portfolio alone once and the mixture each round."""
    run = tmp_path / "ei"
    config = _config(tmp_path)
    sets = [
        "prover.samples_expert_iteration=3",
        "heldout.samples=0",
        "heldout.search_budget=3",
        "memory.enabled=true",
        f"memory.seed_from={traced_dir}",
        "stage1.enabled=false",
        "targets.trace=[]",
        "targets.traced_limit=0",
        "training.traced_examples=0",
        "conjecturer.disprove_per_seed=0",
        "conjecturer.disprove_mutations_per_seed=0",
    ]
    args = [x for item in sets for x in ("--set", item)]
    proc = _stp(
        "selfplay", "--config", str(config), "--run-dir", str(run), "--mode", "expert_iteration", *args, "--json",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    start = str(run / "base")
    round0 = {rec["name"]: rec for rec in _lines(run / "round-000" / "targets.jsonl")}
    round1 = {rec["name"] for rec in _lines(run / "round-001" / "targets.jsonl")}
    assert round0 and round1 == {n for n, rec in round0.items() if not rec["correct"]}
    assert {rec["samples"] for rec in round0.values()} == {3 + 8}  # 3 model samples + the portfolio's 8
    for r in (0, 1):
        model = json.loads((run / f"round-{r:03d}" / "model.json").read_text())
        assert model["report"]["trained_from"] == start
        assert not (run / f"round-{r:03d}" / "conjectures.jsonl").exists()
    proofs0 = {e["completion"] for e in _lines(run / "round-000" / "train.jsonl") if e["source"].endswith("expert")}
    proofs1 = {e["completion"] for e in _lines(run / "round-001" / "train.jsonl") if e["source"].endswith("expert")}
    assert proofs0 and proofs0 <= proofs1  # round 1 re-trains on round 0's proofs too
    assert not (run / "final" / "model.json").exists()

    # The memory: seeded from the traced data, then taught round 0's verified target proofs (no retraining).
    rows = {str(rec["round"]): rec for rec in _lines(run / "metrics.jsonl")}
    memory = _lines(run / "memory.jsonl")
    seeded = sum(1 for m in memory if m["source"] == "traced")
    assert seeded == rows["base"]["memory_entries"] > 0
    proved0 = {n for n, rec in round0.items() if rec["correct"]}
    assert rows["0"]["memory_proofs_learned"] == len(proved0) > 0
    learnt = {m["source"] for m in memory[seeded:]}
    assert learnt and learnt <= proved0 and rows["0"]["memory_entries"] == seeded + rows["0"]["memory_pairs_added"]
    # The learned search order: every round's verified proofs replayed step by step, then a short search on targets
    # still unproved; a copy per round (to compare round 0's order with later ones) and the run's latest.
    from stp_prover.search import SearchOrder

    assert rows["0"]["order_proofs_replayed"] == len(proved0)
    assert rows["0"]["order_steps_replayed"] >= len(proved0)
    assert rows["0"]["order_targets_searched"] == min(2, len(round1))
    steps = [SearchOrder.load(run / f"round-{r:03d}" / "order.json").events for r in (0, 1)]
    assert 0 < steps[0] < steps[1] == SearchOrder.load(run / "order.json").events
    # The held-out search: the portfolio alone and the starting model's mixture before round 0, each round's after.
    assert rows["base"]["heldout_portfolio_total"] == rows["base"]["heldout_mixture_total"] == 2
    for r in (0, 1):
        recs = _lines(run / f"round-{r:03d}" / "heldout_search.jsonl")
        assert {x["policy"] for x in recs} == {"mixture"} and rows[str(r)]["heldout_mixture_total"] == 2
        assert {x["checkpoint"] for x in recs} == {str(run / f"round-{r:03d}" / "checkpoint")}
        assert rows[str(r)]["heldout_mixture_proved"] == sum(1 for x in recs if x["proved"])
    portfolio = _lines(run / "round-000" / "heldout_search_portfolio.jsonl")
    assert {x["policy"] for x in portfolio} == {"portfolio"} and {x["checkpoint"] for x in portfolio} == {None}
    from stp_prover.data import load_benchmark

    valid = {t.name: t for t in load_benchmark("miniF2F", "valid", "coq", str(shared_data))}
    for rec in portfolio + _lines(run / "round-001" / "heldout_search.jsonl"):
        if rec["proved"]:  # every reported proof checks again in a fresh context
            assert coq_env.check(valid[rec["name"]], rec["proof"]).ok


def test_config_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rounds: 2\nprover: {sampels: 3}\nmodel: {base: x}\n")
    with pytest.raises(ConfigError, match=r"prover: unknown key\(s\) sampels"):
        load_config(bad)
    bad.write_text("rounds: 2\n")
    with pytest.raises(ConfigError, match="model: give exactly one"):
        load_config(bad)
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_overrides(["rounds"])
    config = load_config(TINY, parse_overrides(["rounds=1", "prover.samples=3"]))
    assert config.rounds == 1 and config.prover.samples == 3 and config.prover.portfolio_samples == 8
    gpu = load_config(ROOT / "configs" / "selfplay_gpu_lean.yaml")
    assert gpu.backend == "lean" and gpu.ray.address == "auto" and gpu.prover.samples_round0 == 64
    # Distributed training and the vLLM engine by configuration alone; what cannot run is refused when loading.
    assert gpu.sft.workers == gpu.ray.training_gpus == 8 and gpu.sft.sharding == "fsdp"
    assert gpu.prover.engine.engine == "vllm"
    with pytest.raises(ConfigError, match="ray.training_gpus"):
        load_config(ROOT / "configs" / "selfplay_gpu_lean.yaml", {"ray": {"training_gpus": 2}})
    with pytest.raises(ConfigError, match="multiple of"):
        load_config(TINY, {"sft": {"workers": 3}})
    base = ROOT / "configs" / "selfplay_base_coq.yaml"
    with pytest.raises(ConfigError, match="memory.seed_from"):
        load_config(base, {"memory": {"seed_from": str(tmp_path / "none")}})
    config = load_config(base, {"memory": {"enabled": False}})
    assert config.model.base == "runs/pretrain-coq/checkpoint" and config.prover.prompt == "ours"
    assert config.heldout.search_budget > 0 and config.rounds == 3


def test_cli_reports_bad_configs_as_usage_errors(tmp_path):
    from stp_prover.cli.main import main

    assert main(["selfplay", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert main(["selfplay"]) == 2
    assert main(["selfplay", "--resume", str(tmp_path)]) == 2
