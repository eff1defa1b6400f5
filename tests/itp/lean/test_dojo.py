"""The LeanDojo adapter's mapping onto the proof-environment interface, against a test double of lean_dojo."""

from __future__ import annotations

import pytest

from stp_prover.itp import ItpConfig, ItpSettings, StatementError, StepKind, Theorem, VerdictKind
from stp_prover.itp.lean import LeanConfig, LeanDojoEnv
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


def test_dojos_are_released_and_bounded(monkeypatch):
    # Each Dojo is a Lean process with the file's imports: a benchmark run must not keep one per theorem.
    monkeypatch.setattr(dojo_double.Dojo, "open_now", 0)
    env = LeanDojoEnv(dojo_module=dojo_double, max_open=2)
    for k in range(5):
        env.start(Theorem(f"t{k}", "lean", "", f"theorem t{k} : True := by", source=THM.source))
        assert dojo_double.Dojo.open_now <= 2
    env.release(Theorem("t4", "lean", "", "", source=THM.source))
    assert dojo_double.Dojo.open_now == 1
    env.close()
    assert dojo_double.Dojo.open_now == 0


def test_the_step_timeout_is_ours_and_closes_the_dojo():
    # Dojo takes no per-tactic limit (lean_dojo interaction/dojo.py: one timeout for the Dojo's life): `step`
    # enforces its own and closes the wedged Dojo, whose Lean process then ends the blocked read.
    env = LeanDojoEnv(dojo_module=dojo_double, config=LeanConfig(tactic_timeout=30))
    root = env.start(THM)
    before = dojo_double.Dojo.exited
    result = env.step(root, "block", timeout=0.5)
    assert result.kind is StepKind.TIMEOUT and result.seconds < 10
    assert dojo_double.Dojo.exited == before + 1
    assert env.step(root, "done").kind is StepKind.PROVED  # re-created and replayed


def test_a_failed_re_entry_is_a_step_error_not_an_exception(monkeypatch):
    env = LeanDojoEnv(dojo_module=dojo_double)
    opened = env.step(env.start(THM), "induction n").state
    assert env.step(opened, "hang").kind is StepKind.TIMEOUT  # the Dojo is gone; the next step re-enters
    monkeypatch.setattr(dojo_double.Dojo, "refuse_entry", True)
    result = env.step(opened, "done")
    assert result.kind is StepKind.ERROR and "could not open" in result.messages[0]


def test_the_dojo_gets_its_timeout_under_the_name_its_version_uses():
    class LaterDojo(dojo_double.Dojo):
        def __init__(self, entry, hard_timeout=None, additional_imports=()):  # lean_dojo 2.x and later
            super().__init__(entry, timeout=hard_timeout)

    class Module:
        pass

    module = Module()
    module.__dict__.update({k: getattr(dojo_double, k) for k in dir(dojo_double) if not k.startswith("_")})
    module.Dojo = LaterDojo
    env = LeanDojoEnv(timeout=123, dojo_module=module)
    env.start(THM)
    assert env._open[THM.name][1].timeout == 123
    env.close()


def test_a_dojo_that_cannot_close_has_its_process_killed(monkeypatch):
    class Proc:
        killed = False

        def poll(self):
            return None

        def kill(self):
            Proc.killed = True

    def refuse(self, *exc):
        raise ValueError("signal only works in main thread")

    env = LeanDojoEnv(dojo_module=dojo_double)
    env.start(THM)
    env._open[THM.name][1].proc = Proc()
    monkeypatch.setattr(dojo_double.Dojo, "__exit__", refuse)
    env.release(THM)
    assert Proc.killed and THM.name not in env._open


def test_the_tactic_timeout_is_the_configs():
    # One owner: LeanDojo's env reads its LeanConfig, which the user's settings reach through ItpConfig.
    config = ItpSettings(tactic_timeout=7).apply(ItpConfig())
    assert LeanDojoEnv(dojo_module=dojo_double, config=config.lean).default_tactic_timeout() == 7
    assert LeanDojoEnv(dojo_module=dojo_double).default_tactic_timeout() == LeanConfig().tactic_timeout
