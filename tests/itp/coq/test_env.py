"""The Coq backend against real coqtop and coqc."""

from __future__ import annotations

import os
import signal

import pytest

from stp_prover.itp import StatementError, StepKind, Theorem, VerdictKind

ARITH = "Require Import Arith Lia.\n"
ADD = Theorem("add_comm'", "coq", ARITH, "Theorem add_comm' (a b : nat) : a + b = b + a.")


def test_check_accepts_a_proof_and_reports_its_axioms(coq_env):
    verdict = coq_env.check(ADD, "Proof. intros. lia. Qed.")
    assert verdict.kind is VerdictKind.PROVED and verdict.axioms == []
    reals = Theorem("r", "coq", "Require Import Reals Lra.\nOpen Scope R_scope.\n", "Theorem r (x : R) : x + 0 = x.")
    verdict = coq_env.check(reals, "Proof. intros. lra. Qed.")
    assert verdict.ok and "ClassicalDedekindReals.sig_forall_dec" in verdict.axioms


def test_check_rejects_a_wrong_proof_with_coqs_message(coq_env):
    verdict = coq_env.check(ADD, "Proof. reflexivity. Qed.")
    assert verdict.kind is VerdictKind.REJECTED and "Unable to unify" in verdict.reason


def test_warm_and_cold_checks_agree(coq_env):
    for proof, kind in [
        ("Proof. lia. Qed.", VerdictKind.PROVED),
        ("Proof. reflexivity. Qed.", VerdictKind.REJECTED),
        ("Proof. Admitted.", VerdictKind.UNTRUSTED),
    ]:
        assert coq_env.check(ADD, proof).kind is kind
        assert coq_env.check_cold(ADD, proof).kind is kind


def test_statement_that_does_not_elaborate_is_bad_input_not_a_failure(coq_env):
    bad = Theorem("b", "coq", ARITH, "Theorem b : undefined_thing = 1.")
    assert coq_env.check(bad, "Proof. lia. Qed.").kind is VerdictKind.BAD_STATEMENT
    assert coq_env.check_cold(bad, "Proof. lia. Qed.").kind is VerdictKind.BAD_STATEMENT
    assert (
        coq_env.check(
            Theorem("h", "coq", "Require Import NoSuchLib.\n", "Theorem h : True."), "Proof. exact I. Qed."
        ).kind
        is VerdictKind.BAD_STATEMENT
    )
    with pytest.raises(StatementError):
        coq_env.start(bad)


def test_tactic_mode_goals_branching_and_replay(coq_env):
    thm = Theorem("t", "coq", ARITH, "Theorem t (a b : nat) (h : a = b) : a = b /\\ b + 0 = a.")
    root = coq_env.start(thm)
    assert root.text == "a, b : nat\nh : a = b\n============================\na = b /\\ b + 0 = a"
    split = coq_env.step(root, "split")
    assert split.kind is StepKind.OPEN and split.state.num_goals == 2
    # every goal comes with its hypotheses
    assert split.state.text.count("h : a = b") == 2
    assert coq_env.step(root, "lia").kind is StepKind.PROVED
    # back to a state the linear document discarded: replayed from its tactic path
    left = coq_env.step(split.state, "exact h")
    assert left.kind is StepKind.OPEN and left.state.text.endswith("b + 0 = a")
    assert coq_env.step(left.state, "lia").kind is StepKind.PROVED
    assert coq_env.step(split.state, "nonsense_tactic").kind is StepKind.ERROR
    assert coq_env.step(split.state, "Qed").kind is StepKind.ERROR  # commands are not tactics
    assert coq_env.step(left.state, "rewrite Nat.add_0_r; symmetry; exact h").kind is StepKind.PROVED


def test_shelved_goals_are_not_a_proof(coq_env):
    thm = Theorem("ev", "coq", ARITH, "Theorem ev : exists n : nat, n = n.")
    root = coq_env.start(thm)
    # `eexists; reflexivity` leaves the witness undetermined: nothing focused, but Qed would fail.
    shelved = coq_env.step(root, "eexists; reflexivity")
    assert shelved.kind is StepKind.OPEN and shelved.state.text == "nat"
    assert coq_env.step(shelved.state, "Unshelve. exact 0.").kind is StepKind.PROVED


def test_tactic_timeout_interrupts_and_the_session_survives(coq_env):
    thm = Theorem("spin", "coq", ARITH, "Theorem spin : True.")
    root = coq_env.start(thm)
    coq_env.config.tactic_timeout, old = 1.0, coq_env.config.tactic_timeout
    try:
        assert coq_env.step(root, "do 2000000000 idtac").kind is StepKind.TIMEOUT
    finally:
        coq_env.config.tactic_timeout = old
    assert coq_env.step(root, "exact I").kind is StepKind.PROVED


def test_a_killed_coqtop_is_replaced(coq_env):
    assert coq_env.check(ADD, "Proof. lia. Qed.").ok
    session = coq_env.session(ADD.header)
    os.killpg(session.top.proc.pid, signal.SIGKILL)
    session.top.proc.proc.wait()
    assert coq_env.check(ADD, "Proof. lia. Qed.").ok
    assert coq_env.session(ADD.header) is not session


def test_a_string_spanning_lines_stays_one_sentence(coq_env):
    thm = Theorem("s", "coq", ARITH, "Theorem s : True.")
    assert coq_env.check(thm, 'Proof. idtac "two\nlines". exact I. Qed.').ok
