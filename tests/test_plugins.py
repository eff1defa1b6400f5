"""Plug-ins from outside the repository (stp_prover/plugins.py): named by an entry point of an installed
distribution or by STP_PLUGINS, loaded once, and loaded by both commands before their parsers are built, so that a
plug-in proof assistant (the toy logic of tests/itp/toy_backend.py, a test double) is a valid `--backend`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stp_prover import plugins

ROOT = Path(__file__).resolve().parents[1]
# A plug-in as a user would write it: one function that registers the backend its package defines.
PLUGIN = """
CALLS = []


def register():
    from stp_prover.itp import register as register_backend
    from tests.itp.toy_backend import SPEC

    CALLS.append(1)
    register_backend(SPEC)
"""


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    (tmp_path / "toy_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    from stp_prover.itp import unregister

    for name in [n for n in plugins._loaded if n.startswith("toy_plugin")]:
        plugins._loaded.discard(name)
    sys.modules.pop("toy_plugin", None)
    unregister("toy")


def test_stp_plugins_are_loaded_once_and_register(plugin_dir, monkeypatch):
    from stp_prover import itp

    monkeypatch.setenv(plugins.ENV, " toy_plugin:register , ")
    assert "toy" not in itp.backend_names()
    assert plugins.load_plugins() == ["toy_plugin:register"]
    assert plugins.load_plugins() == []  # once per process
    import toy_plugin

    assert toy_plugin.CALLS == [1] and "toy" in itp.backend_names()


@pytest.mark.parametrize(
    "name, message",
    [("no_such_plugin_module", "ModuleNotFoundError"), ("toy_plugin:missing", "AttributeError")],
)
def test_a_plugin_that_cannot_load_is_named_in_the_error(plugin_dir, monkeypatch, name, message):
    monkeypatch.setenv(plugins.ENV, name)
    with pytest.raises(plugins.PluginError, match=f"{name}.*{message}"):
        plugins.load_plugins()


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_an_entry_point_plugin_is_a_backend_of_stp_check(tmp_path):
    (tmp_path / "toy_plugin.py").write_text(PLUGIN)
    dist = tmp_path / "toy_plugin-1.0.dist-info"  # what pip writes for a package that declares the entry point
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[stp_prover.plugins]\ntoy = toy_plugin:register\n")
    proof = tmp_path / "mine.toy"
    proof.write_text("claim mine : p -> p.\nproof\n intros\n assumption\nqed\n")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", plugins.ENV: ""}
    run = _run(["-m", "stp_prover", "check", str(proof), "--backend", "toy", "--json"], env)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] and [(t["name"], t["ok"]) for t in report["theorems"]] == [("mine", True)]
    without = _run(["-m", "stp_prover", "check", str(proof), "--backend", "toy"], {plugins.ENV: ""})
    assert without.returncode == 2 and "invalid choice: 'toy'" in without.stderr


def test_prove_proves_with_a_plugin_backend_named_in_stp_plugins(tmp_path):
    (tmp_path / "toy_plugin.py").write_text(PLUGIN)
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", plugins.ENV: "toy_plugin:register"}
    args = ["--statement", "claim swap : p /\\ q -> q /\\ p.", "--backend", "toy", "--budget", "30", "--json"]
    run = _run(["-m", "stp_prover.cli.prove", *args], env)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["proved"] and out["backend"] == "toy" and "admit" not in out["proof"]
    broken = _run(["-m", "stp_prover.cli.prove", *args], {**env, plugins.ENV: "toy_plugin:nothing"})
    assert broken.returncode == 2 and "plug-in 'toy_plugin:nothing'" in broken.stderr


def test_stp_eval_runs_a_benchmark_on_a_plugin_backend(tmp_path):
    (tmp_path / "toy_plugin.py").write_text(PLUGIN)
    (tmp_path / "data" / "minif2f").mkdir(parents=True)
    claims = {"and_swap": "p /\\ q -> q /\\ p", "or_swap": "p \\/ q -> q \\/ p"}
    (tmp_path / "data" / "minif2f" / "toy_valid.jsonl").write_text(
        "".join(
            json.dumps({"name": n, "header": "", "formal_statement": f"claim {n} : {c}."}) + "\n"
            for n, c in claims.items()
        )
    )
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", plugins.ENV: "toy_plugin:register"}
    args = ["--benchmark", "miniF2F", "--split", "valid", "--backend", "toy", "--budget", "30", "--workers", "1"]
    run = _run(
        [
            "-m",
            "stp_prover",
            "eval",
            *args,
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--json",
        ],
        env,
    )
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert sorted((r["name"], r["proved"]) for r in records) == [("and_swap", True), ("or_swap", True)]
