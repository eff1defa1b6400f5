"""Issue 11's command-line contract for Lean on a machine without Lean: `stp verify` and `stp check` screen every
proof first, so refused proofs get their `untrusted` verdict; only then is a missing REPL exit 2 with the setup
message, and the verdicts already known are written."""

from __future__ import annotations

import json

from tests.cli.test_cli import stp, write_jsonl

STATEMENT = "theorem X : (2 : ℕ) + 2 = 4 := by"


def test_verify_writes_refusals_then_stops_for_the_missing_repl(tmp_path):
    proofs = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"header": "import Mathlib\n", "formal_statement": STATEMENT, "proof": "  native_decide"},
            {"header": "import Mathlib\n#eval 1\n", "formal_statement": STATEMENT, "proof": "  norm_num"},
            {"header": "import Mathlib\n", "formal_statement": STATEMENT, "proof": "  norm_num"},
        ],
    )
    out = tmp_path / "v.jsonl"
    proc = stp("verify", proofs, "--backend", "lean", "--out", out)
    assert proc.returncode == 2 and "STP_LEAN_REPL" in proc.stderr
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(v["index"], v["kind"]) for v in verdicts] == [(0, "untrusted"), (1, "untrusted")]
    assert "native_decide" in verdicts[0]["reason"] and "#eval" in verdicts[1]["reason"]


def test_verify_needs_no_repl_when_every_proof_is_refused(tmp_path):
    proofs = write_jsonl(
        tmp_path / "p.jsonl", [{"header": "import Mathlib\n", "formal_statement": STATEMENT, "proof": "  sorry"}]
    )
    proc = stp("verify", proofs, "--backend", "lean", "--json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["by_kind"] == {"untrusted": 1}


def test_check_refuses_a_cheating_lean_file_without_lean(tmp_path):
    cheat = tmp_path / "cheat.lean"
    cheat.write_text('import Mathlib\n\ntheorem t : 1 = 2 := by\n  exact (rfl : 1 = 1) ▸ sorry\n')
    proc = stp("check", cheat, "--json")
    assert proc.returncode == 1, proc.stderr
    assert "sorry" in json.loads(proc.stdout)["reason"]
    # A string that a notation could turn into a comment opener is refused on its own (itp/lean/policy.py).
    cheat.write_text('import Mathlib\n\ntheorem t : 1 = 1 := by\n  exact "/-" ▸ rfl\n')
    proc = stp("check", cheat, "--json")
    assert proc.returncode == 1, proc.stderr
    assert "'\"/-\"'" in json.loads(proc.stdout)["reason"]
