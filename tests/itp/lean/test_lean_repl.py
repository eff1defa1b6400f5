"""The Lean REPL client against the REPL test double, which answers from real recorded REPL transcripts."""

from __future__ import annotations

import json

import pytest

from stp_prover.itp import LeanConfig, StatementError, StepKind, Theorem, VerdictKind
from stp_prover.itp.config import ResourceLimits
from stp_prover.itp.lean import LeanEnv, validate_request
from stp_prover.itp.lean.repl import LeanRepl, ReplDied
from stp_prover.itp.lean.session import STRICT_OPTIONS
from tests.conftest import repl_double_command

DEF_F = Theorem("f", "lean", "", "def f : Nat := by")


def env_for(*uses, extra=None, hang_on=(), exit_on=(), **cfg) -> LeanEnv:
    config = LeanConfig(
        repl_command=repl_double_command(*uses, extra=extra, hang_on=hang_on, exit_on=exit_on), repl_cwd=None, **cfg
    )
    return LeanEnv(config)


def write_pairs(path, pairs) -> str:
    path.write_text("".join(json.dumps({"request": q, "response": a}) + "\n" for q, a in pairs))
    return path


def test_tactic_steps_follow_the_recorded_session():
    with env_for("proof_step") as env:
        root = env.start(DEF_F)
        assert root.text == "⊢ Nat"
        s1 = env.step(root, "apply Int.natAbs")
        assert s1.kind is StepKind.OPEN and s1.state.text == "⊢ Int"
        s2 = env.step(root, "have t : Nat := 42")  # backtracking = reusing an older proof state
        assert s2.kind is StepKind.OPEN and s2.state.text == "t : Nat\n⊢ Nat"
        done = env.step(s2.state, "exact t")
        assert done.kind is StepKind.PROVED and done.state.path == ("have t : Nat := 42", "exact t")


def test_error_with_empty_goals_is_not_proved():
    # The REPL answers `goals: []` together with an error message: that is an error, never a proof.
    thm = Theorem("my_theorem", "lean", "", "theorem my_theorem (x : Nat) : x = x := by")
    with env_for("invalid_tactic") as env:
        result = env.step(env.start(thm), "exact my_fake_premise")
        assert result.kind is StepKind.ERROR
        assert "Unknown identifier" in result.messages[0]


def test_unknown_proof_state_is_an_error():
    with env_for("unknown_proof_state") as env:
        root = env.start(DEF_F)
        stale = type(root)(root.theorem, root.text, (), (root.handle[0], 1))
        result = env.step(stale, "exact 42")
        assert result.kind is StepKind.ERROR and "Unknown proof state" in result.messages[0]


def test_statement_that_does_not_elaborate_is_bad_input():
    with env_for("proof_step") as env:
        with pytest.raises(StatementError):
            env.start(Theorem("g", "lean", "", "theorem g : Foo := by"))


def test_header_imported_once_and_proofs_run_on_its_environment(tmp_path):
    # Recorded (import_lean): the header's answer. The rest is WRITTEN BY US (tests/itp/lean/test_check_path.py,
    # check_pairs): strict options, then per proof the reference, the proof on it and the result audit.
    from tests.itp.lean.test_check_path import OK, check_pairs, info

    thm = Theorem("X", "lean", "import Lean", "theorem X : 1 + 1 = 2 := by")
    rfl_error = {"severity": "error", "pos": {"line": 2, "column": 2}, "endPos": None, "data": "The rfl tactic failed"}
    pairs = [({"cmd": STRICT_OPTIONS, "env": 0}, {"env": 10})]
    pairs += check_pairs(
        thm, "theorem X : 1 + 1 = 2 := by\n  norm_num", {}, {"env": 2, "messages": [OK, info("'X' depends on axioms: [propext]")]},
        header_env=10, ref_env=11, proof_env=1,
    )
    pairs += check_pairs(
        thm, "theorem X : 1 + 1 = 2 := by\n  simp", {}, {"env": 4, "messages": [OK, info("'X' depends on axioms: [sorryAx]")]},
        header_env=10, ref_env=11, proof_env=3,
    )[2:]
    pairs += check_pairs(
        thm, "theorem X : 1 + 1 = 2 := by\n  rfl", {"messages": [rfl_error]}, {}, header_env=10, ref_env=11, proof_env=5
    )[2:3]
    extra = write_pairs(tmp_path / "pairs.jsonl", pairs)
    with env_for("import_lean", extra=extra) as env:
        ok = env.check(thm, "  norm_num")
        assert ok.kind is VerdictKind.PROVED and ok.axioms == ["propext"]
        cheat = env.check(thm, "  simp")
        assert cheat.kind is VerdictKind.UNTRUSTED and "sorryAx" in cheat.reason
        wrong = env.check(thm, "  rfl")
        assert wrong.kind is VerdictKind.REJECTED and "rfl" in wrong.reason
        assert env.sessions.started == 1  # one process, header imported once


