"""The LeanDojo adapter's mapping onto the proof-environment interface, against a test double of lean_dojo."""

from __future__ import annotations

import pytest

from itp import StatementError, StepKind, Theorem, VerdictKind
from itp.lean import LeanDojoEnv
from tests.itp.lean import lean_dojo_double as dojo_double

THM = Theorem(
    "Nat.add_zero'",
    "lean",
    "",
    "theorem Nat.add_zero' (n : ℕ) : n + 0 = n := by",
    source="https://github.com/example/repo@abc123:Example/Basic.lean",
)


def test_results_map_onto_step_kinds():
    env = LeanDojoEnv(dojo_module=dojo_double)
    root = env.start(THM)
    assert root.text == "n : ℕ\n⊢ n + 0 = n"
    opened = env.step(root, "induction n")
    assert opened.kind is StepKind.OPEN and opened.state.path == ("induction n",)
    assert env.step(opened.state, "done").kind is StepKind.PROVED
    assert env.step(root, "fail").kind is StepKind.ERROR
    assert env.step(root, "sorry").kind is StepKind.GAVE_UP
    assert env.step(root, "crash").kind is StepKind.ERROR


def test_a_timeout_recreates_the_dojo_and_replays_the_path():
    env = LeanDojoEnv(dojo_module=dojo_double)
    root = env.start(THM)
    opened = env.step(root, "induction n").state
    before = dojo_double.Dojo.entered
    assert env.step(opened, "hang").kind is StepKind.TIMEOUT
    assert env.step(opened, "done").kind is StepKind.PROVED
    assert dojo_double.Dojo.entered == before + 1


def test_bad_source_or_unknown_theorem_is_a_statement_error():
    env = LeanDojoEnv(dojo_module=dojo_double)
    with pytest.raises(StatementError):
        env.start(Theorem("x", "lean", "", "theorem x : True := by"))
    with pytest.raises(StatementError):
        env.start(Theorem("missing", "lean", "", "theorem missing : True := by", source=THM.source))


def test_whole_proof_checks_need_the_repl_for_the_axiom_audit():
    verdict = LeanDojoEnv(dojo_module=dojo_double).check(THM, "simp")
    assert verdict.kind is VerdictKind.ERROR and "STP_LEAN_REPL" in verdict.reason
