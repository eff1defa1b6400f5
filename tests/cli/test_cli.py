"""The `stp` command line as users run it: real processes, real Coq, exit codes 0/1/2, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "coq" / "hello.v"


def stp(*args, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if k not in ("STP_LEAN_REPL", "STP_LEAN_PROJECT")}
    proc = subprocess.run(
        [sys.executable, "-m", "stp_prover", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_check_the_shipped_example():
    proc = stp("check", EXAMPLE, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] is True and set(out) == {"ok", "theorems", "seconds", "reason"}
    assert [t["name"] for t in out["theorems"]] == ["add_comm_example", "sum_of_squares_nonneg", "double_even"]
    assert all(set(t) == {"name", "ok", "axioms", "reason"} for t in out["theorems"])


def test_check_one_theorem_human_output():
    proc = stp("check", EXAMPLE, "--theorem", "double_even")
    assert proc.returncode == 0 and "1/1 theorems verified" in proc.stdout


def test_check_a_failing_and_a_cheating_file(tmp_path):
    wrong = tmp_path / "wrong.v"
    wrong.write_text("Require Import Arith.\nTheorem w : 1 = 2.\nProof. reflexivity. Qed.\n")
    proc = stp("check", wrong, "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["theorems"][0]["ok"] is False
    cheat = tmp_path / "cheat.v"
    cheat.write_text("Axiom cheat : 1 = 2.\nTheorem c : 1 = 2.\nProof. exact cheat. Qed.\n")
    proc = stp("check", cheat, "--json")
    assert proc.returncode == 1 and "forbidden" in json.loads(proc.stdout)["reason"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("check", "no/such/file.v"), "no such file"),
        (("check", EXAMPLE, "--theorem", "nope"), "no theorem nope"),
        (("check", ROOT / "examples" / "lean" / "hello.lean"), "STP_LEAN_REPL"),
        (("check", ROOT / "pyproject.toml"), "--backend"),
        (("data", "fetch", "nosuch"), "unknown benchmark"),
        (("check",), "usage"),
    ],
)
def test_bad_usage_exits_2_with_a_message(args, message):
    proc = stp(*args)
    assert proc.returncode == 2 and message in proc.stderr


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


PROOFS = [
    {
        "name": "t1",
        "header": "Require Import Arith Lia.",
        "formal_statement": "Theorem t1 (a b : nat) : a + b = b + a.",
        "proof": "Proof. lia. Qed.",
    },
    {
        "header": "Require Import Arith Lia.",
        "formal_statement": "Theorem t1 (a b : nat) : a + b = b + a.",
        "proof": "Proof. lia. Qed.",
    },
    {"header": "Require Import Arith.", "formal_statement": "Theorem t2 : 1 = 2.", "proof": "Proof. Admitted."},
    {
        "header": "Require Import Arith.",
        "formal_statement": "Theorem t3 : 2 + 2 = 4.",
        "proof": "Proof. reflexivity. Qed.",
    },
]


def test_verify_writes_a_verdict_per_input_and_resumes(tmp_path):
    src = write_jsonl(tmp_path / "proofs.jsonl", PROOFS)
    out = tmp_path / "verdicts.jsonl"
    proc = stp("verify", src, "--backend", "coq", "--out", out, "--json")
    assert proc.returncode == 1, proc.stderr  # one proof is not accepted
    summary = json.loads(proc.stdout)
    assert summary["proved"] == 3 and summary["unique"] == 3 and summary["checked"] == 4
    rows = {r["index"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert sorted(rows) == [0, 1, 2, 3]
    assert rows[1]["name"] == "t1" and rows[2]["ok"] is False and rows[2]["kind"] == "untrusted"
    assert {"index", "name", "ok", "reason", "axioms", "seconds"} <= set(rows[0])
    # a crash after two verdicts: the rerun checks only what is missing
    out.write_text("\n".join(out.read_text().splitlines()[:2]) + "\n")
    summary = json.loads(stp("verify", src, "--backend", "coq", "--out", out, "--json").stdout)
    assert summary["resumed"] == 2 and summary["checked"] == 2 and summary["proved"] == 3
    assert sorted(json.loads(line)["index"] for line in out.read_text().splitlines()) == [0, 1, 2, 3]


def test_verify_refuses_bad_input_before_doing_any_work(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text(json.dumps(PROOFS[0]) + "\n{not json\n" + json.dumps({"header": ""}) + "\n")
    proc = stp("verify", src, "--backend", "coq")
    assert proc.returncode == 2 and "line 2" in proc.stderr and "line 3" in proc.stderr
    assert not (tmp_path / "bad.verdicts.jsonl").exists()


def prove(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("STP_LEAN_REPL", "STP_LEAN_PROJECT")}
    proc = subprocess.run(
        [sys.executable, "-m", "stp_prover.cli.prove", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_prove_the_readme_example_on_the_embedded_default():
    proc = prove("--theorem", "examples/sum_to_formula", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"theorem", "proved", "proof", "backend", "search", "seconds", "expansions"} <= set(out)
    assert out["proved"] and out["backend"] == "coq" and out["search"] == "best-first"
    assert out["proof"].startswith("Proof.") and out["proof"].endswith("Qed.")


def test_prove_a_users_statement_by_sampling():
    proc = prove(
        "--statement",
        "Theorem mine (x y : R) (h : x = 2 * y) (h2 : y = 1) : x = 2.",
        "--header",
        "Require Import Reals.\nOpen Scope R_scope.",
        "--search",
        "sample",
        "--samples",
        "8",
    )
    assert proc.returncode == 0 and "proved: mine (coq, sample)" in proc.stdout


def test_prove_not_proved_exits_1():
    proc = prove(
        "--statement",
        "Theorem false_claim (n : nat) : n + 1 = n.",  # false: no search may prove it
        "--budget",
        "2",
        "--header",
        "Require Import Arith.",
    )
    assert proc.returncode == 1 and "not proved" in proc.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("--theorem", "examples/no_such"), "no theorem"),
        (("--theorem", "nobench/x"), "unknown benchmark"),
        (("--statement", "Theorem bad : undefined_name = 1."), "does not elaborate"),
        (("--statement", "1 + 1 = 2"), "named theorem"),
        (("--theorem", "examples/mod_arith", "--backend", "lean"), "STP_LEAN_REPL"),
        (("--theorem", "examples/mod_arith", "--budget", "0"), "positive"),
    ],
)
def test_prove_bad_input_exits_2(args, message):
    proc = prove(*args)
    assert proc.returncode == 2 and message in proc.stderr


def test_eval_on_a_handful_of_minif2f_theorems_resumes(tmp_path, shared_data):
    out = tmp_path / "run"
    names = ["mathd_algebra_10", "mathd_numbertheory_32", "amc12_2000_p15"]  # the last does not elaborate here
    args = [
        "eval",
        "--benchmark",
        "miniF2F",
        "--split",
        "valid",
        "--data-dir",
        shared_data,
        "--budget",
        "20",  # a cold start loads the header (with Interval over the reals) inside the budget; both prove in ~1 s
        "--out",
        out,
        "--json",
    ] + [a for n in names for a in ("--theorem", n)]
    proc = stp(*args)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["theorems"] == 3 and summary["unsupported"] == 1 and summary["proved"] == 2
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(r["name"] for r in rows) == sorted(names)
    assert (out / "proved_vs_time.png").stat().st_size > 1000 and (out / "summary.json").exists()
    again = json.loads(stp(*args).stdout)  # everything done: nothing re-proved, nothing counted twice
    assert again["theorems"] == 3 and len((out / "results.jsonl").read_text().splitlines()) == 3


def test_trace_train_and_evaluate_retrievers_from_the_command_line(tmp_path):
    data = tmp_path / "traced"
    proc = stp(
        "data",
        "trace",
        "--files",
        "theories/Arith/Between.v",
        "--files",
        "theories/Arith/Wf_nat.v",
        "--out",
        data,
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["theorems"] > 10 and (data / "corpus.jsonl").exists()
    proc = stp(
        "retrieval",
        "train",
        "--data",
        data,
        "--split",
        "random",
        "--out",
        tmp_path / "enc",
        "--max-examples",
        "16",
        "--batch-size",
        "8",
    )
    assert proc.returncode == 0, proc.stderr
    proc = stp(
        "retrieval",
        "eval",
        "--data",
        data,
        "--split",
        "random",
        "--part",
        "train",
        "--trained",
        tmp_path / "enc",
        "--no-packaged",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["retriever"] for r in json.loads(proc.stdout)] == ["bm25", "dense (trained)"]
    assert stp("data", "trace", "--files", "no/such/*.v", "--out", data).returncode == 2
    assert stp("retrieval", "eval", "--data", tmp_path / "nothing").returncode == 2


def test_stp_train_fine_tunes_from_a_config(tmp_path, traced_dir):
    import json

    from stp_prover.cli.main import main
    from stp_prover.training import TrainingExample, write_examples

    examples = tmp_path / "ex.jsonl"
    write_examples(examples, [TrainingExample("goal: n + 0 = n", "lia", 1.0)] * 4)
    config = tmp_path / "train.yaml"
    config.write_text(
        f"out: {tmp_path / 'ckpt'}\nmodel: {{init: {{kind: tiny-t5, width: 32, layers: 1, heads: 2}}}}\n"
        f"examples: [{examples}]\ntraced: {traced_dir}\ntraced_limit: 12\nsft: {{epochs: 1, batch_size: 4}}\n"
    )
    assert main(["train", "--config", str(config), "--json"]) == 0
    assert json.loads((tmp_path / "ckpt" / "config.json").read_text())["model_type"] == "t5"
    config.write_text("out: x\nmodel: {base: x}\n")
    assert main(["train", "--config", str(config)]) == 2  # no data
    config.write_text(f"out: x\nmodel: {{base: x}}\nexamples: [{tmp_path / 'missing.jsonl'}]\n")
    assert main(["train", "--config", str(config)]) == 2


def test_stp_serve_refuses_a_public_address_without_allow_remote():
    from stp_prover.cli.main import main

    assert main(["serve", "--host", "0.0.0.0", "--backend", "coq"]) == 2
    assert main(["serve", "--port", "0", "--backend", "coq"]) == 2


def test_verify_name_labels_the_verdict_and_bad_statements_are_not_our_errors(tmp_path):
    header = "Require Import Arith.\n"
    records = [
        # `name` is an identifier of the record, not the theorem's name: the statement declares that
        {
            "name": "record-7",
            "header": header,
            "formal_statement": "Theorem good : 1 + 1 = 2.",
            "proof": "Proof. reflexivity. Qed.",
        },
        # two declarations, and none: bad input, never `error` (our infrastructure)
        {"header": header, "formal_statement": "Theorem a : True. Theorem b : True.", "proof": "Proof. exact I. Qed."},
        {"name": "x", "header": header, "formal_statement": "Check nat.", "proof": "Proof. exact I. Qed."},
        # a header that writes a file is refused before Coq sees it, and its axioms would be listed apart
        {
            "header": header + 'Redirect "leak" Print nat.\n',
            "formal_statement": "Theorem r : True.",
            "proof": "Proof. exact I. Qed.",
        },
        {
            "header": header + "Axiom cheat : False.\n",
            "formal_statement": "Theorem c : 1 = 2.",
            "proof": "Proof. destruct cheat. Qed.",
        },
        {"header": header, "formal_statement": "Theorem u : True.", "proof": "Proof. exact I. Qed.\u0085\u2028"},
    ]
    src = write_jsonl(tmp_path / "proofs.jsonl", records)
    out = tmp_path / "verdicts.jsonl"
    proc = stp("verify", src, "--backend", "coq", "--out", out, "--json")
    assert proc.returncode == 1, proc.stderr
    rows = {r["index"]: r for r in map(json.loads, out.read_text().split("\n")[:-1])}
    assert rows[0]["name"] == "record-7" and rows[0]["theorem"] == "good" and rows[0]["kind"] == "proved"
    assert rows[1]["kind"] == "bad_statement" and rows[2]["kind"] == "bad_statement"
    assert rows[3]["kind"] == "untrusted" and "Redirect" in rows[3]["reason"]
    assert rows[4]["kind"] == "proved" and rows[4]["header_axioms"] == ["cheat"] and rows[4]["axioms"] == []
    assert rows[5]["kind"] != "error"
    assert not any(p.name.startswith("leak") for p in tmp_path.iterdir())
    assert not any(p.name.startswith("leak") for p in ROOT.iterdir())


def test_verify_results_file_that_cannot_be_written_is_exit_2(tmp_path):
    src = write_jsonl(tmp_path / "proofs.jsonl", PROOFS[:1])
    (tmp_path / "file").write_text("x")
    proc = stp("verify", src, "--backend", "coq", "--out", tmp_path / "file" / "v.jsonl")
    assert proc.returncode == 2 and "cannot write results" in proc.stderr


def test_proof_assistant_settings_are_flags_and_bad_ones_exit_2():
    proc = prove("--theorem", "examples/add_zero_right", "--tactic-timeout", "3", "--check-timeout", "20", "--json")
    assert proc.returncode == 0, proc.stderr
    proc = prove("--theorem", "examples/add_zero_right", "--tactic-timeout", "0")
    assert proc.returncode == 2 and "tactic_timeout must be positive" in proc.stderr
    proc = stp("eval", "--benchmark", "examples", "--split", "all", "--check-timeout", "-1")
    assert proc.returncode == 2 and "check_timeout" in proc.stderr


@pytest.mark.parametrize(
    "command, config",
    [
        ("selfplay", "configs/selfplay_tiny_coq.yaml"),
        ("train", None),
        ("pretrain", "configs/pretrain_coq.yaml"),
    ],
)
def test_the_configured_commands_share_config_and_set_and_report_bad_ones_as_usage(tmp_path, capsys, command, config):
    from stp_prover.cli.main import main

    if config is None:
        (tmp_path / "train.yaml").write_text("model: {base: x}\nexamples: [x.jsonl]\n")
        config = tmp_path / "train.yaml"
    for extra, message in [
        (["--set", "rounds"], "expected KEY=VALUE"),
        (["--set", "nonsense.key=1"], "config: unknown key(s) nonsense"),
        (["--set", "seed=[1"], "not valid YAML"),
    ]:
        assert main([command, "--config", str(ROOT / config), *extra]) == 2
        assert message in capsys.readouterr().err
    assert main([command, "--config", str(tmp_path / "none.yaml")]) == 2
    assert f"stp {command}: error: no configuration file" in capsys.readouterr().err
