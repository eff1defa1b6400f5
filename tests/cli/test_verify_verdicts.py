"""`stp verify --verdicts stp`: the flag reaches the backends (real coqtop), every verdict line says its mode, and
`stp check` refuses the mode (STP has no file check to mirror)."""

from __future__ import annotations

import json

from tests.cli.test_cli import stp, write_jsonl

RECORDS = [
    {  # rests on the library axiom Extensionality_Ensembles: strict refuses it, STP's verifier would not ask
        "name": "ext",
        "header": "Require Import Coq.Sets.Ensembles.",
        "formal_statement": "Theorem ext (U : Type) (A B : Ensemble U) : Included U A B -> Included U B A -> A = B.",
        "proof": "Proof. intros h1 h2. apply Extensionality_Ensembles. split; assumption. Qed.",
    },
    {  # restates the theorem: strict compares it with the statement, STP sends `statement + proof` (nested: error)
        "name": "t1",
        "header": "Require Import Arith Lia.",
        "formal_statement": "Theorem t1 (a b : nat) : a + b = b + a.",
        "proof": "Theorem t1 (a b : nat) : a + b = b + a.\nProof. lia. Qed.",
    },
]


def test_verify_with_stp_verdicts_labels_every_line_and_differs_from_strict(tmp_path):
    src = write_jsonl(tmp_path / "proofs.jsonl", RECORDS)
    kinds = {}
    for mode in ("strict", "stp"):
        out = tmp_path / f"{mode}.jsonl"
        proc = stp("verify", src, "--backend", "coq", "--verdicts", mode, "--out", out, "--json")
        assert proc.returncode == 1, proc.stderr
        assert json.loads(proc.stdout)["verdicts"] == mode
        rows = {r["name"]: r for r in map(json.loads, out.read_text().splitlines())}
        assert all(r["verdicts"] == mode for r in rows.values())
        kinds[mode] = {name: r["kind"] for name, r in rows.items()}
    assert kinds["strict"] == {"ext": "untrusted", "t1": "proved"}
    assert kinds["stp"] == {"ext": "proved", "t1": "rejected"}


def test_bad_verdict_modes_and_stp_check_are_usage_errors(tmp_path):
    src = write_jsonl(tmp_path / "proofs.jsonl", RECORDS[:1])
    proc = stp("verify", src, "--backend", "coq", "--verdicts", "lenient")
    assert proc.returncode == 2 and "--verdicts" in proc.stderr
    v = tmp_path / "a.v"
    v.write_text("Theorem a : True.\nProof. exact I. Qed.\n")
    proc = stp("check", v, "--verdicts", "stp")
    assert proc.returncode == 2 and "stp verify" in proc.stderr


def test_verify_refuses_to_resume_an_output_made_in_another_verdict_mode(tmp_path):
    # Resuming would skip the stp lines and count them: an stp PROVED in a summary that says "strict".
    src = write_jsonl(tmp_path / "proofs.jsonl", RECORDS[:1])
    out = tmp_path / "proofs.verdicts.jsonl"
    proc = stp("verify", src, "--backend", "coq", "--verdicts", "stp", "--json")
    assert proc.returncode == 0, proc.stderr  # `ext` is proved under stp rules
    before = out.read_text()
    proc = stp("verify", src, "--backend", "coq", "--json")
    assert proc.returncode == 2 and "--verdicts stp" in proc.stderr and proc.stdout == ""
    assert out.read_text() == before  # nothing appended, nothing counted
    # the same mode resumes as before: everything done, the summary counts the stp verdict as stp
    summary = json.loads(stp("verify", src, "--backend", "coq", "--verdicts", "stp", "--json").stdout)
    assert summary["resumed"] == 1 and summary["proved"] == 1 and summary["verdicts"] == "stp"
