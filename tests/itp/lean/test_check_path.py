"""The whole-proof check and tactic start through the REPL test double: recorded REPL answers (transcripts of
leanprover-community/repl's test/ folder) where they exist, otherwise request/response pairs we write ourselves
(those test our client, not Lean; what Lean does there is known only from reading its sources)."""

from __future__ import annotations

import json
import os
import resource

import pytest

from stp_prover.itp import BackendUnavailable, LeanConfig, StepKind, Theorem, UntrustedInput, VerdictKind
from stp_prover.itp.config import ResourceLimits
from stp_prover.itp.lean import LeanEnv
from stp_prover.itp.lean.repl import LeanRepl, lean_child_env
from stp_prover.itp.lean.session import REF_NAME, STRICT_OPTIONS, LeanSession
from tests.conftest import TRANSCRIPTS, repl_double_command
from tests.itp.lean_repl_double import _responses


def recorded(name: str, index: int) -> dict:
    """The `index`-th response the real REPL gave in transcript `name`."""
    return _responses((TRANSCRIPTS / f"{name}.expected.out").read_text(encoding="utf-8"))[index]


def info(text: str) -> dict:
    return {"severity": "info", "pos": {"line": 1, "column": 0}, "endPos": None, "data": text}


def env_with(tmp_path, pairs, *uses, exit_on=()) -> LeanEnv:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"request": q, "response": a}) + "\n" for q, a in pairs))
    command = repl_double_command(*uses, extra=path, exit_on=exit_on)
    return LeanEnv(LeanConfig(repl_command=command, repl_cwd=None))


HEADER = "import Mathlib\n"
BOOT = [({"cmd": HEADER}, {"env": 0}), ({"cmd": STRICT_OPTIONS, "env": 0}, {"env": 1})]


def test_a_restated_proof_is_compared_with_the_statement_elaborated_before_it(tmp_path):
    # Defect 2: the reference statement is elaborated on the header's environment (env 1) *before* the proof, and
    # the proof runs on top of it (env 2), so nothing the proof declares can change what the reference means.
    thm = Theorem("foo", "lean", HEADER, "theorem foo : (2 : ℕ) + 2 = 4 := by")
    proof = "theorem foo : (2 : ℕ) + 2 = 4 := by norm_num"
    session = LeanSession.__new__(LeanSession)  # only to build the audit text the session sends
    session.config = LeanConfig()
    audit = session._audit_code(thm, True)
    assert f"find? `{REF_NAME}" in audit and audit.endswith("#print axioms foo")
    pairs = BOOT + [
        ({"cmd": f"theorem {REF_NAME} : (2 : ℕ) + 2 = 4 := by sorry", "env": 1}, {"env": 2}),
        ({"cmd": proof, "env": 2}, {"env": 3}),
        ({"cmd": audit, "env": 3}, {"env": 4, "messages": [info("'foo' depends on axioms: [propext]")]}),
    ]
    with env_with(tmp_path, pairs) as env:
        verdict = env.check(thm, proof)
        assert verdict.kind is VerdictKind.PROVED, verdict


def test_the_audit_refuses_a_changed_statement_even_without_the_screen(tmp_path, monkeypatch):
    # The screen is a first line only: with it switched off, the statement comparison still refuses the
    # redefinition exploit (the `#eval` of the audit throws, which the REPL reports as an error message).
    monkeypatch.setattr("stp_prover.itp.lean.session.screen_proof", lambda proof: None)
    thm = Theorem("foo", "lean", HEADER, "theorem foo : (2 : ℕ) + 2 = 5 := by")
    proof = "theorem foo : (2 : ℕ) + 2 = 5 := rfl"
    session = LeanSession.__new__(LeanSession)
    session.config = LeanConfig()
    err = {
        "severity": "error",
        "pos": {"line": 2, "column": 0},
        "endPos": None,
        "data": "stp: the proved statement differs from the asked one",
    }
    pairs = BOOT + [
        ({"cmd": f"theorem {REF_NAME} : (2 : ℕ) + 2 = 5 := by sorry", "env": 1}, {"env": 2}),
        ({"cmd": proof, "env": 2}, {"env": 3}),
        ({"cmd": session._audit_code(thm, True), "env": 3}, {"env": 4, "messages": [err]}),
    ]
    with env_with(tmp_path, pairs) as env:
        monkeypatch.setattr("stp_prover.itp.lean.env.prescreen", lambda theorem, proof: None)
        verdict = env.check(thm, proof)
        assert verdict.kind is VerdictKind.UNTRUSTED and "differs" in verdict.reason