@pytest.mark.parametrize(
    "proof",
    [
        "  sorry",
        "  admit",
        "  native_decide",
        "  set_option debug.skipKernelTC true in simp",
        "  run_tac pure ()",
        "  exact (by exact?)\n#eval IO.println 1",
        "\naxiom bad : False\n",
    ],
)
def test_forbidden_lean_proofs_never_reach_the_repl(proof):
    thm = Theorem("X", "lean", "", "theorem X : 1 + 1 = 2 := by")
    with env_for("proof_step") as env:
        verdict = env.check(thm, proof)
        assert verdict.kind is VerdictKind.UNTRUSTED


def test_timeout_kills_restarts_and_replays_the_tactic_path(tmp_path):
    extra = write_pairs(
        tmp_path / "pairs.jsonl",
        [
            ({"tactic": "exact 5", "proofState": 1}, {"proofStatus": "Completed", "proofState": 9, "goals": []}),
        ],
    )
    with env_for("proof_step", extra=extra, hang_on=["HANG"], tactic_timeout=1.0) as env:
        root = env.start(DEF_F)
        s1 = env.step(root, "apply Int.natAbs").state
        assert env.step(s1, "HANG").kind is StepKind.TIMEOUT
        session = env.session("")
        assert session.generation == 2  # killed and restarted
        # s1 belongs to the dead process: it is rebuilt by replaying its path, then the tactic runs.
        result = env.step(s1, "exact 5")
        assert result.kind is StepKind.PROVED


def test_repl_exit_is_reported_and_the_next_step_recovers():
    with env_for("proof_step", exit_on=["DIE"]) as env:
        root = env.start(DEF_F)
        assert env.step(root, "DIE").kind is StepKind.ERROR
        assert env.step(root, "apply Int.natAbs").kind is StepKind.OPEN


def test_processes_are_recycled_after_n_requests():
    with env_for("proof_step", recycle_after=3) as env:
        for _ in range(3):
            root = env.start(DEF_F)
            env.step(root, "apply Int.natAbs")
        assert env.sessions.recycled >= 1


@pytest.mark.parametrize(
    "request_",
    [
        {"cmd": 3},
        {"tactic": "simp"},
        {"cmd": "x", "proofState": 1},
        {"foo": 1},
        {"tactic": "x", "proofState": -1},
    ],
)
def test_malformed_requests_are_refused_before_sending(request_):
    with pytest.raises(ValueError):
        validate_request(request_)


def test_requests_are_sent_on_one_line():
    # The REPL joins continuation lines without a newline; a multi-line request would change the Lean text.
    repl = LeanRepl(repl_double_command("variables"), ResourceLimits())
    try:
        r0 = repl.request({"cmd": "variable (x y : Nat)"}, 10)
        r1 = repl.request({"cmd": "variable (f : Nat → Nat)", "env": r0["env"]}, 10)
        stmt = (
            "theorem problem (h0 : f 5 = 3) (h1 : f (4 * x * y) = 2 * y * (f (x + y) + f (x - y))) :\n"
            "    ∃ (k : Nat), f 2015 = k := by\n  sorry"
        )
        r2 = repl.request({"cmd": stmt, "env": r1["env"]}, 10)
        assert r2["sorries"][0]["goal"].endswith("⊢ ∃ k, f 2015 = k")
    finally:
        repl.close()


def test_eof_is_a_crash():
    repl = LeanRepl(repl_double_command("proof_step", exit_on=["cmd"]), ResourceLimits())
    with pytest.raises(ReplDied):
        repl.request({"cmd": "def f : Nat := by sorry"}, 10)
