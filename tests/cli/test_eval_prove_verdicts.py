"""`stp eval` and `prove` with `--verdicts stp`: every result says its mode, stp runs live in their own default
folder, a run folder is never resumed in another mode (real coqtop, real miniF2F data)."""

from __future__ import annotations

import json

from tests.cli.test_cli import prove, stp


def _eval(shared_data, *extra, cwd):
    args = ["eval", "--benchmark", "miniF2F", "--split", "valid", "--data-dir", shared_data, "--budget", "20"]
    return stp(*args, "--theorem", "mathd_algebra_10", "--json", *extra, cwd=cwd)


def test_eval_stp_results_are_labelled_kept_apart_and_not_resumed_as_strict(tmp_path, shared_data):
    proc = _eval(shared_data, "--verdicts", "stp", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    run = tmp_path / "runs" / "eval-miniF2F-valid-coq-best-first-verdicts-stp"  # not the strict run's folder
    assert summary["verdicts"] == "stp" and summary["out"] == str(run.relative_to(tmp_path))
    assert json.loads((run / "config.json").read_text())["verdicts"] == "stp"
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert [r["verdicts"] for r in rows] == ["stp"] and rows[0]["proved"]
    assert json.loads((run / "summary.json").read_text())["verdicts"] == "stp"
    # A strict rerun into that folder would count the stp "proved": a usage error, the folder untouched.
    before = (run / "results.jsonl").read_text()
    proc = _eval(shared_data, "--out", run, cwd=tmp_path)
    assert proc.returncode == 2 and "--verdicts stp" in proc.stderr
    assert (run / "results.jsonl").read_text() == before
    assert json.loads((run / "config.json").read_text())["verdicts"] == "stp"


def test_eval_refuses_a_strict_folder_in_stp_mode(tmp_path):
    # A folder from before verdict modes (no "verdicts" anywhere) is strict.
    run = tmp_path / "old"
    run.mkdir()
    (run / "results.jsonl").write_text(json.dumps({"name": "t", "proved": True}) + "\n")
    args = ["eval", "--benchmark", "examples", "--split", "all", "--out", run, "--verdicts", "stp", "--backend", "coq"]
    proc = stp(*args)
    assert proc.returncode == 2 and "--verdicts strict" in proc.stderr


def test_prove_says_the_verdict_mode_when_it_is_not_strict():
    args = ("--theorem", "examples/sum_to_formula")
    proc = prove(*args, "--verdicts", "stp")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "verdicts: stp (STP's verifier rules, not the trust policy)"
    assert "proved: sum_to_formula (coq, best-first, verdicts stp)" in lines[-1]
    out = json.loads(prove(*args, "--verdicts", "stp", "--json").stdout)
    assert out["proved"] and out["verdicts"] == "stp"
    strict = prove(*args)
    assert strict.returncode == 0 and "verdicts" not in strict.stdout