def test_sorry_is_caught_by_the_repl_answer_without_the_screen(tmp_path, monkeypatch):
    # Recorded (have_by_sorry): the REPL's answer for this theorem proved by `sorry` is a warning, no error.
    monkeypatch.setattr("stp_prover.itp.lean.env.prescreen", lambda theorem, proof: None)
    monkeypatch.setattr("stp_prover.itp.lean.session.screen_proof", lambda proof: None)
    thm = Theorem("foo", "lean", "", "theorem foo (x : Int) : x = x := by")
    answer = recorded("have_by_sorry", 1)
    assert "sorry" in answer["messages"][0]["data"]
    with env_with(tmp_path, [({"cmd": "theorem foo (x : Int) : x = x := by\n  sorry"}, answer)]) as env:
        verdict = env.check(thm, "  sorry")
        assert verdict.kind is VerdictKind.UNTRUSTED and "sorry" in verdict.reason


def test_the_v4_24_sorry_warning_is_recognised_too(tmp_path):
    # repl v4.24.0 test/*.expected.out print "declaration uses 'sorry'" (quotes); v4.33 uses backticks.
    thm = Theorem("foo", "lean", "", "theorem foo (x : Int) : x = x := by")
    warning = dict(recorded("have_by_sorry", 1))
    warning["messages"] = [dict(warning["messages"][0], data="declaration uses 'sorry'")]
    warning.pop("sorries")
    with env_with(tmp_path, [({"cmd": "theorem foo (x : Int) : x = x := by\n  simp"}, warning)]) as env:
        assert env.check(thm, "  simp").kind is VerdictKind.UNTRUSTED


def test_repl_44_a_self_referencing_proof_is_never_proved(tmp_path):
    # leanprover-community/repl#44: tactic mode accepted proofs that use the theorem itself. Recorded answers
    # (self_proof_apply_check): as a command, Lean rejects it; in tactic mode the REPL answers `goals: []` with a
    # kernel error in proofStatus, which is not `Completed`.
    thm = Theorem("ex", "lean", "", "theorem ex : False := by")
    pairs = [
        ({"cmd": "theorem ex : False := by\n  apply ex"}, recorded("self_proof_apply_check", 0)),
        ({"cmd": "theorem ex : False := by sorry"}, recorded("self_proof_apply_check", 1)),
        ({"tactic": "apply ex", "proofState": 0}, recorded("self_proof_apply_check", 2)),
    ]
    with env_with(tmp_path, pairs) as env:
        assert env.check(thm, "  apply ex").kind is VerdictKind.REJECTED
        step = env.step(env.start(thm), "apply ex")
        assert step.kind is StepKind.ERROR and "kernel" in step.messages[0]


def test_header_axioms_are_listed_apart(tmp_path):
    header = "import Mathlib\naxiom cheat : (1 : ℕ) = 2\n"
    thm = Theorem("X", "lean", header, "theorem X : (1 : ℕ) = 2 := by")
    boot = [({"cmd": header}, {"env": 0}), ({"cmd": STRICT_OPTIONS, "env": 0}, {"env": 1})]
    pairs = boot + [
        ({"cmd": "theorem X : (1 : ℕ) = 2 := by\n  exact cheat", "env": 1}, {"env": 2}),
        (
            {"cmd": "#print axioms X", "env": 2},
            {"env": 3, "messages": [info("'X' depends on axioms: [propext, cheat]")]},
        ),
        ({"cmd": "theorem X : (1 : ℕ) = 2 := by\n  exact other", "env": 1}, {"env": 4}),
        ({"cmd": "#print axioms X", "env": 4}, {"env": 5, "messages": [info("'X' depends on axioms: [other]")]}),
    ]
    with env_with(tmp_path, pairs) as env:
        ok = env.check(thm, "  exact cheat")
        assert ok.kind is VerdictKind.PROVED and ok.axioms == ["propext"] and ok.header_axioms == ["cheat"]
        assert ok.to_dict()["header_axioms"] == ["cheat"]
        bad = env.check(thm, "  exact other")
        assert bad.kind is VerdictKind.UNTRUSTED and "other" in bad.reason


def test_a_refused_header_is_untrusted_before_any_process(tmp_path):
    env = LeanEnv(LeanConfig(repl_command=[str(tmp_path / "missing")], repl_cwd=None))
    thm = Theorem("X", "lean", "import Mathlib\n#eval IO.println 1\n", "theorem X : True := by")
    verdict = env.check(thm, "  trivial")
    assert verdict.kind is VerdictKind.UNTRUSTED and "#eval" in verdict.reason
    with pytest.raises(UntrustedInput, match="#eval"):  # the server answers 400 "refused by the trust policy"
        env.start(thm)
    refused = env.check_file("import Mathlib\n#exit\ntheorem t : True := trivial\n")
    assert not refused.ok and "#exit" in refused.reason
    # Text that is no statement at all is bad input, not a cheat.
    assert env.check(Theorem("Y", "lean", "", "the sum of two odd numbers is even"), "  simp").kind is (
        VerdictKind.BAD_STATEMENT
    )
    assert env.sessions.started == 0


