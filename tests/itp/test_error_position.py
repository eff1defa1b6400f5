"""`Verdict.error_offset`: where a whole proof first went wrong, so that `proof[:error_offset]` is a prefix the proof
assistant accepted (issue 14, part 4). Coq with real coqtop; Lean through the REPL test double with recorded-style
messages (`pos` {line, column} as in /work/shared/lean/repl_transcripts/incomplete.expected.out)."""

from __future__ import annotations

import json

from stp_prover.itp import LeanConfig, Theorem, VerdictKind
from stp_prover.itp.lean import LeanEnv
from stp_prover.itp.lean.policy import rename_declaration
from stp_prover.itp.lean.session import REF_NAME, _with_sorry
from tests.conftest import repl_double_command

ARITH = "From Coq Require Import Lia.\n"
COQ_THM = Theorem("pos_t", "coq", ARITH, "Theorem pos_t (n : nat) : n + 0 = n /\\ True.")


def test_coq_the_first_failing_sentence_is_where_the_proof_stops(coq_env):
    proof = "Proof.\n  split.\n  - lia.\n  - nonsense_tactic.\nQed."
    verdict = coq_env.check(COQ_THM, proof)
    assert verdict.kind is VerdictKind.REJECTED
    assert proof[verdict.error_offset :].startswith("nonsense_tactic.")
    assert verdict.to_dict()["error_offset"] == verdict.error_offset


def test_coq_an_unfinished_proof_stops_at_its_closer(coq_env):
    proof = "Proof.\n  split.\n  - lia.\nQed."
    verdict = coq_env.check(COQ_THM, proof)
    assert verdict.kind is VerdictKind.REJECTED and proof[verdict.error_offset :] == "Qed."


def test_coq_the_prefix_before_the_error_is_accepted_and_can_be_continued(coq_env):
    proof = "Proof. split. (* a comment *) lia. lra. Qed."
    verdict = coq_env.check(COQ_THM, proof)
    prefix = proof[: verdict.error_offset]
    assert prefix == "Proof. split. (* a comment *) lia. "
    assert coq_env.check(COQ_THM, prefix + "exact I. Qed.").ok


def test_coq_a_restated_statement_counts_in_the_proof_text(coq_env):
    proof = f"{COQ_THM.statement}\nProof. split. nope. Qed."
    verdict = coq_env.check(COQ_THM, proof)
    assert proof[verdict.error_offset :].startswith("nope.")


def test_coq_no_offset_when_the_proof_passes_or_is_refused_before_running(coq_env):
    assert coq_env.check(COQ_THM, "Proof. split. lia. exact I. Qed.").error_offset is None
    refused = coq_env.check(COQ_THM, "Proof. admit. Admitted.")
    assert refused.kind is VerdictKind.UNTRUSTED and refused.error_offset is None


LEAN_THM = Theorem("pos_l", "lean", "", "theorem pos_l (x : Nat) : x = x ∧ True := by")


def _lean_env(tmp_path, proof: str, messages: list[dict]) -> LeanEnv:
    code = LEAN_THM.statement + "\n" + proof
    path = tmp_path / "pairs.jsonl"
    # The check elaborates the statement alone first (the reference its result is compared with), then runs the
    # proof on that environment (itp/lean/session.py).
    reference_cmd = _with_sorry(rename_declaration(LEAN_THM.statement, REF_NAME))
    reference = {"request": {"cmd": reference_cmd}, "response": {"env": 0}}
    proof_pair = {"request": {"cmd": code, "env": 0}, "response": {"env": 1, "messages": messages}}
    path.write_text(json.dumps(reference) + "\n" + json.dumps(proof_pair) + "\n")
    return LeanEnv(LeanConfig(repl_command=repl_double_command(extra=path), repl_cwd=None))


def _error(line: int, column: int, end_line: int, end_column: int, data: str) -> dict:
    return {
        "severity": "error",
        "pos": {"line": line, "column": column},
        "endPos": {"line": end_line, "column": end_column},
        "data": data,
    }


def test_lean_an_error_inside_a_tactic_stops_the_proof_at_that_tactic(tmp_path):
    proof = "  constructor\n  · rfl\n  · exact my_fake_premise"
    # As Lean reports an unknown identifier: at the identifier (line 4 of the command, column 10).
    messages = [_error(4, 10, 4, 25, "Unknown identifier `my_fake_premise`")]
    with _lean_env(tmp_path, proof, messages) as env:
        verdict = env.check(LEAN_THM, proof)
    assert verdict.kind is VerdictKind.REJECTED
    assert proof[verdict.error_offset :] == "· exact my_fake_premise"


def test_lean_unsolved_goals_put_the_whole_block_in_the_prefix(tmp_path):
    proof = "  constructor\n  · rfl"
    # As in the `incomplete` transcript: `pos` at the `by` (in the statement), `endPos` at the block's end.
    messages = [_error(1, 42, 3, 7, "unsolved goals\ncase right\nx : Nat\n⊢ True")]
    with _lean_env(tmp_path, proof, messages) as env:
        verdict = env.check(LEAN_THM, proof)
    assert verdict.kind is VerdictKind.REJECTED and verdict.error_offset == len(proof)


def test_lean_the_first_error_by_position_wins(tmp_path):
    proof = "  constructor\n  · simp [nope]\n  · exact nope2"
    messages = [_error(4, 10, 4, 15, "Unknown identifier `nope2`"), _error(3, 10, 3, 14, "Unknown identifier `nope`")]
    with _lean_env(tmp_path, proof, messages) as env:
        verdict = env.check(LEAN_THM, proof)
    assert proof[verdict.error_offset :].startswith("· simp [nope]")
