"""The data pipelines for real on Coq, on a few miniF2F valid theorems: NL-FL bootstrapping, counterexamples,
autoformalization, and the export. Every record they keep is re-checked here in a fresh context."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from stp_prover.cli.main import main
from stp_prover.data import load_benchmark
from stp_prover.data.bootstrap import comment_proof, heuristic_alignment, informal_steps, safe_comment_text
from stp_prover.data.countermath import read_countermath
from stp_prover.itp import Theorem

BOOT = ["mathd_algebra_51", "amc12a_2008_p2", "aime_1991_p1"]  # two the portfolio proves, one it does not
REFUTE = ["mathd_algebra_51", "amc12a_2008_p2", "mathd_numbertheory_35"]


def _records(folder: Path) -> list[dict]:
    return [r for line in (folder / "results.jsonl").read_text().splitlines() for r in json.loads(line)["records"]]


@pytest.fixture(scope="module")
def minif2f(shared_data):
    return {t.name: t for t in load_benchmark("miniF2F", "valid", "coq", str(shared_data))}


def test_heuristic_alignment_spreads_steps_in_order():
    assert heuristic_alignment(["a", "b", "c", "d", "e"], ["t1", "t2"]) == [0, 0, 0, 1, 1]
    assert heuristic_alignment(["a"], ["t1", "t2", "t3"]) == [0]
    assert informal_steps("First we add. Then x = 6.\n\nSo the answer is $6$ as claimed.") == [
        "First we add. Then x = 6.",
        "So the answer is $6$ as claimed.",
    ]
    assert safe_comment_text('a *) b (* "c"', "coq") == "a * ) b ( * ''c''"


def test_comments_cannot_change_what_is_checked(coq_env, minif2f):
    theorem = minif2f["mathd_algebra_51"]
    hostile = Theorem(
        theorem.name, "coq", theorem.header, theorem.statement, None, 'Closing *) Qed. (* and a "string. Then more.'
    )
    commented, _ = comment_proof(hostile, "Proof.\n  intros.\n  nra.\nQed.", hostile.informal_proof)
    assert coq_env.check(hostile, commented).ok
    assert commented.count("(*") == commented.count("*)")


def test_bootstrap_keeps_only_reverified_commented_proofs(tmp_path, coq_env, minif2f, shared_data):
    out = tmp_path / "boot"
    args = [
        "data",
        "bootstrap",
        "--data-dir",
        str(shared_data),
        "--backend",
        "coq",
        "--out",
        str(out),
        "--budget",
        "10",
    ]
    for name in BOOT:
        args += ["--theorem", name]
    assert main(args + ["--json"]) == 0
    records = _records(out)
    assert {r["name"] for r in records} == {"mathd_algebra_51", "amc12a_2008_p2"}
    for r in records:
        theorem = minif2f[r["name"]]
        assert r["commented_proof"] != r["proof"] and "(*" in r["commented_proof"]
        assert coq_env.check(theorem, r["commented_proof"]).ok and coq_env.check(theorem, r["proof"]).ok
    lines = {json.loads(x)["name"]: json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()}
    assert lines["aime_1991_p1"]["rejected"] == {"no_verified_proof": 1}
    # A rerun resumes: nothing is redone or written twice.
    assert main(args) == 0
    assert len((out / "results.jsonl").read_text().splitlines()) == 3


def test_counterexamples_are_verified_refutations(tmp_path, coq_env, shared_data):
    out = tmp_path / "ce"
    args = ["data", "counterexamples", "--data-dir", str(shared_data), "--backend", "coq", "--out", str(out)]
    for name in REFUTE:
        args += ["--theorem", name]
    assert main(args) == 0
    records = _records(out)
    assert len(records) >= 5 and {r["theorem"] for r in records} == set(REFUTE)
    for r in records:
        negation = Theorem(r["negation"].split()[1], "coq", r["header"], r["negation"])
        assert coq_env.check(negation, r["proof"]).ok  # the variant really is false
        assert r["statement"] != r["original_statement"]
    assert any(r["witness"] for r in records) and any(r["edit"].startswith("drop") for r in records)


def test_export_writes_datasets_training_examples_and_countermath(tmp_path, shared_data):
    ce, boot, out = tmp_path / "ce", tmp_path / "boot", tmp_path / "export"
    assert (
        main(
            [
                "data",
                "counterexamples",
                "--data-dir",
                str(shared_data),
                "--backend",
                "coq",
                "--out",
                str(ce),
                "--theorem",
                "mathd_numbertheory_35",
                "--max-variants",
                "2",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "data",
                "bootstrap",
                "--data-dir",
                str(shared_data),
                "--backend",
                "coq",
                "--out",
                str(boot),
                "--theorem",
                "amc12a_2008_p2",
            ]
        )
        == 0
    )
    assert main(["data", "export", "--from", str(ce), "--from", str(boot), "--out", str(out)]) == 0
    from datasets import load_from_disk

    assert len(load_from_disk(str(out / "hf" / "counterexamples"))) == 2
    roles = Counter(json.loads(x)["role"] for x in (out / "training.jsonl").read_text().splitlines())
    assert roles == {"prover": 4, "conjecturer": 2}
    cm = read_countermath(out / "countermath.jsonl")
    assert len(cm) == 2 and all(r["label"] is False for r in cm)
    assert main(["data", "export", "--from", str(tmp_path), "--out", str(out)]) == 2


def test_countermath_import_validates(tmp_path):
    good = tmp_path / "cm.jsonl"
    good.write_text('{"statement": "Every prime is odd.", "rationale": "2 is prime.", "label": "False"}\n')
    assert read_countermath(good)[0]["label"] is False
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"statement": "x", "label": "maybe"}\n')
    from stp_prover.data import DataError

    with pytest.raises(DataError, match="bad.jsonl:1"):
        read_countermath(bad)


def test_autoformalize_keeps_statements_that_pass_every_check(coq_env, minif2f):
    from stp_prover.conjecturer import ConjectureChecker, autoformalize

    theorem = minif2f["mathd_algebra_51"]
    # Test double of a model: what a real one writes, good and bad.
    outputs = [
        "this is not Coq",
        "Theorem x : forall a : R, 0 < a -> a < 0 -> a = 1.\n```",  # contradictory hypotheses
        "Theorem x : forall a : R, a + 0 = a.\n```",  # one tactic closes it
        "Theorem x : forall a b : R, a + b = 35 -> a = (2/5) * b -> (b - a) ^ 2 = 225.\n```",
    ]
    checker = ConjectureChecker(coq_env)
    found, reasons = autoformalize(
        "p", theorem.informal_statement, theorem.header, "coq", lambda prompt, n: outputs[:n], checker, samples=4
    )
    assert found is not None and found.statement.startswith("Theorem af_p : forall a b : R")
    assert dict(reasons) == {"unparsable": 1, "contradictory": 1, "trivial": 1}
    assert found.theorem().source == found.source


def test_autoformalize_command_runs_a_real_model_and_reports_reasons(tmp_path, shared_data):
    from stp_prover.training import TinyModelConfig, init_model

    model = init_model(tmp_path / "tiny", TinyModelConfig(width=32, layers=1, heads=2))
    problems = tmp_path / "problems.jsonl"
    problems.write_text(
        '{"statement": "Every even number is a sum of two odd numbers.", "rationale": "", "label": true}\n'
    )
    out = tmp_path / "af"
    assert (
        main(
            [
                "data",
                "autoformalize",
                "--data-dir",
                str(shared_data),
                "--backend",
                "coq",
                "--model",
                str(model),
                "--input",
                str(problems),
                "--samples",
                "2",
                "--max-new-tokens",
                "16",
                "--out",
                str(out),
                "--header",
                "Require Import Arith.",
            ]
        )
        == 0
    )
    result = json.loads((out / "results.jsonl").read_text())
    assert result["records"] == [] and sum(result["rejected"].values()) == 2