def test_options_set_by_a_command_hold_on_its_environment():
    # Recorded (options): `set_option pp.universes true` in one command changes how a later command on that
    # environment prints: what STRICT_OPTIONS (autoImplicit false after the header) relies on.
    repl = LeanRepl(repl_double_command("options"), ResourceLimits())
    try:
        before = repl.request({"cmd": "#print List.cons"}, 10)
        opt = repl.request({"cmd": "set_option pp.universes true"}, 10)
        after = repl.request({"cmd": "#print List.cons", "env": opt["env"]}, 10)
        assert "List.{u}" not in before["messages"][0]["data"] and "List.{u}" in after["messages"][0]["data"]
    finally:
        repl.close()


def test_a_dead_repl_at_start_is_discarded_and_retried(tmp_path):
    thm_ok = Theorem("f", "lean", "", "def f : Nat := by")
    thm_die = Theorem("DIE", "lean", "", "theorem DIE : True := by")
    with env_with(tmp_path, [], "proof_step", exit_on=["DIE"]) as env:
        with pytest.raises(BackendUnavailable, match="twice"):
            env.start(thm_die)
        assert env.sessions.started == 2 and len(env.sessions) == 0  # both dead sessions dropped
        assert env.start(thm_ok).text == "⊢ Nat"


def test_the_repl_child_finds_elan_and_has_no_lifetime_cpu_limit(tmp_path, monkeypatch):
    # elan (src/elan-utils/src/utils.rs, elan_home): ELAN_HOME, else $HOME/.elan, joined to the working directory.
    # The sandbox replaces HOME, so ELAN_HOME must be passed, absolute.
    monkeypatch.delenv("ELAN_HOME", raising=False)
    env = lean_child_env()
    assert env["ELAN_HOME"] == os.path.join(os.path.expanduser("~"), ".elan")
    assert env["PATH"].split(os.pathsep)[0] == os.path.join(env["ELAN_HOME"], "bin")
    monkeypatch.setenv("ELAN_HOME", "relative/elan")
    assert os.path.isabs(lean_child_env()["ELAN_HOME"])
    # A real child: its environment and limits as the REPL would get them.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, os, resource, sys\n"
        "sys.stdin.readline(); sys.stdin.readline()\n"
        "cpu = resource.getrlimit(resource.RLIMIT_CPU)[0]\n"
        "print(json.dumps({'env': 0, 'elan': os.environ.get('ELAN_HOME'), 'home': os.environ['HOME'],"
        " 'cpu': cpu}) + '\\n', flush=True)\n"
    )
    import sys

    repl = LeanRepl([sys.executable, str(probe)], ResourceLimits(cpu_seconds=60))
    try:
        seen = repl.request({"cmd": "x"}, 10)
    finally:
        repl.close()
    assert seen["elan"] == os.path.abspath("relative/elan")
    assert seen["home"] != os.path.expanduser("~")  # the sandbox's own HOME stays
    assert seen["cpu"] == resource.RLIM_INFINITY


def test_a_header_that_sets_auto_implicit_keeps_its_choice(tmp_path, shared_data):
    # No strict-options request here: the proof runs on the header's own environment (env 0). ProofNet's headers
    # opt in, since its statements were checked with Lean's defaults (Axler_exercise_7_6 binds `F` implicitly).
    from stp_prover.data.benchmarks import load_benchmark

    axler = next(t for t in load_benchmark("proofnet", "verified", "lean", str(shared_data)) if t.name.endswith("7_6"))
    assert "set_option autoImplicit true" in axler.header
    header = "import Mathlib\nset_option autoImplicit true\n"
    thm = Theorem("X", "lean", header, "theorem X : True := by")
    pairs = [
        ({"cmd": header}, {"env": 0}),
        ({"cmd": "theorem X : True := by\n  trivial", "env": 0}, {"env": 1}),
        ({"cmd": "#print axioms X", "env": 1}, {"env": 2, "messages": [info("'X' does not depend on any axioms")]}),
    ]
    with env_with(tmp_path, pairs) as env:
        assert env.check(thm, "  trivial").kind is VerdictKind.PROVED
